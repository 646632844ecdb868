"""`make bench-reminders`: the reminder scan (coordination/reminders.py) at scale, on PostgreSQL.

Drops and recreates its own database (the name must contain "bench"), migrates, seeds the
demo (`seed_demo --force`), records and marks delivered whatever the demo has due (a
baseline scan, so that the measured scans find only the generated actions), and then
generates --actions open follow-up actions (default 100,000) with one `INSERT ... SELECT ...
FROM generate_series(...)` on the demo's open cases, its members and their units:

    --due (default 10,000) of them fall due at `now` in exactly one reminder window each,
          spread evenly from just inside the due-soon window (now + REMINDER_DUE_SOON_HOURS)
          back to just after twice the escalation period (where an action would get both
          escalations): due soon, due, overdue and escalated to the case coordinator;
    the rest are due later than the due-soon window (up to 180 days ahead): the scan must
          pass over them.

Then it measures `reminders.reminders_scan(now=now)`, --rounds times each (the reminders a
round records are deleted, and the table vacuumed, before the next):

    enqueue=False   the scan that records the reminders: exactly --due must be recorded;
    enqueue=True    the same with the delivery enqueued after commit, with
                    `reminders.enqueue_delivery` patched to a counter (no broker): exactly
                    --due reminder ids in batches of reminders.BATCH;

and, after each, a second scan at the same moment, which must record (and enqueue) nothing.
Each scan's time is split into its finders (wrapped with a timer) and the rest (the two
counts, the bulk inserts, the audit event and the enqueueing). Target: the recording scan
under 5 s. Results go to a table and to var/bench-reminders.json; --profile prints the
cProfile of one more recording scan.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samraad_bench_reminders \\
        SAMRAAD_ENV_FILE=config/dev.env .venv/bin/python -m benchmarks.reminders
    ... -m benchmarks.reminders --actions 20000 --due 2000   # a quick smoke run
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from accounts.models import Membership, User  # noqa: E402
from benchmarks.common import (  # noqa: E402
    Phases,
    demo_database,
    execute,
    generation_table,
    write_results,
)
from coordination import access, reminders  # noqa: E402
from coordination.models import Action, Case, Reminder  # noqa: E402

DEFAULT_ACTIONS = 100_000
DEFAULT_DUE = 10_000
LATER_DAYS = 180  # the actions not yet due are spread over this many days
TARGET_SECONDS = 5.0
OUTPUT = Path(settings.BASE_DIR) / "var" / "bench-reminders.json"
ACTION_TABLE = Action._meta.db_table
REMINDER_TABLE = Reminder._meta.db_table

console = Console(width=None if sys.stdout.isatty() else 120)

# Action i (1..n): the first `due` fall from `first_due` back by `step` each, the others
# from `later_start` forward by `later_step` each; every fifth is in progress.
INSERT_SQL = f"""
INSERT INTO {ACTION_TABLE} (
    case_id, title, responsible_id, responsible_unit_id, due_at, status, result_note,
    created_by_id, created_at)
SELECT
    (%(cases)s::bigint[])[1 + mod(i, %(n_cases)s)],
    'Opfølgning ' || i,
    (%(people)s::bigint[])[1 + mod(i, %(n_people)s)],
    (%(units)s::bigint[])[1 + mod(i, %(n_people)s)],
    CASE WHEN i <= %(due)s
         THEN %(first_due)s::timestamptz - (i - 1)::float8 * %(step)s::interval
         ELSE %(later_start)s::timestamptz + (i - %(due)s - 1)::float8 * %(later_step)s::interval
    END,
    CASE WHEN mod(i, 5) = 0 THEN 'in_progress' ELSE 'open' END,
    '',
    %(creator)s,
    %(created_at)s::timestamptz
