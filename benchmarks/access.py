"""`make bench-access`: the access layer (coordination/access.py) at scale, on PostgreSQL.

Drops and recreates its own database (the name must contain "bench"), migrates, seeds the
demo structure (`seed_demo --force`: units, forums, personas) and then generates, with COPY:

    100,000 citizens and cases in realistic forums (Knock Knock / SSP / SSP+ Aalborg, the
            other municipalities' SSP and SSP+, PSP Frederikshavn og Læsø, KSP and Infohus
            Nordjylland; PSP Aalborg has only three member units and is left out), each
            with 4 participating units (lead, participants, informed; a few ended or
            time-limited), so that SSP Aalborg (`ssp.aalborg`) takes part in about 3 %;
            the guardian grant rows of those participations, computed by
            `services.expected_grants` in batches (never `_grants_sync` per case);
  1,000,000 entries, 10 per case on average, with varied categories and bases; about a tenth
            addressed to named units; each with its recipients (`Recipient` rows: the
            named units, or the units taking part when it was written).

The demo's own cases are backdated into the same three years (they would otherwise fill
every first page). VACUUM (ANALYZE) and `manage.py verify_grants` close the generation.

Then it measures, as `ssp.aalborg` with DEBUG off (median and p95 over --rounds calls after
--warmup calls): the first page of the case list (the ORM query and GET /sager/), one case's
visible entries (`access.entries_for` and GET /sager/<pk>/), and the same two queries without
the access filter, for the filtered/unfiltered throughput ratio; "SQL only" rows run the
same statements compiled once, to separate database time from the ORM's. Results go to a
table and to var/bench-access.json; EXPLAIN (ANALYZE, BUFFERS) of the case-list and entries
queries ends the run (--no-explain skips it).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samraad_bench_access \\
        SAMRAAD_ENV_FILE=config/dev.env .venv/bin/python -m benchmarks.access
    ... -m benchmarks.access --reuse          # measure again without regenerating
    ... -m benchmarks.access --cases 2000     # a quick smoke run (entries: 10 per case)
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import CommandError, call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Model, QuerySet  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from psycopg import sql  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import (  # noqa: E402
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table  # noqa: E402

from accounts import services as account_services  # noqa: E402
from accounts.models import Membership, Unit, User  # noqa: E402
from benchmarks.common import (  # noqa: E402
    Phases,
    demo_database,
    generation_table,
    write_results,
)
from benchmarks.common import measure as common_measure  # noqa: E402
from coordination import access, demo, lifecycle, policy, services  # noqa: E402
from coordination.models import (  # noqa: E402
    ALL_CATEGORIES,
    Case,
    CaseGroupObjectPermission,
    CaseParticipant,
    Category,
    Citizen,
    EffortType,
    Entry,
    Forum,
    LegalBasis,
    Recipient,
)

SEED = 20260301
DEFAULT_CASES = 100_000
ENTRIES_PER_CASE = 10
PARTICIPANTS_PER_CASE = 4
BENCH_USER = "ssp.aalborg"
OUTPUT = Path(settings.BASE_DIR) / "var" / "bench-access.json"
TARGETS_MS = {"case list, first page": 20.0, "case entries": 30.0}
TARGET_RATIO = 0.9

# Forum, share of all cases (percent), lead unit (None: one of the forum's police units).
FORUM_MIX: tuple[tuple[str, float, str | None], ...] = (
    ("Knock Knock Aalborg", 1.0, "SSP Aalborg"),
    ("SSP Aalborg", 1.0, "SSP Aalborg"),
    ("SSP+ Aalborg", 0.5, "SSP Aalborg"),
    ("Infohus Nordjylland", 8.0, None),
    ("KSP Nordjylland", 25.0, "KiF Nordjylland"),
    *((f"SSP {m}", 5.0, f"SSP {m}") for m in demo.ALL_MUNICIPALITIES if m != "Aalborg"),
    ("SSP+ Hjørring", 6.0, "SSP Hjørring"),
    ("SSP+ Frederikshavn", 6.0, "SSP Frederikshavn"),
    ("PSP Frederikshavn og Læsø", 12.5, "Lokalpoliti Frederikshavn"),
)

# Stored in cpr_encrypted: not a Fernet ciphertext; the benchmark never decrypts it.
CPR_PLACEHOLDER = "bench-fixture-not-encrypted"
WORKING_ROLES = frozenset(
    {Membership.Role.COORDINATOR, Membership.Role.CASEWORKER, Membership.Role.CONTACT}
)
FALLBACK_JUSTIFICATION = ("Nødvendigt for at koordinere den fælles indsats.",)

console = Console(width=None if sys.stdout.isatty() else 120)


# --- Database ----------------------------------------------------------------------------


def copy_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY `rows` (values in the order of `fields`) into the model's table."""
    meta = model._meta
    columns = [str(meta.get_field(f).column) for f in fields]  # type: ignore[union-attr]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(meta.db_table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    connection.ensure_connection()
    count = 0
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def next_id(model: type[Model]) -> int:
    last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


