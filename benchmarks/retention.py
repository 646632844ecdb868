"""`make bench-retention`: the retention run (coordination/services/retention.py) at scale,
on PostgreSQL.

Generates the data set of `make bench-access` into its own database (the name must contain
"bench"): 100,000 citizens and cases, each with its 4 participants, their grant rows, and
1,000,000 entries with their recipients. Then it moves the clock of the cases:

    --expired (default 10,000) cases are closed 13 to 23 months ago: past the default
              retention period of 12 months, so the run must delete them, their entries,
              recipients, participants, grants and their citizens;
    --held    (default 100) more are closed as long ago but have a legal hold running: the
              run must keep them;
    every other closed case is closed within the last 11 months: kept.

Then, with DEBUG off:

1. a dry run (`apply_retention(dry_run=True)`): its time and what it counts;
2. two reader processes, each a logged-in `ssp.aalborg` (Django's test client, a database
   connection of its own) requesting case pages of open cases and the case list without
   pause, first for --baseline seconds alone, then during the run, and a monitor that samples
   PostgreSQL's `pg_stat_activity` every 50 ms for sessions waiting on a lock;
3. the run itself (`apply_retention()`, chunks of RETENTION_CHUNK_SIZE or --chunk-size): its
   time (target: under 60 s for 10,000 cases), and the SQL queries of every chunk (which must
   not depend on the amount of content);
4. the checks: exactly --expired cases and their citizens are gone, the held ones and every
   other case are still there, one receipt per deleted case and citizen is in the audit log,
   a second run deletes nothing, and `manage.py verify_audit` is clean.

Results go to a table and to var/bench-retention.json.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samraad_bench_retention \\
        SAMRAAD_ENV_FILE=config/dev.env .venv/bin/python -m benchmarks.retention
    ... -m benchmarks.retention --cases 5000 --expired 500 --held 10   # a quick smoke run
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import multiprocessing
import multiprocessing.synchronize
import os
import pstats
import statistics
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import CommandError, call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from psycopg import sql  # noqa: E402
from psycopg.conninfo import make_conninfo  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # noqa: E402
from rich.table import Table  # noqa: E402

from accounts.models import User  # noqa: E402
from benchmarks import access as access_bench  # noqa: E402
from benchmarks.common import execute, generation_table, write_results  # noqa: E402
from coordination import access, audit, services  # noqa: E402
from coordination.models import (  # noqa: E402
    AuditEvent,
    Case,
    Citizen,
    ConcernReport,
    Entry,
    LegalHold,
)

DEFAULT_CASES = 100_000
DEFAULT_EXPIRED = 10_000
DEFAULT_HELD = 100
TARGET_SECONDS = 60.0
READER = access_bench.BENCH_USER
OUTPUT = Path(settings.BASE_DIR) / "var" / "bench-retention.json"
CASE_TABLE = sql.Identifier(Case._meta.db_table)

console = Console(width=120)


# --- The clock of the cases ------------------------------------------------------------------


def age_cases(expired: int, held: int, now: dt.datetime) -> dict[str, Any]:
    """Close `expired` + `held` cases 13-23 months before `now` (a hold on `held` of them) and
    move every other closing into the last 11 months. Returns the ids to check afterwards."""
    # Every closing the generator made, into the last 11 months (at least a day after opening).
    execute(
        sql.SQL("""
        UPDATE {} SET
            closed_at = greatest(opened_at + interval '1 day',
                                 %(now)s - random() * interval '330 days'),
            retention_from = NULL
        WHERE status = 'closed'
        """).format(CASE_TABLE),
        {"now": now},
    )
    execute(
        sql.SQL("UPDATE {} SET retention_from = closed_at WHERE status = 'closed'").format(
            CASE_TABLE
        )
    )
    # The expired and the held: a reproducible spread over the generated cases.
    execute(
        sql.SQL("""
        WITH picked AS (
            SELECT id FROM {table} ORDER BY md5(id::text) LIMIT %(n)s
        ), closing AS (
            SELECT id, %(now)s - interval '13 months' - random() * interval '300 days' AS at
            FROM picked
        )
        UPDATE {table} c SET
            status = 'closed',
            closed_at = closing.at,
            retention_from = closing.at,
            opened_at = least(c.opened_at, closing.at - interval '30 days'),
            next_review_at = NULL,
            closure_reason = 'Forløbet er afsluttet.'
        FROM closing WHERE c.id = closing.id
        """).format(table=CASE_TABLE),
        {"now": now, "n": expired + held},
    )
    picked = list(
        Case.objects.filter(
            status=Case.Status.CLOSED, retention_from__lt=now - dt.timedelta(days=390)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    on_hold = picked[:: max(len(picked) // held, 1)][:held] if held else []
    placer = User.objects.filter(is_superuser=True).order_by("pk").first() or User.objects.first()
    LegalHold.objects.bulk_create(
        LegalHold(
            case_id=pk,
            reason="Benchmark: kept for a pending complaint",
            until=timezone.localdate(now) + dt.timedelta(days=90),
            placed_by=placer,
        )
        for pk in on_hold
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    held_set = set(on_hold)
    doomed = [pk for pk in picked if pk not in held_set]
    citizens = set(Case.objects.filter(pk__in=doomed).values_list("citizen_id", flat=True))
    # A citizen goes with the case unless something else is left (another case, a concern).
    citizens -= set(
        Case.objects.filter(citizen_id__in=citizens)
        .exclude(pk__in=doomed)
        .values_list("citizen_id", flat=True)
    )
    citizens -= set(
        ConcernReport.objects.filter(citizen_id__in=citizens)
        .exclude(case_id__in=doomed)
        .values_list("citizen_id", flat=True)
    )
    return {
        "doomed": doomed,
        "doomed_citizens": sorted(citizens),
        "held": on_hold,
        "entries_doomed": Entry.objects.filter(case_id__in=doomed).count(),
    }


# --- The users of other cases ----------------------------------------------------------------


def reader(
    paths: list[str], stop: multiprocessing.synchronize.Event, out: multiprocessing.Queue[Any]
) -> None:
    """A user reading pages without pause until `stop`; puts (started, ms, status) per request."""
    settings.DEBUG = False
    client = Client()
    client.force_login(User.objects.get(username=READER))
    samples: list[tuple[float, float, int]] = []
    while not stop.is_set():
        for path in paths:
            started = time.time()
            status = client.get(path).status_code
            samples.append((started, (time.time() - started) * 1000, status))
    connection.close()
    out.put(samples)


class LockMonitor(threading.Thread):
    """Samples pg_stat_activity on a connection of its own: sessions waiting on a lock."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        db = settings.DATABASES["default"]
        params = {k.lower(): db[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if db.get(k)}
        self.conninfo = make_conninfo(dbname=str(db["NAME"]), **params)
        self.stopping = threading.Event()
        self.samples: list[tuple[float, int]] = []

    def run(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as watcher:
            while not self.stopping.is_set():
                waiting = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                ).fetchone()
                self.samples.append((time.time(), int(waiting[0]) if waiting else 0))
                time.sleep(0.05)


def latency(samples: list[tuple[float, float, int]], start: float, end: float) -> dict[str, Any]:
    inside = sorted(ms for at, ms, _status in samples if start <= at < end)
    errors = sum(1 for at, _ms, status in samples if start <= at < end and status != 200)
    if not inside:
        return {"requests": 0, "errors": errors}
    return {
        "requests": len(inside),
        "errors": errors,
        "median_ms": round(statistics.median(inside), 1),
        "p95_ms": round(inside[max(int(len(inside) * 0.95) - 1, 0)], 1),
        "max_ms": round(inside[-1], 1),
    }


def reader_paths() -> list[str]:
    user = User.objects.get(username=READER)
    open_cases = list(
        access.cases_for(user)
        .filter(closed_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:20]
    )
    if not open_cases:
        raise SystemExit(f"{READER} sees no open case; was the data generated?")
    return ["/sager/", *(f"/sager/{pk}/" for pk in open_cases)]


# --- The run ---------------------------------------------------------------------------------


def run(
    chunk_size: int | None, baseline: float, aged: dict[str, Any], profile: bool
) -> dict[str, Any]:
    settings.DEBUG = False
    outcome: dict[str, Any] = {"chunk_size": chunk_size or settings.RETENTION_CHUNK_SIZE}

    started = time.perf_counter()
    dry = services.apply_retention(dry_run=True)
    outcome["dry_run"] = {
        "seconds": round(time.perf_counter() - started, 2),
        "cases": dry.cases,
        "cases_held": dry.cases_held,
        "citizens": dry.citizens,
    }

    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    out: multiprocessing.Queue[Any] = context.Queue()
    paths = reader_paths()
    middle = len(paths) // 2
    readers = [
        context.Process(target=reader, args=(part, stop, out), daemon=True)
        for part in (paths[:middle] or paths, paths[middle:])
    ]
    for process in readers:
        process.start()
    monitor = LockMonitor()
    monitor.start()
    time.sleep(5)  # the readers log in and warm up
    baseline_start = time.time()
    time.sleep(baseline)
    run_start = time.time()

    # The queries between two progress calls are one chunk's (its ids read, then the chunk).
    chunk_queries: list[int] = []
    queries = 0

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    progress = Progress(
        TextColumn("[bold]{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def advance(stage: str, done: int, total: int) -> None:
        nonlocal queries
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total)
        elif stage == "cases":
            chunk_queries.append(queries)
        queries = 0
        progress.update(tasks[stage], completed=done, total=total)

    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    with progress, connection.execute_wrapper(count):
        if profiler:
            profiler.enable()
        summary = services.apply_retention(chunk_size=chunk_size, progress=advance)
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - started
    if profiler:
        stats = io.StringIO()
        pstats.Stats(profiler, stream=stats).sort_stats("tottime").print_stats(30)
        console.print(stats.getvalue(), markup=False, highlight=False)
    run_end = time.time()
    time.sleep(min(baseline, 5))
    stop.set()
    samples: list[tuple[float, float, int]] = []
    for _process in readers:
        samples.extend(out.get(timeout=120))
    for process in readers:
        process.join(timeout=30)
    monitor.stopping.set()
    monitor.join(timeout=5)
    waits = [n for at, n in monitor.samples if run_start <= at < run_end]

    outcome["run"] = {
        "seconds": round(seconds, 2),
        "cases_per_second": round(summary.cases / seconds, 1) if seconds else None,
        "cases": summary.cases,
        "cases_held": summary.cases_held,
        "citizens": summary.citizens,
        "chunks": summary.chunks,
        "rows": dict(sorted(summary.rows.items())),
        "queries_per_chunk": dict(sorted(Counter(chunk_queries).items())),
    }
    outcome["other_users"] = {
        "pages": len(paths),
        "before": latency(samples, baseline_start, run_start),
        "during": latency(samples, run_start, run_end),
        "lock_wait_samples": len(waits),
        "sessions_waiting_on_a_lock_max": max(waits, default=0),
        "samples_with_a_lock_wait": sum(1 for n in waits if n),
    }

    doomed, held = aged["doomed"], aged["held"]
    started = time.perf_counter()
    again = services.apply_retention()
    outcome["second_run"] = {
        "seconds": round(time.perf_counter() - started, 2),
        "cases": again.cases,
        "citizens": again.citizens,
        "concerns": again.concerns,
    }
    receipts = AuditEvent.objects.filter(
        purpose="retention", action=audit.Action.DELETE, detail__run=summary.run
    )
    out_text = io.StringIO()
    try:
        call_command("verify_audit", stdout=out_text, no_color=True)
        verdict = out_text.getvalue().strip().splitlines()[-1]
    except CommandError as error:
        verdict = f"FAILED: {error}"
    outcome["checks"] = {
        "expired cases deleted": summary.cases == len(doomed)
        and not Case.objects.filter(pk__in=doomed).exists(),
        "their citizens with nothing else deleted": not Citizen.objects.filter(
            pk__in=aged["doomed_citizens"]
        ).exists(),
        "their entries deleted": not Entry.objects.filter(case_id__in=doomed).exists(),
        "held cases kept": Case.objects.filter(pk__in=held).count() == len(held),
        "other cases kept": Case.objects.count() == aged["cases_before"] - len(doomed),
        "one receipt per case": receipts.filter(object_type="coordination.case").count()
        == len(doomed),
        "one receipt per citizen": receipts.filter(object_type="coordination.citizen").count()
        == summary.citizens,
        "second run deletes nothing": again.cases == again.citizens == again.concerns == 0,
        "readers got only 200": not any(status != 200 for _at, _ms, status in samples),
        "verify_audit clean": not verdict.startswith("FAILED"),
    }
    outcome["verify_audit"] = verdict
    outcome["entries_deleted"] = aged["entries_doomed"]
    return outcome


def report(outcome: dict[str, Any], generation: dict[str, Any] | None) -> None:
    if generation:
        console.print(generation_table(generation, "data generation"))
    run_ = outcome["run"]
    table = Table(title=f"Retention run (chunks of {outcome['chunk_size']})")
    table.add_column("")
    table.add_column("value", justify="right")
    dry = outcome["dry_run"]
    table.add_row(
        "dry run", f"{dry['seconds']:.2f} s: {dry['cases']} cases, {dry['citizens']} citizens"
    )
    colour = "green" if run_["seconds"] < TARGET_SECONDS else "red"
    table.add_row(
        f"run: {run_['cases']} cases, {run_['citizens']} citizens",
        f"[{colour}]{run_['seconds']:.1f} s[/] (target < {TARGET_SECONDS:.0f} s)",
    )
    table.add_row("cases per second", f"{run_['cases_per_second']}")
    table.add_row("entries deleted", f"{outcome['entries_deleted']:,}")
    table.add_row("chunks", str(run_["chunks"]))
    table.add_row(
        "SQL queries per chunk (queries: chunks)",
        ", ".join(f"{q}: {n}" for q, n in run_["queries_per_chunk"].items()),
    )
    table.add_row("cases kept on hold", str(run_["cases_held"]))
    table.add_row(
        "second run",
        f"{outcome['second_run']['seconds']:.2f} s, deleted {outcome['second_run']['cases']}",
    )
    console.print(table)

    users = outcome["other_users"]
    table = Table(title=f"{READER} reading {users['pages']} pages of other cases in 2 processes")
    for column in ("", "requests", "errors", "median ms", "p95 ms", "max ms"):
        table.add_column(column, justify="right" if column else "left")
    for name in ("before", "during"):
        row = users[name]
        table.add_row(
            f"{name} the run",
            str(row["requests"]),
            str(row["errors"]),
            *(str(row.get(k, "-")) for k in ("median_ms", "p95_ms", "max_ms")),
        )
    console.print(table)
    console.print(
        f"Sessions waiting on a lock during the run: max {users['sessions_waiting_on_a_lock_max']}"
        f" ({users['samples_with_a_lock_wait']} of {users['lock_wait_samples']} samples)"
    )
    table = Table(title="Checks")
    table.add_column("check")
    table.add_column("holds")
    for name, holds in outcome["checks"].items():
        table.add_row(name, "[green]yes" if holds else "[red]NO")
    console.print(table)
    console.print(f"verify_audit: {outcome['verify_audit']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES)
    parser.add_argument("--entries", type=int, help="default: 10 per case")
    parser.add_argument("--expired", type=int, default=DEFAULT_EXPIRED)
    parser.add_argument("--held", type=int, default=DEFAULT_HELD)
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument(
        "--baseline", type=float, default=15.0, help="seconds the readers run before the run"
    )
    parser.add_argument("--profile", action="store_true", help="print the run's cProfile")
    args = parser.parse_args()
    if args.expired + args.held > args.cases // 2:
        raise SystemExit("--expired and --held together may be at most half of --cases.")
    settings.DEBUG = False
    generation = access_bench.generate(
        args.cases, args.entries or args.cases * access_bench.ENTRIES_PER_CASE
    )
    now = timezone.now()
    started = time.perf_counter()
    aged = age_cases(args.expired, args.held, now)
    aged["cases_before"] = Case.objects.count()
    generation["phases"]["age the cases (SQL), VACUUM (ANALYZE)"] = round(
        time.perf_counter() - started, 2
    )
    outcome = run(args.chunk_size, args.baseline, aged, args.profile)
    report(outcome, generation)
    write_results(OUTPUT, generation, outcome, console)
    if not all(outcome["checks"].values()):
        raise SystemExit("A check failed: see the table above.")


if __name__ == "__main__":
    main()
