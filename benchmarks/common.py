"""What the benchmark scripts share: their own throw-away database, and timing a call."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection
from psycopg import sql
from psycopg.conninfo import make_conninfo
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn


def recreate_database(script: str) -> str:
    """Drop and create the database of DATABASE_URL through the `postgres` maintenance DB.

    Refuses anything but PostgreSQL, and any database whose name does not say "bench"."""
    db = settings.DATABASES["default"]
    name = str(db["NAME"])
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit(f"{script} needs PostgreSQL: set DATABASE_URL=postgres://...")
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop {name!r}: the benchmark database name must say bench.")
    params = {key.lower(): db[key] for key in ("HOST", "PORT", "USER", "PASSWORD") if db.get(key)}
    connection.close()
    conninfo = make_conninfo(dbname="postgres", **params)
    with psycopg.connect(conninfo, autocommit=True) as maintenance:
        maintenance.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def measure(
    name: str, call: Callable[[], object], rounds: int, warmup: int, console: Console
) -> dict[str, Any]:
    """Time `call` (after `warmup` untimed calls): median, p95, min and max in ms, the
    number of SQL queries one call makes, and the rows it returned when it returns a list."""
    queries: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        result = call()
    for _ in range(warmup):
        call()
    timings = []
    progress = Progress(
        TextColumn(f"[bold]{name:<44}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        refresh_per_second=2,
    )
    with progress:
        task = progress.add_task(name, total=rounds)
        for _ in range(rounds):
            start = time.perf_counter()
            call()
            timings.append((time.perf_counter() - start) * 1000)
            progress.advance(task)
    timings.sort()
    return {
        "name": name,
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[max(int(len(timings) * 0.95) - 1, 0)], 2),
        "min_ms": round(timings[0], 2),
        "max_ms": round(timings[-1], 2),
        "rounds": rounds,
        "queries": len(queries),
        "rows": len(result) if isinstance(result, list) else -1,
    }
