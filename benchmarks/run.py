"""`make bench`: time the pages people use most, on whatever database the settings select.

Foundation version: the case list ("Mine sager") and a case page for `ssp.aalborg` on the
seeded demo data, median and p95 over repeated requests through Django's test client, with
the number of SQL queries per request. Later issues add their own scenarios here.

Audit overhead (issue 4): the same case page with auditing on and off, on the same data, in
interleaved blocks of requests (on, off, off, on, on, off, ...) so that machine noise falls on
both alike; reported as requests per second for each and the ratio on/off (target >= 0.85).
"Off" exists only inside this process: `coordination.audit.insert_events` (signing and the bulk
insert of the request's events by `AuditMiddleware`) is patched to a no-op with
unittest.mock for the off blocks. The view still builds its event objects, as it must.

    make bench                                         # SQLite demo database under var/
    DATABASE_URL=postgres://postgres@127.0.0.1/samraad_bench make bench

The access layer at scale (100,000 cases, 1,000,000 entries, PostgreSQL only) has its own
script, benchmarks/access.py: `make bench-access` drops and recreates samraad_bench_access,
generates the data and writes var/bench-access.json. The audit log at scale (10,000,000
events, PostgreSQL only) is benchmarks/audit.py: `make bench-audit` (samraad_bench_audit,
var/bench-audit.json). The reminder scan is benchmarks/reminders.py (`make bench-reminders`),
and the nightly retention run deleting 10,000 expired cases of 100,000 while other users
read is benchmarks/retention.py (`make bench-retention`, var/bench-retention.json).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import track  # noqa: E402
from rich.table import Table  # noqa: E402

from accounts.models import User  # noqa: E402
from benchmarks.common import count_queries  # noqa: E402
from coordination import access, audit  # noqa: E402
from coordination.models import AuditEvent  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
# The audit on/off comparison: this many blocks per mode, ROUNDS requests per mode in all.
AUDIT_BLOCKS = int(os.environ.get("BENCH_AUDIT_BLOCKS", "10"))
TARGET_AUDIT_RATIO = 0.85


def measure(name: str, request: Callable[[], object]) -> tuple[str, float, float, int]:
    _, queries = count_queries(request)
    timings = []
    for _ in track(range(ROUNDS), description=name, transient=True):
        start = time.perf_counter()
        request()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return name, statistics.median(timings), timings[int(len(timings) * 0.95) - 1], queries


def _no_insert(events: list[AuditEvent]) -> None:
    """Auditing "off" for the benchmark's off blocks: neither sign nor insert."""


def _last_event_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _auditing(mode: str) -> contextlib.AbstractContextManager[object]:
    """Nothing for "on"; for "off", `audit.insert_events` patched to a no-op (this process only)."""
    if mode == "off":
        return mock.patch.object(audit, "insert_events", _no_insert)
    return contextlib.nullcontext()


def audit_overhead(request: Callable[[], object]) -> dict[str, Any]:
    """Throughput of `request` with auditing on and off, in interleaved blocks (ABBA order)."""
    per_block = max(1, ROUNDS // AUDIT_BLOCKS)
    queries: dict[str, int] = {}
    inserted: dict[str, int] = {}
    for mode in ("on", "off"):  # warm-up, query count, and proof that "off" writes nothing
        before = _last_event_id()
        with _auditing(mode):
            _, queries[mode] = count_queries(request)
        inserted[mode] = _last_event_id() - before
    if inserted["on"] < 1 or inserted["off"] != 0:
        raise SystemExit(f"Audit on/off not as expected: events written per request {inserted}")
    timings: dict[str, list[float]] = {"on": [], "off": []}
    seconds = {"on": 0.0, "off": 0.0}
    blocks = [("on", "off")[(b + b // 2) % 2] for b in range(2 * AUDIT_BLOCKS)]  # on off off on
    for mode in track(blocks, description="case page, audit on/off", transient=True):
        with _auditing(mode):
            started = time.perf_counter()
            for _ in range(per_block):
                start = time.perf_counter()
                request()
                timings[mode].append((time.perf_counter() - start) * 1000)
            seconds[mode] += time.perf_counter() - started
    result: dict[str, Any] = {"blocks_per_mode": AUDIT_BLOCKS, "requests_per_block": per_block}
    for mode, values in timings.items():
        values.sort()
        result[mode] = {
            "requests": len(values),
            "requests_per_second": len(values) / seconds[mode],
            "median_ms": statistics.median(values),
            "p95_ms": values[int(len(values) * 0.95) - 1],
            "queries": queries[mode],
            "events_per_request": inserted[mode],
        }
    result["ratio"] = result["on"]["requests_per_second"] / result["off"]["requests_per_second"]
    return result


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--force", verbosity=0)
    settings.DEBUG = False  # time what production runs, without debug bookkeeping
    user = User.objects.get(username="ssp.aalborg")
    client = Client()
    client.force_login(user)
    case = access.cases_for(user).order_by("pk").first()
    if case is None:
        raise SystemExit("The demo data should give ssp.aalborg cases; none found.")
    rows = [
        measure("case list", lambda: client.get("/sager/")),
        measure("case list, search", lambda: client.get("/sager/", {"q": "sen"})),
        measure("case page", lambda: client.get(f"/sager/{case.pk}/")),
    ]
    overhead = audit_overhead(lambda: client.get(f"/sager/{case.pk}/"))
    for mode in ("on", "off"):
        figures = overhead[mode]
        rows.append(
            (
                f"case page, audit {mode} (interleaved)",
                figures["median_ms"],
                figures["p95_ms"],
                figures["queries"],
            )
        )
    table = Table(title=f"Samraad pages on {connection.vendor}, {ROUNDS} requests each")
    for column in ("page", "median ms", "p95 ms", "queries"):
        table.add_column(column, justify="right" if column != "page" else "left")
    for name, median, p95, queries in rows:
        table.add_row(name, f"{median:.1f}", f"{p95:.1f}", str(queries))
    console = Console()
    console.print(table)
    table = Table(
        title=f"Audit overhead: case page {case.pk} as {user.username}, "
        f"{AUDIT_BLOCKS} interleaved blocks of {overhead['requests_per_block']} requests per mode"
    )
    for column in ("auditing", "requests", "requests/s", "median ms", "p95 ms", "events/request"):
        table.add_column(column, justify="right" if column != "auditing" else "left")
    for mode in ("on", "off"):
        figures = overhead[mode]
        table.add_row(
            mode,
            str(figures["requests"]),
            f"{figures['requests_per_second']:.1f}",
            f"{figures['median_ms']:.1f}",
            f"{figures['p95_ms']:.1f}",
            str(figures["events_per_request"]),
        )
    ratio = overhead["ratio"]
    met = "[green]met" if ratio >= TARGET_AUDIT_RATIO else "[red]NOT met"
    table.add_row("[bold]ratio on/off", "", f"[bold]{ratio:.3f}", "", "", "")
    table.caption = f"Throughput ratio on/off {ratio:.3f}: target >= {TARGET_AUDIT_RATIO} {met}"
    console.print(table)


if __name__ == "__main__":
    main()
