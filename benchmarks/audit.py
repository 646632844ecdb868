"""`make bench-audit`: the audit log (coordination_auditevent) at scale, on PostgreSQL.

Drops and recreates its own database (the name must contain "bench"), migrates, seeds the
demo (`seed_demo --force`: personas, units, 60 citizens with cases) and then generates
--events audit events (default 10,000,000) on the server, with `INSERT ... SELECT ... FROM
generate_series(...)` in chunks of 1,000,000 rows (nothing crosses the wire but the SQL):

    time        five years of working days (07-18 local time) up to yesterday, in id order
                like a real append-only log; 2 % in the night (00-07, 18-24) of their day
                and 1 % on the weekend before it
    actors      200: the nine working personas among 197 users of skewed activity
                (ssp.aalborg is the busiest, about 3 %), 188 of them invented (ids and
                usernames that exist in no table: there is no foreign key); the personas
                revisor, statistik and admin are rare users (about 150 events each)
    actions     view 45.5 %, list 30 %, search 8 %, change 5 %, create 4 %, login 3 %,
                logout 2 %, and export, print, disclose, failed login, permission change,
                emergency access and delete between 0.1 and 0.5 % each; 1 % of views and
                searches denied
    citizens    50,000, skewed (the most looked-up citizen has about 0.4 % of all events, the
                least about 80 events); the demo's citizens stand among them (the first at
                the top), so that the auditors' CPR search finds them by their real CPR
                number, and one demo citizen has only about 25 events; login and permission
                events name no citizen, nor do 30 % of searches
    digest/uid  a unique 64-hex digest per row (two md5s; not an HMAC, so verify_audit
                would reject them) and gen_random_uuid()

The secondary indexes and the unique digest constraint are dropped before the load and built
again after it (at 1,000,000 events twice as fast as maintaining a dozen indexes row by row,
and more so as the indexes outgrow memory; --keep-indexes
loads with them in place), then VACUUM (ANALYZE). Nothing else is disabled: the append-only
triggers only refuse UPDATE, DELETE and TRUNCATE.

Then it measures, as the auditor `revisor` with DEBUG off, the code the audit log page runs
(views/auditing.py `audit_log`): `AuditEventFilter` over `access.audit_events_for(user)
.for_log()`, first page of 51 rows evaluated with list(), median and p95 over --rounds calls
after --warmup calls: search by citizen (the CPR filter, through the blind index) for a
citizen with many events and one with few, by case, by user (many and few events), user and
period, period alone, and the unfiltered first page; and `reports.anomalies` over 30 days
(--anomaly-rounds calls). Targets: citizen and user searches, median < 100 ms.
Results go to a table and to var/bench-audit.json; EXPLAIN (ANALYZE, BUFFERS) of every search
is printed before the tables (--no-explain skips it).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samraad_bench_audit \\
        SAMRAAD_ENV_FILE=config/dev.env .venv/bin/python -m benchmarks.audit
    ... -m benchmarks.audit --events 200000   # a quick smoke run
    ... -m benchmarks.audit --reuse           # measure again without regenerating
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402
from psycopg import sql  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import (  # noqa: E402
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table  # noqa: E402

from accounts.models import Membership, Unit, User  # noqa: E402
from benchmarks.common import (  # noqa: E402
    Phases,
    demo_database,
    execute,
    generation_table,
    write_results,
)
from benchmarks.common import measure as common_measure  # noqa: E402
from coordination import access, cpr, reports  # noqa: E402
from coordination.filters import AuditEventFilter  # noqa: E402
from coordination.models import AuditEvent, Case, Citizen  # noqa: E402
from coordination.views.auditing import ANOMALY_DEFAULT_DAYS, LOG_PAGE_SIZE  # noqa: E402

DEFAULT_EVENTS = 10_000_000
CHUNK = 1_000_000
YEARS = 5
SKEWED_ACTORS = 197  # plus the three rare personas: 200 actors
ACTOR_SKEW = 1.5  # rank = floor(197 * random() ^ 1.5)
CITIZENS = 50_000
CITIZEN_SKEW = 2.0  # rank = floor(50000 * random() ^ 2)
FAKE_ID_BASE = 1_000_000  # invented actor, citizen and case ids start here (no such rows)
FEW_EVENTS = 25  # the demo citizen with few events gets about this many
RARE_EVENTS = 150  # ... and each rare persona about this many
AUDITOR = "revisor"
BUSY_USER = "ssp.aalborg"
RARE_USERS = ("revisor", "statistik", "admin")
RARE_ACTIONS = ("search", "list", "grant_change")
RARE_PURPOSES = ("audit:log", "", "")
# The working personas (all but RARE_USERS) take these activity ranks among the 197.
PERSONA_RANKS = (0, 2, 5, 9, 14, 22, 35, 60, 110)
TABLE = AuditEvent._meta.db_table
OUTPUT = Path(settings.BASE_DIR) / "var" / "bench-audit.json"
TARGET_MS = 100.0

# Action, share of all events in percent (the rare personas' and the few citizen's aside).
ACTION_MIX: tuple[tuple[str, float], ...] = (
    ("view", 45.5),
    ("list", 30.0),
    ("search", 8.0),
    ("change", 5.0),
    ("create", 4.0),
    ("login", 3.0),
    ("logout", 2.0),
    ("export", 0.5),
    ("print", 0.5),
    ("disclose", 0.5),
    ("login_failed", 0.5),
    ("grant_change", 0.3),
    ("emergency_access", 0.1),
    ("delete", 0.1),
)
CITIZEN_ACTIONS = (
    "view",
    "list",
    "export",
    "print",
    "create",
    "change",
    "disclose",
    "emergency_access",
    "delete",
)
CASE_OBJECT_ACTIONS = ("view", "list", "search", "export", "print", "emergency_access")
ENTRY_OBJECT_ACTIONS = ("create", "change", "delete", "disclose")
CATEGORY_VARIANTS = (
    '["general"]',
    '["general", "social"]',
    '["general", "police", "social"]',
    '["general", "school"]',
    '["employment", "general", "social"]',
    '["general", "health", "police", "social"]',
    '["employment", "general", "health", "identity", "police", "school", "social"]',
)
# Purpose (access_purpose of the forum) and a legal basis, by forum kind, for the actors.
PURPOSES = (
    ("prevention:ssp", "RPL115_SSP"),
    ("prevention:psp", "RPL115_PSP"),
    ("prevention:knock_knock", "RPL115_SSP"),
    ("prevention:ksp", "RPL115_KSP_A"),
    ("prevention:ssp_plus", "RPL115_SSP"),
    ("prevention:infohus", "RPL115_KSP_B"),
)

console = Console(width=None if sys.stdout.isatty() else 120)


# --- Database ----------------------------------------------------------------------------


def drop_secondary_indexes() -> list[str]:
    """Drop every index of the event table but its primary key; return the statements that
    build them again (the unique digest constraint as a constraint)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            WHERE c.conrelid = %s::regclass AND c.contype = 'u'
            ORDER BY c.conname
            """,
            [TABLE],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef
            FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = %s
              AND i.indexname NOT IN (
                  SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)
            ORDER BY i.indexname
            """,
            [TABLE, TABLE],
        )
        indexes = cursor.fetchall()
    rebuild = []
    for name, definition in constraints:
        execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(TABLE), sql.Identifier(name)
            )
        )
        rebuild.append(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ")
            .format(sql.Identifier(TABLE), sql.Identifier(name))
            .as_string(connection.connection)
            + definition
        )
    for name, definition in indexes:
        execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        rebuild.append(definition)
    return rebuild