# --- The generated data set --------------------------------------------------------------


@dataclass(slots=True)
class Part:
    id: int
    unit: Unit
    role: str
    valid_from: dt.datetime
    valid_until: dt.datetime | None
    contact_user_id: int | None
    categories: list[str]
    legal_review: bool


@dataclass(slots=True)
class CasePlan:
    id: int
    citizen_id: int
    forum: ForumPlan
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    age: int
    basis: str
    parts: list[Part] = field(default_factory=list)
    entries: int = 0


@dataclass
class ForumPlan:
    forum: Forum
    weight: float
    members: list[Unit]
    leads: list[Unit]


@dataclass
class Generator:
    cases: int
    entries: int
    rng: random.Random
    now: dt.datetime
    forums: list[ForumPlan] = field(default_factory=list)
    worker: dict[int, User] = field(default_factory=dict)  # unit id -> a working member
    plans: list[CasePlan] = field(default_factory=list)
    # Looked up before COPY starts: the connection can run no other query during a COPY.
    permissions: dict[str, int] = field(default_factory=dict)
    first_id: dict[str, int] = field(default_factory=dict)

    # Structure: forums of the mix and a working member for every unit that writes.

    def prepare(self) -> None:
        # The demo cases were opened a moment ago and would fill every user's first page;
        # spread them over the generated cases' three years like any other case.
        demo_cases = list(Case.objects.all())
        for case in demo_cases:
            case.opened_at = self.now - dt.timedelta(days=self.rng.uniform(1, 3 * 365))
        Case.objects.bulk_update(demo_cases, ["opened_at"])
        units = {u.name: u for u in Unit.objects.all()}
        for name, weight, lead in FORUM_MIX:
            forum = Forum.objects.get(name=name)
            members = [
                u
                for u in forum.member_units.order_by("name")
                if u.unit_type not in policy.INVESTIGATION
            ]
            if len(members) < PARTICIPANTS_PER_CASE:
                raise SystemExit(f"{name} has fewer than {PARTICIPANTS_PER_CASE} member units.")
            leads = [units[lead]] if lead else [u for u in members if u.unit_type in policy.POLICE]
            self.forums.append(ForumPlan(forum, weight, members, leads))
        for membership in Membership.objects.filter(role__in=WORKING_ROLES).select_related("user"):
            self.worker.setdefault(membership.unit_id, membership.user)
        self.permissions = dict(
            Permission.objects.filter(
                content_type=ContentType.objects.get_for_model(Case),
                codename__in=[a.value for a in access.CaseAction],
            ).values_list("codename", "pk")
        )
        for model in (Citizen, Case, CaseParticipant, CaseGroupObjectPermission, Entry):
            self.first_id[model.__name__] = next_id(model)
        self.first_id["audience"] = next_id(Recipient)
        self.entry_type = ContentType.objects.get_for_model(Entry).pk
        for plan in self.forums:
            for unit in plan.members:
                if unit.pk not in self.worker:
                    user = User.objects.create(username=f"bench.{unit.pk}", last_name=unit.name)
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
                    account_services.membership_add(
                        actor=None, user=user, unit=unit, role=Membership.Role.CASEWORKER
                    )
                    self.worker[unit.pk] = user

    # Cases, their citizens and participants, in memory (about 100 MB for 100,000).

    def plan(self) -> None:
        rng, now = self.rng, self.now
        weights = [p.weight for p in self.forums]
        ids = self.first_id
        case_id, citizen_id, part_id = ids["Case"], ids["Citizen"], ids["CaseParticipant"]
        for _ in range(self.cases):
            forum_plan = rng.choices(self.forums, weights)[0]
            forum = forum_plan.forum
            opened = now - dt.timedelta(days=rng.uniform(1, 3 * 365))
            closed = None
            if rng.random() < 0.2:
                candidate = opened + dt.timedelta(days=rng.uniform(30, 400))
                closed = candidate if candidate < now else None
            youngest, oldest = forum.age_min or 18, forum.age_max or 60
            age = rng.randint(youngest, oldest)
            basis = (
                rng.choice(sorted(policy.KSP_BASES))
                if forum.effort_type == EffortType.KSP
                else forum.default_legal_basis
            )
            case = CasePlan(case_id, citizen_id, forum_plan, opened, closed, age, basis)
            lead = rng.choice(forum_plan.leads)
            others = rng.sample([u for u in forum_plan.members if u.pk != lead.pk], 3)
            for position, unit in enumerate([lead, *others]):
                role = CaseParticipant.Role.LEAD
                valid_from, valid_until = opened, None
                if position:
                    role = (
                        CaseParticipant.Role.INFORMED
                        if rng.random() < 0.25
                        else CaseParticipant.Role.PARTICIPANT
                    )
                    valid_from = min(opened + dt.timedelta(days=rng.uniform(0, 30)), now)
                    chance = rng.random()
                    if chance < 0.03 and (now - valid_from).days > 2:  # ended
                        valid_until = valid_from + (now - valid_from) * rng.uniform(0.1, 0.9)
                    elif chance < 0.08:  # time-limited, still running
                        valid_until = now + dt.timedelta(days=rng.uniform(30, 365))
                worker = self.worker.get(unit.pk)
                case.parts.append(
                    Part(
                        id=part_id,
                        unit=unit,
                        role=role,
                        valid_from=valid_from,
                        valid_until=valid_until,
                        contact_user_id=worker.pk if worker and rng.random() < 0.7 else None,
                        categories=(
                            list(ALL_CATEGORIES)
                            if role == CaseParticipant.Role.LEAD
                            else demo.participant_categories(unit.unit_type)
                        ),
                        legal_review=policy.needs_legal_review(forum.effort_type, unit.unit_type),
                    )
                )
                part_id += 1
            case.entries = rng.randint(1, 2 * ENTRIES_PER_CASE - 1)
            self.plans.append(case)
            case_id += 1
            citizen_id += 1
        # Make the entry counts add up to exactly --entries (each case keeps 1 to 40).
        difference = self.entries - sum(p.entries for p in self.plans)
        while difference:
            case = rng.choice(self.plans)
            step = 1 if difference > 0 else -1
            if 1 <= case.entries + step <= 4 * ENTRIES_PER_CASE:
                case.entries += step
                difference -= step

    # Rows for COPY.

    def citizen_rows(self, tick: Callable[[], None]) -> Iterator[tuple[Any, ...]]:
        rng, today = self.rng, self.now.date()
        for case in self.plans:
            born = today - dt.timedelta(days=int((case.age + rng.uniform(0.01, 0.99)) * 365.25))
            male = rng.random() < 0.5
            generation = "young" if case.age < 30 else "adult"
            tick()
            yield (
                case.citizen_id,
                CPR_PLACEHOLDER,
                f"{case.citizen_id:064x}",  # unique; real rows hold an HMAC, never a counter
                rng.choice(demo.FIRST_NAMES["male" if male else "female", generation]),
                rng.choice(demo.LAST_NAMES),
                born,
                rng.random() < 0.03,
                case.opened_at,
            )

    def case_rows(self, tick: Callable[[], None]) -> Iterator[tuple[Any, ...]]:
        rng = self.rng
        for case in self.plans:
            forum = case.forum.forum
            if case.closed_at is not None:
                status = Case.Status.CLOSED
            else:
                status = rng.choices(
                    [Case.Status.ACTIVE, Case.Status.SCREENING, Case.Status.PAUSED], [14, 3, 3]
                )[0]
            track = ""
            if forum.effort_type == EffortType.KNOCK_KNOCK:
                track = Case.Track.AGE_15_17 if case.age < 18 else Case.Track.AGE_18_25
            lead_worker = self.worker.get(case.parts[0].unit.pk)
            tick()
            yield (
                case.id,
                case.citizen_id,
                forum.pk,
                status,
                "",
                track,
                lead_worker.pk if lead_worker else None,
                None if case.closed_at else lifecycle.next_review(forum, case.opened_at.date()),
                "",
                case.basis if forum.effort_type == EffortType.KSP else "",
                case.opened_at,
                case.closed_at,
                "Forløbet er afsluttet." if case.closed_at else "",
                "",  # closure_code: none (a code is for statistics, and optional)
                case.closed_at,  # retention_from: the retention period runs from the closing
            )

    def participant_rows(self, tick: Callable[[], None]) -> Iterator[tuple[Any, ...]]:
        for case in self.plans:
            for part in case.parts:
                yield (
                    part.id,
                    case.id,
                    part.unit.pk,
                    part.contact_user_id,
                    part.role,
                    case.basis,
                    json.dumps(part.categories),
                    part.valid_from,
                    part.valid_until,
                    False,
                    part.legal_review,
                    part.valid_from,
                )
            tick()

    def grant_rows(self, tick: Callable[[], None]) -> Iterator[tuple[Any, ...]]:
        """The rows `services.expected_grants` derives, for batches of cases at a time."""
        permissions = self.permissions
        grant_id = self.first_id["CaseGroupObjectPermission"]
        batch = 5000
        for start in range(0, len(self.plans), batch):
            participants = [
                CaseParticipant(
                    pk=part.id,
                    case_id=case.id,
                    unit=part.unit,
                    role=part.role,
                    valid_from=part.valid_from,
                    valid_until=part.valid_until,
                    emergency=False,
                    contact_user_id=part.contact_user_id,
                )
                for case in self.plans[start : start + batch]
                for part in case.parts
            ]
            for kind, case_id, holder, codename, part_id, starts, expires in sorted(
                services.expected_grants(participants), key=lambda row: (row[1], row[4], row[3])
            ):
                if kind != "group":
                    raise AssertionError("generated participations are never emergency ones")
                yield (grant_id, case_id, holder, permissions[codename], part_id, starts, expires)
                grant_id += 1
            for _ in self.plans[start : start + batch]:
                tick()

    def entry_rows(
        self, tick: Callable[[], None], audience: list[tuple[Any, ...]]
    ) -> Iterator[tuple[Any, ...]]:
        rng, now = self.rng, self.now
        entry_id, audience_id = self.first_id["Entry"], self.first_id["audience"]
        writers = (CaseParticipant.Role.LEAD, CaseParticipant.Role.PARTICIPANT)
        for case in self.plans:
            forum = case.forum.forum
            effort = forum.effort_type
            texts = demo.entry_texts(effort, case.age < 18)
            end = case.closed_at or now
            family = [
                p.unit for p in case.parts if p.unit.unit_type in policy.UNDERRETNING_RECIPIENTS
            ]
            for _ in range(case.entries):
                moment = case.opened_at + (end - case.opened_at) * rng.random()
                active = [
                    p
                    for p in case.parts
                    if p.valid_from <= moment and (p.valid_until is None or moment < p.valid_until)
                ]
                authors = [p for p in active if p.role in writers] or case.parts[:1]
                author = rng.choice(authors + authors[:1])  # the lead writes a little more
                unit = author.unit
                category = rng.choice(
                    demo.AUTHOR_CATEGORIES.get(unit.unit_type, (Category.GENERAL,))
                )
                basis, named, deciding = case.basis, [], None
                draw = rng.random()
                if draw < 0.02 and family and unit not in family:
                    basis, named = LegalBasis.UNDERRETNING, [rng.choice(family)]
                elif draw < 0.12:
                    basis = LegalBasis.FVL28
                elif draw < 0.20:
                    others = [p.unit for p in active if p.unit.pk != unit.pk]
                    if others:
                        named = rng.sample(others, min(len(others), rng.randint(1, 2)))
                if (
                    unit.unit_type == Unit.Type.PSYCHIATRY
                    and category == Category.HEALTH
                    and effort != EffortType.PSP
                ):
                    basis, deciding = LegalBasis.SUL43_2_2, self.worker[unit.pk].pk
                # The recipients fixed when it was written (sharing-rules.md 3).
                receivers = named or [p.unit for p in active if p.unit.pk != unit.pk]
                for recipient in receivers:
                    audience.append(
                        (
                            audience_id,
                            self.entry_type,
                            entry_id,
                            case.id,
                            recipient.pk,
                            "named" if named else "all",
                            basis,
                            "",
                            moment,
                        )
                    )
                    audience_id += 1
                yield (
                    entry_id,
                    case.id,
                    self.worker[unit.pk].pk,
                    unit.pk,
                    category,
                    basis,
                    rng.choice(demo.JUSTIFICATIONS.get(basis, FALLBACK_JUSTIFICATION)),
                    not named,
                    rng.choice(texts.get(category) or texts[Category.GENERAL]),
                    None,
                    deciding,
                    moment,
                )
                entry_id += 1
                tick()