FROM generate_series(1, %(n)s::int) AS i
"""  # noqa: S608 - table names from the models, values as parameters


def windows() -> tuple[dt.timedelta, dt.timedelta]:
    """How far ahead of `now` the due-soon window reaches, and how far back the span of
    single-reminder windows goes (before it, an action gets both escalations)."""
    soon = dt.timedelta(hours=settings.REMINDER_DUE_SOON_HOURS)
    escalate = dt.timedelta(days=settings.REMINDER_ESCALATE_AFTER_DAYS)
    return soon, 2 * escalate


def _minute(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M %Z}"


def generate(actions: int, due: int, now: dt.datetime) -> dict[str, Any]:
    if not 0 < due <= actions:
        raise SystemExit("--due must be between 1 and --actions.")
    phases = Phases()
    database = demo_database("benchmarks.reminders", phases)
    # What the demo has due is recorded now and counts as delivered long ago.
    baseline = reminders.reminders_scan(now=now, enqueue=False)
    Reminder.objects.update(state=Reminder.State.DELIVERED, delivered_at=now, enqueued_at=now)
    phases.done("baseline scan (the demo's own reminders)")

    cases = list(
        Case.objects.exclude(status=Case.Status.CLOSED).order_by("pk").values_list("pk", flat=True)
    )
    pairs = list(
        Membership.objects.filter(user__is_active=True, role__in=access.ASSIGNEE_ROLES)
        .order_by("pk")
        .values_list("user_id", "unit_id")
    )
    if not cases or not pairs:
        raise SystemExit("seed_demo should have made open cases and members; found none.")
    soon, back = windows()
    first_due = now + soon - dt.timedelta(minutes=1)
    span = soon + back - dt.timedelta(minutes=61)  # an hour clear of the double escalation
    step = span / due
    later_start = now + soon + dt.timedelta(hours=1)
    params: dict[str, Any] = {
        "cases": cases,
        "n_cases": len(cases),
        "people": [user for user, _ in pairs],
        "units": [unit for _, unit in pairs],
        "n_people": len(pairs),
        "due": due,
        "first_due": first_due,
        "step": step,
        "later_start": later_start,
        "later_step": dt.timedelta(days=LATER_DAYS) / max(actions - due, 1),
        "creator": User.objects.get(username="ssp.aalborg").pk,
        "created_at": now - dt.timedelta(days=30),
        "n": actions,
    }
    execute("SET synchronous_commit TO off")
    execute(INSERT_SQL, params)
    execute("SET synchronous_commit TO on")
    phases.done(f"insert {actions:,} actions (INSERT ... SELECT)")
    execute("VACUUM (ANALYZE)")
    phases.done("VACUUM (ANALYZE)")
    open_actions = Action.objects.filter(status__in=reminders.OPEN_ACTION)
    return {
        "database": database,
        "now": now.isoformat(),
        "actions_generated": actions,
        "actions_due": due,
        "actions_open_total": open_actions.count(),
        "open_cases": len(cases),
        "responsible_people": len({user for user, _ in pairs}),
        "due_range": [_minute(first_due - (due - 1) * step), _minute(first_due)],
        "later_range": [_minute(later_start), _minute(later_start + dt.timedelta(days=LATER_DAYS))],
        "baseline_reminders": baseline,
        "seconds_total": phases.total(),
        "phases": phases.seconds,
    }


# --- Measuring -------------------------------------------------------------------------------


class Scan:
    """One timed scan: total seconds, per-finder seconds, queries, what it recorded and what
    it enqueued (through the patched `.delay`)."""

    def __init__(self, now: dt.datetime, enqueue: bool) -> None:
        self.now, self.enqueue = now, enqueue
        self.finders: dict[str, float] = {}
        self.batches: list[list[int]] = []
        self.queries = 0

    def _timed(self, finder: Callable[[dt.datetime], list[Reminder]]) -> Callable[..., Any]:
        def call(now: dt.datetime) -> list[Reminder]:
            start = time.perf_counter()
            found = finder(now)
            self.finders[finder.__name__] = time.perf_counter() - start
            return found

        return call

    def run(self) -> dict[str, Any]:
        def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            self.queries += 1
            return execute(sql, params, many, context)

        finders = tuple(self._timed(f) for f in reminders.FINDERS)
        with (
            mock.patch.object(reminders, "FINDERS", finders),
            mock.patch.object(reminders, "enqueue_delivery", side_effect=self.batches.append),
            connection.execute_wrapper(count),
        ):
            start = time.perf_counter()
            recorded = reminders.reminders_scan(now=self.now, enqueue=self.enqueue)
            seconds = time.perf_counter() - start
        found = sum(self.finders.values())
        return {
            "seconds": round(seconds, 3),
            "recorded": recorded,
            "finders": {name: round(s, 3) for name, s in self.finders.items()},
            "rest_seconds": round(seconds - found, 3),
            "queries": self.queries,
            "delay_calls": len(self.batches),
            "enqueued_ids": sum(len(batch) for batch in self.batches),
            "distinct_ids": len({pk for batch in self.batches for pk in batch}),
        }


def reset(baseline_max: int) -> None:
    """Forget what a round recorded (no notifications exist: nothing was delivered)."""
    execute(f"DELETE FROM {REMINDER_TABLE} WHERE id > %s", [baseline_max])  # noqa: S608
    execute(f"VACUUM (ANALYZE) {REMINDER_TABLE}")


def run(now: dt.datetime, due: int, rounds: int) -> dict[str, Any]:
    settings.DEBUG = False
    baseline_max = Reminder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    results: dict[str, list[dict[str, Any]]] = {}
    kinds: dict[str, int] = {}
    for enqueue in (False, True):
        label = "enqueue" if enqueue else "record"
        for _ in range(rounds):
            reset(baseline_max)
            first = Scan(now, enqueue).run()
            if first["recorded"] != due:
                raise SystemExit(f"The scan recorded {first['recorded']:,}, expected {due:,}.")
            if enqueue and (first["enqueued_ids"], first["distinct_ids"]) != (due, due):
                raise SystemExit(f"Enqueued {first['enqueued_ids']:,} ids, expected {due:,}.")
            kinds = dict(
                Reminder.objects.filter(pk__gt=baseline_max)
                .values_list("kind")
                .annotate(n=Count("pk"))
                .values_list("kind", "n")
            )
            second = Scan(now, enqueue).run()
            if second["recorded"] != 0 or second["enqueued_ids"] != 0:
                raise SystemExit(f"The second scan was not idle: {second}")
            results.setdefault(f"{label}: first scan", []).append(first)
            results.setdefault(f"{label}: second scan", []).append(second)
    summary = []
    for name, runs in results.items():
        seconds = sorted(r["seconds"] for r in runs)
        best = min(runs, key=lambda r: r["seconds"])
        summary.append(
            {
                "name": name,
                "median_s": round(statistics.median(seconds), 3),
                "min_s": seconds[0],
                "max_s": seconds[-1],
                "recorded": runs[0]["recorded"],
                "queries": runs[0]["queries"],
                "delay_calls": runs[0]["delay_calls"],
                "enqueued_ids": runs[0]["enqueued_ids"],
                "finders_s": best["finders"],
                "rest_s": best["rest_seconds"],
                "target_s": TARGET_SECONDS if name.endswith("first scan") else None,
            }
        )
    targets = {
        row["name"]: {
            "target_s": row["target_s"],
            "median_s": row["median_s"],
            "met": row["median_s"] < TARGET_SECONDS,
        }
        for row in summary
        if row["target_s"]
    }
    return {
        "rounds": rounds,
        "reminders_by_kind": kinds,
        "summary": summary,
        "runs": results,
        "targets": targets,
        "baseline_max_reminder_id": baseline_max,
    }


def profile(now: dt.datetime, baseline_max: int, top: int = 25) -> str:
    reset(baseline_max)
    profiler = cProfile.Profile()
    with mock.patch.object(reminders, "enqueue_delivery"):
        profiler.runcall(reminders.reminders_scan, now=now, enqueue=True)
    reset(baseline_max)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(top)
    return text.getvalue()


def report(outcome: dict[str, Any], generation: dict[str, Any] | None) -> None:
    if generation:
        console.print(generation_table(generation, digits=2))
        console.print(
            f"{generation['actions_open_total']:,} open actions on {generation['open_cases']} "
            f"open cases, {generation['responsible_people']} responsible people; "
            f"{generation['actions_due']:,} due between {generation['due_range'][0]} and "
            f"{generation['due_range'][1]}, the rest from {generation['later_range'][0]}."
        )
    console.print(
        "Reminders recorded per round: "
        + ", ".join(f"{kind} {n:,}" for kind, n in sorted(outcome["reminders_by_kind"].items()))
    )
    table = Table(
        title=f"reminders_scan(now=now) on {connection.vendor}, {outcome['rounds']} rounds each"
    )
    columns = ("scan", "median s", "min s", "max s", "recorded", "enqueued (calls)", "queries")
    for column in (*columns, "met"):
        table.add_column(column, justify="left" if column == "scan" else "right")
    for row in outcome["summary"]:
        met = ""
        if row["target_s"]:
            met = "[green]yes" if row["median_s"] < TARGET_SECONDS else "[red]no"
        table.add_row(
            row["name"],
            f"{row['median_s']:.3f}",
            f"{row['min_s']:.3f}",
            f"{row['max_s']:.3f}",
            f"{row['recorded']:,}",
            f"{row['enqueued_ids']:,} ({row['delay_calls']})" if "enqueue" in row["name"] else "",
            str(row["queries"]),
            met,
        )
    table.caption = f"Target: a scan that records the reminders, median < {TARGET_SECONDS:.0f} s"
    console.print(table)
    table = Table(title="Where the time goes (fastest round, seconds)")
    table.add_column("scan")
    names = list(outcome["summary"][0]["finders_s"])
    for name in (*names, "rest"):
        table.add_column(name.strip("_"), justify="right")
    for row in outcome["summary"]:
        table.add_row(
            row["name"],
            *(f"{row['finders_s'].get(n, 0):.3f}" for n in names),
            f"{row['rest_s']:.3f}",
        )
    table.caption = "rest: the two counts, the bulk inserts, the audit event and the enqueueing"
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--actions", type=int, default=DEFAULT_ACTIONS)
    parser.add_argument("--due", type=int, default=DEFAULT_DUE)
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    parser.add_argument("--profile", action="store_true", help="cProfile one more scan")
    args = parser.parse_args()
    settings.DEBUG = False  # no query log, and production behaviour
    now = timezone.now().replace(microsecond=0)
    generation = generate(args.actions, args.due, now)
    outcome = run(now, args.due, args.rounds)
    report(outcome, generation)
    if args.profile:
        console.rule("cProfile: one recording scan with enqueue (cumulative)")
        console.print(
            profile(now, outcome["baseline_max_reminder_id"]), markup=False, highlight=False
        )
    write_results(OUTPUT, generation, outcome, console)


if __name__ == "__main__":
    main()
