"""What the PostgreSQL benchmark scripts share: their own throw-away database."""

from __future__ import annotations

import psycopg
from django.conf import settings
from django.db import connection
from psycopg import sql
from psycopg.conninfo import make_conninfo


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
