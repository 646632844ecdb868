"""`make bench`: time the pages people use most, on whatever database the settings select.

Foundation version: the case list ("Mine sager") and a case page for `ssp.aalborg` on the
seeded demo data, median and p95 over repeated requests through Django's test client, with
the number of SQL queries per request. Later issues add their own scenarios here.

    make bench                                         # SQLite demo database under var/
    DATABASE_URL=postgres://postgres@127.0.0.1/samraad_bench make bench

The access layer at scale (100,000 cases, 1,000,000 entries, PostgreSQL only) has its own
script, benchmarks/access.py: `make bench-access` drops and recreates samraad_bench_access,
generates the data and writes var/bench-access.json.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

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
from coordination import access  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))


def measure(name: str, request: Callable[[], object]) -> tuple[str, float, float, int]:
    queries: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        request()
    timings = []
    for _ in track(range(ROUNDS), description=name, transient=True):
        start = time.perf_counter()
        request()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return name, statistics.median(timings), timings[int(len(timings) * 0.95) - 1], len(queries)


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
    table = Table(title=f"Samraad pages on {connection.vendor}, {ROUNDS} requests each")
    for column in ("page", "median ms", "p95 ms", "queries"):
        table.add_column(column, justify="right" if column != "page" else "left")
    for name, median, p95, queries in rows:
        table.add_row(name, f"{median:.1f}", f"{p95:.1f}", str(queries))
    Console().print(table)


if __name__ == "__main__":
    main()