# --- The generated events ------------------------------------------------------------------


def _action_case() -> sql.Composable:
    """CASE over a uniform random `rk` in [0, 1) giving ACTION_MIX's shares."""
    total = sum(share for _, share in ACTION_MIX)
    whens, edge = [], 0.0
    for action, share in ACTION_MIX[:-1]:
        edge += share / total
        whens.append(
            sql.SQL("WHEN s.rk < {} THEN {}").format(sql.Literal(edge), sql.Literal(action))
        )
    return sql.SQL("CASE {} ELSE {} END").format(
        sql.SQL(" ").join(whens), sql.Literal(ACTION_MIX[-1][0])
    )


def _in(values: tuple[str, ...]) -> sql.Composable:
    return sql.SQL("({})").format(sql.SQL(", ").join(sql.Literal(v) for v in values))


# One chunk of events i = lo..hi (of n): level s draws the random numbers (each once per
# row), level a the action, level e the actor and citizen ranks and the working day, the
# outer level the columns. OFFSET 0 keeps each level a subquery computed once per row,
# rather than its expressions copied into every use above it.
INSERT_SQL = sql.SQL(
    """
INSERT INTO {table} (
    occurred_at, actor_id, actor_username, actor_unit_id, action, outcome, object_type,
    object_id, citizen_id, case_id, categories, purpose, legal_basis, detail, request_id, ip,
    digest, uid)
SELECT
    (%(start)s::date
        + (e.d / 5 * 7 + CASE WHEN e.rt < 0.01 THEN mod(e.d, 2) - 2 ELSE mod(e.d, 5) END)
        + CASE WHEN e.rt >= 0.01 AND e.rt < 0.03 AND e.f < 7.0 / 13
               THEN e.f * interval '13 hours'
               WHEN e.rt >= 0.01 AND e.rt < 0.03
               THEN interval '11 hours' + e.f * interval '13 hours'
               ELSE interval '7 hours' + e.f * interval '11 hours' END
    ) AT TIME ZONE %(zone)s,
    CASE WHEN e.action = 'login_failed' THEN NULL
         WHEN e.rare >= 0 THEN (%(rare_ids)s::bigint[])[e.rare + 1]
         ELSE (%(actor_ids)s::bigint[])[e.actor + 1] END,
    CASE WHEN e.action = 'login_failed' THEN ''
         WHEN e.rare >= 0 THEN (%(rare_names)s::text[])[e.rare + 1]
         ELSE (%(actor_names)s::text[])[e.actor + 1] END,
    CASE WHEN e.action IN ('login', 'logout', 'login_failed') THEN NULL
         WHEN e.rare >= 0 THEN (%(rare_units)s::bigint[])[e.rare + 1]
         ELSE (%(actor_units)s::bigint[])[e.actor + 1] END,
    e.action,
    CASE WHEN e.action = 'login_failed' THEN 'denied'
         WHEN e.action IN ('view', 'search') AND e.rx < 0.01 THEN 'denied'
         ELSE 'ok' END,
    CASE WHEN e.action IN {case_objects} AND e.citizen >= 0 THEN 'coordination.case'
         WHEN e.action IN {entry_objects} THEN 'coordination.entry'
         WHEN e.action = 'grant_change' THEN 'accounts.membership'
         ELSE '' END,
    CASE WHEN e.action IN {case_objects} AND e.citizen >= 0 THEN
              (CASE WHEN e.citizen = %(few_rank)s THEN %(few_case)s
                    WHEN mod(e.citizen, %(stride)s) = 0 AND e.citizen / %(stride)s < %(seeded)s
                    THEN (%(seeded_cases)s::bigint[])[e.citizen / %(stride)s + 1]
                    ELSE %(fake)s + e.citizen END)::text
         WHEN e.action IN {entry_objects} THEN e.i::text
         WHEN e.action = 'grant_change' THEN mod(e.i, 500)::text
         ELSE '' END,
    CASE WHEN e.citizen < 0 THEN NULL
         WHEN e.citizen = %(few_rank)s THEN %(few_citizen)s
         WHEN mod(e.citizen, %(stride)s) = 0 AND e.citizen / %(stride)s < %(seeded)s
         THEN (%(seeded_ids)s::bigint[])[e.citizen / %(stride)s + 1]
         ELSE %(fake)s + e.citizen END,
    CASE WHEN e.citizen < 0 THEN NULL
         WHEN e.citizen = %(few_rank)s THEN %(few_case)s
         WHEN mod(e.citizen, %(stride)s) = 0 AND e.citizen / %(stride)s < %(seeded)s
         THEN (%(seeded_cases)s::bigint[])[e.citizen / %(stride)s + 1]
         ELSE %(fake)s + e.citizen END,
    CASE WHEN e.action IN ('view', 'export', 'print', 'emergency_access')
         THEN (%(categories)s::text[])[mod(e.i, %(category_variants)s) + 1]::jsonb
         ELSE '[]'::jsonb END,
    CASE WHEN e.action IN ('login', 'logout', 'login_failed') THEN ''
         WHEN e.rare >= 0 THEN (%(rare_purposes)s::text[])[e.rare + 1]
         WHEN e.action = 'emergency_access' THEN 'emergency:ssp'
         ELSE (%(actor_purposes)s::text[])[e.actor + 1] END,
    CASE WHEN e.rare < 0 AND e.action IN ('view', 'create', 'change', 'disclose', 'export',
                                          'print')
         THEN (%(actor_bases)s::text[])[e.actor + 1]
         ELSE '' END,
    CASE e.action
         WHEN 'view' THEN jsonb_build_object(
             'entries', jsonb_build_array(e.i - 3, e.i - 2, e.i - 1), 'contacts', mod(e.i, 5))
         WHEN 'list' THEN jsonb_build_object(
             'view', 'case_list', 'criterion', '{{}}'::jsonb, 'page', 1)
         WHEN 'search' THEN jsonb_build_object(
             'view', 'case_list', 'criterion', jsonb_build_object('q', 'sen'), 'page', 1)
         WHEN 'login_failed' THEN jsonb_build_object('username', 'bench.user' || mod(e.i, 300))
         ELSE '{{}}'::jsonb END,
    md5('bench-audit request ' || (e.i / 3))::uuid::text,
    CASE WHEN e.action = 'login_failed' THEN '192.0.2.1'::inet + mod(e.i, 250)
         ELSE '10.20.0.17'::inet + 256 * (CASE WHEN e.rare >= 0 THEN 200 + e.rare
                                              ELSE e.actor END) END,
    md5('bench-audit digest ' || e.i) || md5('bench-audit digest/' || e.i),
    gen_random_uuid()
FROM (
    SELECT
        a.i, a.rt, a.rx, a.action, a.rare,
        floor(%(actors)s * a.ra ^ {actor_skew})::int AS actor,
        CASE WHEN a.few THEN %(few_rank)s
             WHEN a.rare >= 0 THEN -1
             WHEN a.action IN {citizen_actions} OR (a.action = 'search' AND a.rx < 0.7)
             THEN floor(%(citizens)s * a.rc ^ {citizen_skew})::int
             ELSE -1 END AS citizen,
        floor((a.i - 1)::float8 * %(workdays)s / %(n)s)::int AS d,
        (a.i - 1)::float8 * %(workdays)s / %(n)s
            - floor((a.i - 1)::float8 * %(workdays)s / %(n)s) AS f
    FROM (
        SELECT
            s.i, s.ra, s.rc, s.rt, s.rx,
            mod(s.i, %(few_every)s) = 5 AS few,
            CASE WHEN mod(s.i, %(few_every)s) = 5 THEN 'view'
                 WHEN mod(s.i, %(rare_every)s) < 3
                 THEN (%(rare_actions)s::text[])[mod(s.i, %(rare_every)s)::int + 1]
                 ELSE {action_case} END AS action,
            CASE WHEN mod(s.i, %(rare_every)s) < 3 AND mod(s.i, %(few_every)s) <> 5
                 THEN mod(s.i, %(rare_every)s)::int ELSE -1 END AS rare
        FROM (
            SELECT i, random() AS ra, random() AS rc, random() AS rk, random() AS rt,
                   random() AS rx
            FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i
            OFFSET 0
        ) AS s
        OFFSET 0
    ) AS a
    OFFSET 0
) AS e
"""
).format(
    table=sql.Identifier(TABLE),
    case_objects=_in(CASE_OBJECT_ACTIONS),
    entry_objects=_in(ENTRY_OBJECT_ACTIONS),
    citizen_actions=_in(CITIZEN_ACTIONS),
    action_case=_action_case(),
    actor_skew=sql.Literal(ACTOR_SKEW),
    citizen_skew=sql.Literal(CITIZEN_SKEW),
)


