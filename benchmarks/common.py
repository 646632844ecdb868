"""What the benchmark scripts share: their own throw-away database seeded with the demo,
timing its generation and a call, and writing the results."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from psycopg import sql
from psycopg.conninfo import make_conninfo
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

T = TypeVar("T")


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


def execute(statement: str | sql.Composable, params: Any = None) -> None:
    with connection.cursor() as cursor:
        if isinstance(statement, sql.Composable):
            statement = statement.as_string(connection.connection)
        cursor.execute(statement, params)


class Phases:
    """Seconds per named phase of a data generation, each timed from the end of the one
    before (or from `begin()`, to leave out what came between)."""

    def __init__(self) -> None:
        self.started = self._since = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def begin(self) -> None:
        self._since = time.perf_counter()

    def done(self, name: str) -> None:
        self.seconds[name] = round(time.perf_counter() - self._since, 2)
        self._since = time.perf_counter()

    def total(self) -> float:
        return round(time.perf_counter() - self.started, 1)


def demo_database(script: str, phases: Phases) -> str:
    """`recreate_database`, then migrate and `seed_demo --force`, each a phase."""
    database = recreate_database(script)
    phases.done("drop and create database")
    call_command("migrate", verbosity=0)
    phases.done("migrate")
    call_command("seed_demo", "--force", verbosity=0)
    phases.done("seed_demo")
    return database


def generation_table(
    generation: dict[str, Any], data_label: str | None = None, digits: int = 1
) -> Table:
    """The phases of a generation, their seconds, the data generation's share (when
    `data_label` names it) and the total."""
    table = Table(title=f"Generation into {generation['database']}")
    table.add_column("phase")
    table.add_column("seconds", justify="right")
    for name, seconds in generation["phases"].items():
        table.add_row(name, f"{seconds:.{digits}f}")
    if data_label:
        table.add_row(f"[bold]{data_label}", f"{generation['seconds_data_generation']:.1f}")
    table.add_row("[bold]total", f"{generation['seconds_total']:.1f}")
    return table


def write_results(
    path: Path, generation: dict[str, Any] | None, outcome: dict[str, Any], console: Console
) -> None:
    """The results as JSON, with when and into which database they were made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "generated_at": timezone.now().isoformat(),
        "database": str(settings.DATABASES["default"]["NAME"]),
        "generation": generation,
        **outcome,
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
    console.print(f"Written: {path}")


def count_queries(call: Callable[[], T]) -> tuple[T, int]:
    """What `call` returns, and the number of SQL queries it made."""
    queries = 0

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        result = call()
    return result, queries


def measure(
    name: str, call: Callable[[], object], rounds: int, warmup: int, console: Console
) -> dict[str, Any]:
    """Time `call` (after `warmup` untimed calls): median, p95, min and max in ms, the
    number of SQL queries one warm call makes (caches such as the content types filled, as
    in a running server), and the rows it returned when it returns a list."""
    for _ in range(warmup):
        call()
    result, queries = count_queries(call)
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
        "queries": queries,
        "rows": len(result) if isinstance(result, list) else -1,
    }