def generate(cases: int, entries: int) -> dict[str, Any]:
    """Build the whole data set; returns timings (seconds) and row counts."""
    phases = Phases()
    database = demo_database("benchmarks.access", phases)

    generator = Generator(
        cases=cases,
        entries=entries,
        rng=random.Random(SEED),  # noqa: S311 (a reproducible fixture, nothing secret)
        now=timezone.now(),
    )
    generator.prepare()
    generator.plan()
    phases.done("plan cases and participants (Python)")

    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    audience: list[tuple[Any, ...]] = []
    counts: dict[str, int] = {}
    progress = Progress(
        TextColumn("[bold]{task.description:<26}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    steps: list[tuple[str, type[Model], list[str], Callable[..., Iterator[Any]], int]] = [
        (
            "citizens",
            Citizen,
            [
                "id",
                "cpr_encrypted",
                "cpr_index",
                "first_name",
                "last_name",
                "birth_date",
                "protected_address",
                "created_at",
            ],
            generator.citizen_rows,
            cases,
        ),
        (
            "cases",
            Case,
            [
                "id",
                "citizen",
                "forum",
                "status",
                "stage",
                "track",
                "coordinator",
                "next_review_at",
                "age_override_reason",
                "ksp_basis",
                "opened_at",
                "closed_at",
                "closure_reason",
                "closure_code",
                "retention_from",
            ],
            generator.case_rows,
            cases,
        ),
        (
            "participants",
            CaseParticipant,
            [
                "id",
                "case",
                "unit",
                "contact_user",
                "role",
                "legal_basis",
                "categories",
                "valid_from",
                "valid_until",
                "emergency",
                "legal_review",
                "created_at",
            ],
            generator.participant_rows,
            cases,
        ),
        (
            "grants (expected_grants)",
            CaseGroupObjectPermission,
            [
                "id",
                "content_object",
                "group",
                "permission",
                "participant",
                "starts_at",
                "expires_at",
            ],
            generator.grant_rows,
            cases,
        ),
    ]
    with progress:
        for name, model, fields, rows, total in steps:
            task = progress.add_task(name, total=total)
            counter = _Ticker(progress, task)
            phases.begin()
            counts[name] = copy_rows(model, fields, rows(counter))
            counter.flush()
            phases.done(f"copy {name}")
        task = progress.add_task("entries", total=entries)
        counter = _Ticker(progress, task)
        phases.begin()
        counts["entries"] = copy_rows(
            Entry,
            [
                "id",
                "case",
                "author",
                "author_unit",
                "category",
                "legal_basis",
                "justification",
                "audience_all",
                "text",
                "consent",
                "deciding_professional",
                "created_at",
            ],
            generator.entry_rows(counter, audience),
        )
        counter.flush()
        phases.done("copy entries")
        task = progress.add_task("entry recipients", total=len(audience))
        counter = _Ticker(progress, task)
        phases.begin()
        counts["entry recipients"] = copy_rows(
            Recipient,
            [
                "id",
                "content_type",
                "object_id",
                "case",
                "unit",
                "via",
                "legal_basis",
                "justification",
                "shared_at",
            ],
            _ticking(audience, counter),
        )
        counter.flush()
        phases.done("copy entry recipients")
    phases.begin()
    models: list[type[Model]] = [
        Citizen,
        Case,
        CaseParticipant,
        CaseGroupObjectPermission,
        Entry,
        Recipient,
    ]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
        cursor.execute("SET synchronous_commit TO on")
    phases.done("reset sequences")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    phases.done("VACUUM (ANALYZE)")
    verdict = verify_grants()
    phases.done("manage.py verify_grants")
    seconds_total = phases.total()
    data_seconds = round(
        sum(v for k, v in phases.seconds.items() if k.startswith(("plan", "copy", "reset"))), 1
    )
    return {
        "database": database,
        "seconds_total": seconds_total,
        "seconds_data_generation": data_seconds,
        "phases": phases.seconds,
        "rows": counts,
        "verify_grants": verdict,
    }


class _Ticker:
    """Advances a rich task every 2,000 calls (per-row updates would cost more than COPY)."""

    def __init__(self, progress: Progress, task: Any) -> None:
        self.progress, self.task, self.pending = progress, task, 0

    def __call__(self) -> None:
        self.pending += 1
        if self.pending >= 2000:
            self.flush()

    def flush(self) -> None:
        self.progress.advance(self.task, self.pending)
        self.pending = 0


def _ticking(rows: Iterable[Any], tick: Callable[[], None]) -> Iterator[Any]:
    for row in rows:
        tick()
        yield row


def verify_grants() -> str:
    """`manage.py verify_grants` over the whole data set: every generated grant row must be
    one `services.expected_grants` derives from the participants, and none may be missing."""
    out = io.StringIO()
    try:
        call_command("verify_grants", stdout=out, no_color=True)
    except CommandError as error:
        return f"FAILED: {error}; {out.getvalue().splitlines()[:3]}"
    return out.getvalue().strip()


# --- Measuring -----------------------------------------------------------------------------


def measure(name: str, call: Callable[[], object], rounds: int, warmup: int) -> dict[str, Any]:
    return common_measure(name, call, rounds, warmup, console)


def pick_case(user: User) -> Case:
    """A case ssp.aalborg takes part in with 12-16 entries (so ~10+ visible to them)."""
    case = (
        access.cases_for(user)
        .annotate(entry_count=Count("entries"))
        .filter(entry_count__gte=12, entry_count__lte=16)
        .order_by("pk")
        .first()
    ) or access.cases_for(user).order_by("pk").first()
    if case is None:
        raise SystemExit(f"{BENCH_USER} sees no case; was the data generated?")
    return case


def sql_only(*querysets: QuerySet[Any]) -> Callable[[], object]:
    """Run the querysets' SQL, compiled once, through Django's cursor."""
    compiled = [qs.query.sql_with_params() for qs in querysets]

    def execute() -> object:
        with connection.cursor() as cursor:
            for statement, params in compiled:
                cursor.execute(statement, params)
                cursor.fetchall()
        return None

    return execute


def get(client: Client, path: str) -> Callable[[], object]:
    def request() -> object:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")
        return response

    return request


def run(rounds: int, warmup: int) -> dict[str, Any]:
    settings.DEBUG = False  # time what production runs, without debug bookkeeping
    user = User.objects.get(username=BENCH_USER)
    client = Client()
    client.force_login(user)
    case = pick_case(user)
    visible_cases = access.cases_for(user).count()
    total_cases = Case.objects.count()
    entries_total = Entry.objects.filter(case=case).count()
    entries_visible = len(list(access.entries_for(user, case)))

    def page_filtered() -> object:
        return list(access.cases_for(user).for_list()[:25])

    def page_unfiltered() -> object:
        return list(Case.objects.for_list()[:25])

    def entries_filtered() -> object:
        return list(access.entries_for(user, case))

    def entries_unfiltered() -> object:
        return list(Entry.objects.filter(case=case).select_related("author", "author_unit"))

    def forum_choices() -> object:
        # The case list's filter form offers the forums of the visible cases (filters.py).
        return list(Forum.objects.filter(pk__in=access.cases_for(user).values("forum")))

    participations = (
        access.participations_for(user, access.CaseAction.VIEW)
        .filter(case=case)
        .select_related("unit")
    )
    results = [
        measure("case list, first page", page_filtered, rounds, warmup),
        measure("case list, unfiltered", page_unfiltered, rounds, warmup),
        measure("case list, forum choices", forum_choices, rounds, warmup),
        measure("GET /sager/", get(client, "/sager/"), rounds, warmup),
        measure("case entries", entries_filtered, rounds, warmup),
        measure("case entries, unfiltered", entries_unfiltered, rounds, warmup),
        measure(f"GET /sager/{case.pk}/", get(client, f"/sager/{case.pk}/"), rounds, warmup),
        # The same statements, compiled once: database time without the ORM's Python work.
        measure(
            "SQL only: case list, first page",
            sql_only(access.cases_for(user).for_list()[:25]),
            rounds,
            warmup,
        ),
        measure(
            "SQL only: case list, unfiltered",
            sql_only(Case.objects.for_list()[:25]),
            rounds,
            warmup,
        ),
        measure(
            "SQL only: case entries (2 statements)",
            sql_only(participations, access.entries_for(user, case)),
            rounds,
            warmup,
        ),
        measure(
            "SQL only: case entries, unfiltered",
            sql_only(Entry.objects.filter(case=case).select_related("author", "author_unit")),
            rounds,
            warmup,
        ),
    ]
    by_name = {str(r["name"]): float(r["median_ms"]) for r in results}

    def ratio(filtered: str, unfiltered: str) -> float:
        return round(by_name[unfiltered] / by_name[filtered], 3)

    ratios = {
        "case list": ratio("case list, first page", "case list, unfiltered"),
        "case entries": ratio("case entries", "case entries, unfiltered"),
    }
    ratios_sql = {
        "case list": ratio("SQL only: case list, first page", "SQL only: case list, unfiltered"),
        "case entries": ratio(
            "SQL only: case entries (2 statements)", "SQL only: case entries, unfiltered"
        ),
    }
    explain = {
        "case list, first page": access.cases_for(user)
        .for_list()[:25]
        .explain(analyze=True, buffers=True),
        "case entries": access.entries_for(user, case).explain(analyze=True, buffers=True),
        "case list, forum choices": Forum.objects.filter(
            pk__in=access.cases_for(user).values("forum")
        ).explain(analyze=True, buffers=True),
        "case list, unfiltered": Case.objects.for_list()[:25].explain(analyze=True, buffers=True),
    }
    return {
        "user": BENCH_USER,
        "rounds": rounds,
        "warmup": warmup,
        "cases_total": total_cases,
        "cases_visible": visible_cases,
        "visible_share": round(visible_cases / total_cases, 4) if total_cases else 0,
        "case": {"pk": case.pk, "entries": entries_total, "visible_entries": entries_visible},
        "results": results,
        "ratios_filtered_over_unfiltered": ratios,
        "ratios_sql_only": ratios_sql,
        "targets": {
            **{
                name: {
                    "target_ms": limit,
                    "median_ms": by_name[name],
                    "met": by_name[name] < limit,
                }
                for name, limit in TARGETS_MS.items()
            },
            **{
                f"ratio {name}": {"target": TARGET_RATIO, "ratio": r, "met": r >= TARGET_RATIO}
                for name, r in ratios.items()
            },
        },
        "explain": explain,
    }


def report(outcome: dict[str, Any], generation: dict[str, Any] | None, explain: bool) -> None:
    if generation:
        console.print(generation_table(generation, "data generation (plan + COPY)"))
        console.print(
            "Rows: "
            + ", ".join(f"{name} {count:,}" for name, count in generation["rows"].items())
            + f"; verify_grants: {generation['verify_grants']}"
        )
    case = outcome["case"]
    console.print(
        f"{outcome['user']} sees {outcome['cases_visible']:,} of {outcome['cases_total']:,} cases "
        f"({outcome['visible_share']:.1%}); case {case['pk']} has {case['entries']} entries, "
        f"{case['visible_entries']} visible to them."
    )
    table = Table(
        title=f"Access layer on {connection.vendor}, {outcome['rounds']} calls each "
        f"after {outcome['warmup']} warm-up calls"
    )
    for column in ("measure", "median ms", "p95 ms", "min ms", "queries"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    for row in outcome["results"]:
        table.add_row(
            str(row["name"]),
            f"{row['median_ms']:.2f}",
            f"{row['p95_ms']:.2f}",
            f"{row['min_ms']:.2f}",
            str(row["queries"]),
        )
    console.print(table)
    table = Table(title="Targets")
    for column in ("target", "wanted", "measured", "met"):
        table.add_column(column)
    for name, target in outcome["targets"].items():
        wanted = (
            f"< {target['target_ms']:.0f} ms" if "target_ms" in target else f">= {TARGET_RATIO}"
        )
        measured = (
            f"{target['median_ms']:.2f} ms" if "median_ms" in target else f"{target['ratio']:.3f}"
        )
        table.add_row(name, wanted, measured, "[green]yes" if target["met"] else "[red]no")
    for name, value in outcome["ratios_sql_only"].items():
        table.add_row(f"ratio {name}, SQL only (for reference)", "", f"{value:.3f}", "")
    console.print(table)
    if explain:
        for name, plan in outcome["explain"].items():
            console.rule(f"EXPLAIN (ANALYZE, BUFFERS): {name}")
            console.print(plan, markup=False, highlight=False, soft_wrap=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES)
    parser.add_argument("--entries", type=int, help="default: 10 per case")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "200")))
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument(
        "--reuse", action="store_true", help="measure the existing database, generate nothing"
    )
    parser.add_argument("--no-explain", action="store_true", help="do not print the plans")
    args = parser.parse_args()
    settings.DEBUG = False  # no query log while generating, and production behaviour after
    generation = None
    if not args.reuse:
        generation = generate(args.cases, args.entries or args.cases * ENTRIES_PER_CASE)
    outcome = run(args.rounds, args.warmup)
    report(outcome, generation, explain=not args.no_explain)
    write_results(OUTPUT, generation, outcome, console)


if __name__ == "__main__":
    main()