def generation_parameters(events: int) -> dict[str, Any]:
    """The arrays and numbers the INSERT draws from: actors, demo citizens, the calendar."""
    personas = {u.username: u for u in User.objects.all()}
    unit_of = dict(
        Membership.objects.order_by("pk").values_list("user__username", "unit_id").distinct()
    )
    working = [name for name in personas if name not in RARE_USERS]
    if len(working) > len(PERSONA_RANKS) or any(name not in personas for name in RARE_USERS):
        raise SystemExit(f"Unexpected demo users: {sorted(personas)}")
    units = list(Unit.objects.order_by("pk").values_list("pk", flat=True))
    ranked = dict(zip(PERSONA_RANKS, sorted(working, key=lambda n: n != BUSY_USER), strict=False))
    actor_ids, actor_names, actor_units, actor_purposes, actor_bases = [], [], [], [], []
    for rank in range(SKEWED_ACTORS):
        purpose, basis = PURPOSES[rank % len(PURPOSES)]
        if rank in ranked:
            user = personas[ranked[rank]]
            actor_ids.append(user.pk)
            actor_names.append(user.username)
            actor_units.append(unit_of.get(user.username, units[rank % len(units)]))
        else:
            actor_ids.append(FAKE_ID_BASE + rank)
            actor_names.append(f"bench.user{rank:03d}")
            actor_units.append(units[rank % len(units)])
        actor_purposes.append(purpose)
        actor_bases.append(basis)
    # Demo citizens with a case: the first at the top of the ranking, the last with few
    # events (its own rank, outside the skew), the others spread evenly over the ranks.
    demo_cases: dict[int, int] = {}
    for citizen_id, case_id in Case.objects.order_by("pk").values_list("citizen_id", "pk"):
        demo_cases.setdefault(citizen_id, case_id)
    demo_citizens = sorted(demo_cases)
    if len(demo_citizens) < 2:
        raise SystemExit("seed_demo should have made citizens with cases; found too few.")
    *spread, few = demo_citizens
    start, workdays = calendar()
    return {
        "n": events,
        "start": start,
        "workdays": workdays,
        "zone": settings.TIME_ZONE,
        "actors": SKEWED_ACTORS,
        "actor_ids": actor_ids,
        "actor_names": actor_names,
        "actor_units": actor_units,
        "actor_purposes": actor_purposes,
        "actor_bases": actor_bases,
        "rare_every": max(events // RARE_EVENTS, 10),
        "rare_ids": [personas[n].pk for n in RARE_USERS],
        "rare_names": list(RARE_USERS),
        "rare_units": [unit_of.get(n) for n in RARE_USERS],
        "rare_actions": list(RARE_ACTIONS),
        "rare_purposes": list(RARE_PURPOSES),
        "citizens": CITIZENS,
        "stride": CITIZENS // len(spread),
        "seeded": len(spread),
        "seeded_ids": spread,
        "seeded_cases": [demo_cases[c] for c in spread],
        "few_every": max(events // FEW_EVENTS, 10),
        "few_rank": CITIZENS,  # outside the skewed ranks 0..CITIZENS-1
        "few_citizen": few,
        "few_case": demo_cases[few],
        "fake": FAKE_ID_BASE,
        "categories": list(CATEGORY_VARIANTS),
        "category_variants": len(CATEGORY_VARIANTS),
    }


def calendar() -> tuple[dt.date, int]:
    """The Monday five years back (within the retention period) and the number of working
    days from it to yesterday: event i falls on working day floor((i-1) * days / n)."""
    end = timezone.localdate() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=YEARS * 365 - 7)
    start -= dt.timedelta(days=start.weekday())
    days = (end - start).days + 1
    return start, days // 7 * 5 + min(days % 7, 5)


def generate(events: int, keep_indexes: bool) -> dict[str, Any]:
    """Build the data set; returns timings (seconds), row count and sizes."""
    phases = Phases()
    database = demo_database("benchmarks.audit", phases)
    demo_events = AuditEvent.objects.count()
    params = generation_parameters(events)
    statement = INSERT_SQL.as_string(connection.connection)
    execute("SET synchronous_commit TO off")
    execute("SET maintenance_work_mem TO '1GB'")
    rebuild = [] if keep_indexes else drop_secondary_indexes()
    phases.done(f"drop {len(rebuild)} secondary indexes")
    progress = Progress(
        TextColumn("[bold]{task.description:<34}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )
    with progress:
        task = progress.add_task("audit events (INSERT ... SELECT)", total=events)
        for lo in range(1, events + 1, CHUNK):
            hi = min(lo + CHUNK - 1, events)
            execute("SELECT setseed(%s)", [(lo // CHUNK % 1000) / 1000])  # reproducible
            execute(statement, {**params, "lo": lo, "hi": hi})
            progress.advance(task, hi - lo + 1)
        phases.done("insert events")
        if rebuild:
            task = progress.add_task("build indexes", total=len(rebuild))
            for definition in rebuild:
                execute(definition)
                progress.advance(task)
            phases.done(f"build {len(rebuild)} secondary indexes")
    execute("SET synchronous_commit TO on")
    execute("VACUUM (ANALYZE)")
    phases.done("VACUUM (ANALYZE)")
    rows = AuditEvent.objects.count()
    phases.done("count")
    generation_keys = ("drop ", "insert events", "build ")
    return {
        "database": database,
        "events_requested": events,
        "events_demo": demo_events,
        "rows": rows,
        "indexes_dropped_for_load": not keep_indexes,
        "seconds_total": phases.total(),
        "seconds_data_generation": round(
            sum(v for k, v in phases.seconds.items() if k.startswith(generation_keys)), 1
        ),
        "phases": phases.seconds,
        "distribution": {
            "calendar": [str(params["start"]), f"{params['workdays']} working days"],
            "skewed_actors": SKEWED_ACTORS,
            "rare_actors": list(RARE_USERS),
            "citizens": CITIZENS,
            "demo_citizens_spread": params["seeded_ids"],
            "demo_citizen_few": params["few_citizen"],
        },
    }


def sizes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT pg_size_pretty(pg_relation_size(%s::regclass)),
                   pg_size_pretty(pg_indexes_size(%s::regclass)),
                   pg_size_pretty(pg_total_relation_size(%s::regclass)),
                   pg_size_pretty(pg_database_size(current_database()))
            """,
            [TABLE, TABLE, TABLE],
        )
        table, indexes, total, database = cursor.fetchone()
        cursor.execute(
            """
            SELECT c.relname, pg_size_pretty(pg_relation_size(c.oid))
            FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
            WHERE x.indrelid = %s::regclass ORDER BY pg_relation_size(c.oid) DESC
            """,
            [TABLE],
        )
        each = dict(cursor.fetchall())
    return {
        "table": table,
        "indexes": indexes,
        "table_with_indexes": total,
        "database": database,
        **{f"index {name}": size for name, size in each.items()},
    }


# --- Measuring -----------------------------------------------------------------------------


def measure(name: str, call: Callable[[], object], rounds: int, warmup: int) -> dict[str, Any]:
    return common_measure(name, call, rounds, warmup, console)


def log_page(user: User, data: dict[str, str] | None) -> Callable[[], list[AuditEvent]]:
    """The audit log page's query (views/auditing.py `_filtered` and `audit_log`)."""

    def call() -> list[AuditEvent]:
        filterset = AuditEventFilter(data, queryset=access.audit_events_for(user).for_log())
        if data is not None and not filterset.is_valid():
            raise SystemExit(f"The filter refused {data}: {filterset.errors.as_json()}")
        return list(filterset.qs[: LOG_PAGE_SIZE + 1])

    return call


def page_queryset(user: User, data: dict[str, str] | None) -> Any:
    filterset = AuditEventFilter(data, queryset=access.audit_events_for(user).for_log())
    return filterset.qs[: LOG_PAGE_SIZE + 1]


def events_of(field: str, values: list[Any]) -> dict[Any, int]:
    return dict(
        AuditEvent.objects.filter(**{f"{field}__in": values})
        .order_by()
        .values_list(field)
        .annotate(n=Count("pk"))
        .values_list(field, "n")
    )


def run(rounds: int, warmup: int, anomaly_rounds: int) -> dict[str, Any]:
    settings.DEBUG = False  # time what production runs, without debug bookkeeping
    auditor = User.objects.get(username=AUDITOR)
    # The demo citizens with the most and the fewest events; the CPR filter finds them by
    # their real number, through the blind index, as an auditor's search does.
    demo_citizens = list(Citizen.objects.filter(cases__isnull=False).distinct())
    per_citizen = events_of("citizen_id", [c.pk for c in demo_citizens])
    found = [c for c in demo_citizens if per_citizen.get(c.pk)]
    if not found:
        raise SystemExit("No demo citizen has events; was the data generated?")
    many = max(found, key=lambda c: per_citizen[c.pk])
    few = min(found, key=lambda c: per_citizen[c.pk])
    per_case = events_of("case_id", list(Case.objects.values_list("pk", flat=True)))
    busy_case = max(per_case, key=lambda pk: per_case[pk])
    users = dict(
        User.objects.filter(username__in=[BUSY_USER, *RARE_USERS]).values_list("pk", "username")
    )
    per_user = {users[pk]: n for pk, n in events_of("actor_id", list(users)).items()}
    rare_user = RARE_USERS[1]  # not the auditor, whose own events would be searched
    # A month two years back: deep in the log, far from the newest ids.
    until_day = timezone.localdate() - dt.timedelta(days=2 * 365)
    since_day = until_day - dt.timedelta(days=ANOMALY_DEFAULT_DAYS)
    period = {"since": since_day.isoformat(), "until": until_day.isoformat()}
    scenarios: list[tuple[str, dict[str, str] | None, bool]] = [
        (f"citizen by CPR, many events ({per_citizen[many.pk]:,})", {"cpr": _cpr(many)}, True),
        (f"citizen by CPR, few events ({per_citizen[few.pk]:,})", {"cpr": _cpr(few)}, True),
        (
            f"case SAG-{busy_case:06d} ({per_case[busy_case]:,})",
            {"case": f"SAG-{busy_case:06d}"},
            False,
        ),
        (f"user {BUSY_USER} ({per_user.get(BUSY_USER, 0):,})", {"user": BUSY_USER}, True),
        (f"user {rare_user} ({per_user.get(rare_user, 0):,})", {"user": rare_user}, True),
        (f"user {BUSY_USER} + 30 days two years ago", {"user": BUSY_USER, **period}, True),
        (f"user {rare_user} + 30 days two years ago", {"user": rare_user, **period}, True),
        ("30 days two years ago, any user", period, False),
        ("first page, unfiltered", None, False),
    ]
    results = []
    explain: dict[str, str] = {}
    for name, data, targeted in scenarios:
        row = measure(name, log_page(auditor, data), rounds, warmup)
        row["target_ms"] = TARGET_MS if targeted else None
        results.append(row)
        explain[name] = page_queryset(auditor, data).explain(analyze=True, buffers=True)
    now = timezone.localtime()
    until = now.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    since = until - dt.timedelta(days=ANOMALY_DEFAULT_DAYS + 1)
    report: list[reports.Anomalies] = []

    def anomalies() -> object:
        report[:] = [reports.anomalies(access.audit_events_for(auditor), since=since, until=until)]
        return None

    row = measure(f"anomaly report, {ANOMALY_DEFAULT_DAYS + 1} days", anomalies, anomaly_rounds, 1)
    row["target_ms"] = None
    results.append(row)
    found_anomalies = {
        "many_citizens": len(report[0].many_citizens),
        "off_hours": len(report[0].off_hours),
        "emergency": len(report[0].emergency),
        "exports": len(report[0].exports),
        "failed_logins": len(report[0].failed_logins),
        "per_day": len(report[0].per_day),
        "events_in_period": AuditEvent.objects.filter(
            occurred_at__gte=since, occurred_at__lt=until
        ).count(),
    }
    targets = {
        str(r["name"]): {
            "target_ms": r["target_ms"],
            "median_ms": r["median_ms"],
            "met": float(r["median_ms"]) < TARGET_MS,
        }
        for r in results
        if r["target_ms"]
    }
    return {
        "user": AUDITOR,
        "rounds": rounds,
        "warmup": warmup,
        "rows": AuditEvent.objects.count(),
        "sizes": sizes(),
        "citizens": {
            "many": {"pk": many.pk, "events": per_citizen[many.pk]},
            "few": {"pk": few.pk, "events": per_citizen[few.pk]},
        },
        "users": per_user,
        "period": period,
        "results": results,
        "anomalies": found_anomalies,
        "targets": targets,
        "explain": explain,
    }


def _cpr(citizen: Citizen) -> str:
    return cpr.decrypt(citizen.cpr_encrypted)


def report(outcome: dict[str, Any], generation: dict[str, Any] | None, explain: bool) -> None:
    if explain:
        for name, plan in outcome["explain"].items():
            console.rule(f"EXPLAIN (ANALYZE, BUFFERS): {name}")
            console.print(plan, markup=False, highlight=False, soft_wrap=True)
    if generation:
        console.print(generation_table(generation, "data generation (insert + indexes)"))
    sizes = outcome["sizes"]
    console.print(
        f"{outcome['rows']:,} audit events; table {sizes['table']}, indexes {sizes['indexes']}, "
        f"database {sizes['database']}. Anomaly report: "
        + ", ".join(f"{k} {v:,}" for k, v in outcome["anomalies"].items())
    )
    table = Table(
        title=f"Audit log as {outcome['user']} on {connection.vendor}, "
        f"{outcome['rounds']} calls each after {outcome['warmup']} warm-up calls"
    )
    for column in ("measure (events)", "median ms", "p95 ms", "min ms", "rows", "queries", "met"):
        table.add_column(column, justify="left" if column.startswith("measure") else "right")
    for row in outcome["results"]:
        met = ""
        if row["target_ms"]:
            met = "[green]yes" if float(row["median_ms"]) < TARGET_MS else "[red]no"
        table.add_row(
            f"{row['name']}"
            + (f" [{row['rounds']} calls]" if row["rounds"] != outcome["rounds"] else ""),
            f"{row['median_ms']:.2f}",
            f"{row['p95_ms']:.2f}",
            f"{row['min_ms']:.2f}",
            str(row["rows"]),
            str(row["queries"]),
            met,
        )
    table.caption = f"Target: citizen and user searches, median < {TARGET_MS:.0f} ms"
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS)
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "100")))
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--anomaly-rounds", type=int, default=3)
    parser.add_argument(
        "--reuse", action="store_true", help="measure the existing database, generate nothing"
    )
    parser.add_argument(
        "--keep-indexes", action="store_true", help="load with the secondary indexes in place"
    )
    parser.add_argument("--no-explain", action="store_true", help="do not print the plans")
    args = parser.parse_args()
    settings.DEBUG = False  # no query log while generating, and production behaviour after
    generation = None
    if not args.reuse:
        generation = generate(args.events, args.keep_indexes)
    outcome = run(args.rounds, args.warmup, args.anomaly_rounds)
    report(outcome, generation, explain=not args.no_explain)
    write_results(OUTPUT, generation, outcome, console)


if __name__ == "__main__":
    main()
