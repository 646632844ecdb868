"""`manage.py seed_demo`: the North Jutland demo (docs SEED_DATA.md), for development only.

Creates the organisations, units, forums and personas of coordination/demo.py and about 60
fictitious citizens with cases, contacts and entries. Domain data is written through the
services (so access checks and the audit log apply as in real use). Idempotent: whatever
already exists (organisations, units, forums and users by name, citizens by CPR blind index)
is left as it is, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time
from argparse import ArgumentParser
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any, cast

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from accounts import services as account_services
from accounts.models import Membership, Organisation, Unit, User
from coordination import demo, services
from coordination.models import (
    ALL_CATEGORIES,
    Case,
    CaseParticipant,
    Citizen,
    Consent,
    Contact,
    EffortType,
    Entry,
    Forum,
    LegalBasis,
    RelatedPerson,
)

# Membership roles that work on cases (the others see no case content).
_WORKING_ROLES = frozenset(
    {Membership.Role.COORDINATOR, Membership.Role.CASEWORKER, Membership.Role.CONTACT}
)
# Contact kinds where a colleague from another participating unit often comes along.
_PAIRED_KINDS = frozenset({"home_visit", "street", "meeting", "concern_talk"})


class _Stream(io.TextIOBase):
    """Lets rich write through the command's stdout without OutputWrapper adding newlines."""

    def __init__(self, out: OutputWrapper) -> None:
        self._out = out

    def write(self, text: str) -> int:
        self._out.write(text, ending="")
        return len(text)

    def flush(self) -> None:
        self._out.flush()

    def isatty(self) -> bool:
        return self._out.isatty()


@dataclass
class _Tally:
    created: Counter[str] = field(default_factory=Counter)
    existing_citizens: int = 0
    kept_passwords: list[str] = field(default_factory=list)
    names: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, name: str) -> None:
        self.created[kind] += 1
        self.names.setdefault(kind, []).append(name)


class Command(BaseCommand):
    help = (
        "Create the North Jutland demo: organisations, units, forums, personas and about 60 "
        "fictitious citizens with cases. Development and demo databases only; idempotent."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even though DEBUG is off (a demo server). Never on real data.",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Also set the demo password on personas that already exist.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo writes fictitious demo data and runs only with DEBUG on. "
                "If this really is a demo database, run it again with --force."
            )
        verbosity: int = options["verbosity"]
        console = Console(
            file=cast(IO[str], _Stream(self.stdout)),
            no_color=options.get("no_color", False),
            force_terminal=True if options.get("force_color") else None,
            highlight=False,
            width=None if self.stdout.isatty() else 120,
        )
        password = getattr(settings, "DEMO_PASSWORD", "") or demo.DEFAULT_DEMO_PASSWORD
        started = time.monotonic()
        with transaction.atomic():
            seeder = _Seeder(
                console=console,
                verbosity=verbosity,
                password=password,
                reset_passwords=options["reset_passwords"],
            )
            tally = seeder.run()
        elapsed = time.monotonic() - started
        if verbosity >= 1:
            _report(console, tally, password, elapsed, verbosity)


class _Seeder:
    def __init__(
        self, *, console: Console, verbosity: int, password: str, reset_passwords: bool
    ) -> None:
        self.console = console
        self.verbosity = verbosity
        self.password = password
        self.reset_passwords = reset_passwords
        self.tally = _Tally()
        self.today = timezone.localdate()
        self.organisations: dict[str, Organisation] = {}
        self.units: dict[str, Unit] = {}
        self.forums: dict[str, Forum] = {}
        self.users: dict[str, User] = {}
        self.persona_by_unit: dict[str, User] = {}
        self._members: dict[int, list[Unit]] = {}
        self._password_hash = ""

    def run(self) -> _Tally:
        self._organisations()
        self._units()
        self._forums()
        self._personas()
        self._citizens()
        return self.tally

    # --- Structure ----------------------------------------------------------------------

    def _organisations(self) -> None:
        for spec in demo.ORGANISATIONS:
            organisation, created = Organisation.objects.get_or_create(
                name=spec.name,
                defaults={"org_type": spec.org_type, "municipality_code": spec.municipality_code},
            )
            if created:
                self.tally.add("organisations", spec.name)
            self.organisations[spec.name] = organisation

    def _units(self) -> None:
        names = [spec.name for spec in demo.UNITS]
        existing = {unit.name: unit for unit in Unit.objects.filter(name__in=names)}
        for spec in demo.UNITS:
            unit = existing.get(spec.name)
            if unit is None:
                unit = account_services.unit_create(
                    organisation=self.organisations[spec.organisation],
                    name=spec.name,
                    unit_type=spec.unit_type,
                    municipality=spec.municipality,
                )
                self.tally.add("units", spec.name)
            elif unit.unit_type != spec.unit_type:
                self.console.print(
                    f"[yellow]Unit {spec.name} exists with type {unit.unit_type} "
                    f"(demo: {spec.unit_type}); left as it is.[/]"
                )
            self.units[spec.name] = unit

    def _forums(self) -> None:
        for spec in demo.FORUMS:
            forum, created = Forum.objects.get_or_create(
                name=spec.name,
                defaults={
                    "effort_type": spec.effort_type,
                    "municipality": spec.municipality,
                    "default_legal_basis": spec.default_legal_basis,
                    "age_min": spec.age_min,
                    "age_max": spec.age_max,
                    "consent_required": spec.consent_required,
                },
            )
            if created:
                forum.full_clean()
                self.tally.add("forums", spec.name)
            present = set(forum.member_units.values_list("name", flat=True))
            missing = [self.units[name] for name in spec.members if name not in present]
            if missing:
                forum.member_units.add(*missing)
                self.tally.created["forum members"] += len(missing)
            self.forums[spec.name] = forum

    def _personas(self) -> None:
        for persona in demo.PERSONAS:
            user = User.objects.filter(username=persona.username).first()
            if user is None:
                user = User(
                    username=persona.username,
                    first_name=persona.first_name,
                    last_name=persona.last_name,
                    email=f"{persona.username}@samraad.example",
                    is_staff=persona.superuser,
                    is_superuser=persona.superuser,
                )
                user.password = self._hashed_password()
                user.save()
                self.tally.add("personas", persona.username)
            elif self.reset_passwords:
                user.password = self._hashed_password()
                user.save(update_fields=["password"])
            else:
                self.tally.kept_passwords.append(persona.username)
            unit = self.units[persona.unit]
            if not Membership.objects.filter(user=user, unit=unit, role=persona.role).exists():
                account_services.membership_add(actor=None, user=user, unit=unit, role=persona.role)
                self.tally.created["memberships"] += 1
            self.users[persona.username] = user
            if persona.role in _WORKING_ROLES:
                self.persona_by_unit[persona.unit] = user

    def _hashed_password(self) -> str:
        # One PBKDF2 hash (about 0.4 s) shared by all personas, who share the password
        # anyway; hashing it twelve times would make up most of the seeding time.
        if not self._password_hash:
            self._password_hash = make_password(self.password)
        return self._password_hash

    # --- Citizens and cases -------------------------------------------------------------

    def _citizens(self) -> None:
        specs = demo.citizen_specs()
        progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            disable=self.verbosity == 0,
            refresh_per_second=4,
        )
        with progress:
            task = progress.add_task("Citizens and cases", total=len(specs))
            for spec in specs:
                if any(
                    Citizen.objects.by_cpr(digits).exists()
                    for digits in demo.candidate_cprs(spec, self.today)
                ):
                    self.tally.existing_citizens += 1
                else:
                    self._citizen(spec)
                progress.advance(task)

    def _citizen(self, spec: demo.CitizenSpec) -> None:
        rng = random.Random(f"{demo.DEMO_SEED}-{spec.index}")
        first_lead = self.users[demo.FORUM_LEADS[spec.cases[0].forum][1]]
        citizen = services.citizen_create(
            actor=first_lead,
            cpr_number=spec.cpr(self.today.year),
            first_name=spec.first_name,
            last_name=spec.last_name,
            protected_address=spec.protected_address,
        )
        self.tally.created["citizens"] += 1
        guardians = [
            services.related_person_add(
                actor=None,
                citizen=citizen,
                name=g.name,
                relation=g.relation,
                has_custody=g.has_custody,
            )
            for g in spec.guardians
        ]
        self.tally.created["related persons"] += len(guardians)
        for case_spec in spec.cases:
            self._case(citizen, case_spec, guardians, rng)

    def _case(
        self,
        citizen: Citizen,
        spec: demo.CaseSpec,
        guardians: list[RelatedPerson],
        rng: random.Random,
    ) -> None:
        forum = self.forums[spec.forum]
        lead_unit_name, lead_username = demo.FORUM_LEADS[spec.forum]
        lead_unit, lead_user = self.units[lead_unit_name], self.users[lead_username]
        case = services.case_open(
            actor=lead_user, citizen=citizen, forum=forum, lead_unit=lead_unit, track=spec.track
        )
        self.tally.created["cases"] += 1
        units = [lead_unit]
        for unit in self._member_units(forum):
            if unit.pk == lead_unit.pk:
                continue
            services.participant_add(
                actor=lead_user,
                case=case,
                unit=unit,
                role=CaseParticipant.Role.PARTICIPANT,
                legal_basis=forum.default_legal_basis,
                categories=demo.participant_categories(unit.unit_type),
                contact_user=self.persona_by_unit.get(unit.name),
            )
            units.append(unit)
        workers = [
            (self.persona_by_unit[u.name], u) for u in units if u.name in self.persona_by_unit
        ]
        minor = citizen.age_on(self.today) < 18
        consent = self._consent(case, units, lead_user) if forum.consent_required else None
        self._contacts(case, forum, workers, guardians, minor, rng)
        self._entries(case, forum, units, workers, minor, rng, consent)
        self._actions(case, lead_user, workers, rng)

    def _actions(
        self, case: Case, actor: User, workers: list[tuple[User, Unit]], rng: random.Random
    ) -> None:
        """Follow-up actions around now (overdue, due, due soon, later), so that `make run`
        shows reminders firing within its first minute."""
        if not workers or rng.random() > 0.4:
            return
        for _ in range(rng.randint(1, 2)):
            responsible, _unit = rng.choice(workers)
            due = timezone.now() + dt.timedelta(hours=rng.choice(demo.ACTION_DUE_OFFSETS_HOURS))
            services.action_create(
                actor=actor,
                case=case,
                title=rng.choice(demo.ACTION_TITLES),
                responsible=responsible,
                due_at=due,
            )
            self.tally.created["actions"] += 1

    def _consent(self, case: Case, units: list[Unit], actor: User) -> Consent:
        """Exit rests on written consent (LEGAL.md 2); every third citizen leaves the
        jobcenter out of it, to show a scoped consent."""
        scoped = [u for u in units if not (case.pk % 3 == 0 and u.unit_type == Unit.Type.JOBCENTER)]
        consent = services.consent_register(
            actor=actor,
            case=case,
            given_by=Consent.GivenBy.CITIZEN,
            scope_units=scoped,
            scope_categories=[c for c in ALL_CATEGORIES if c != "health"],
            purpose="Exit-forløb: samarbejde om at forlade gruppen",
            form=Consent.Form.WRITTEN,
            valid_until=timezone.now() + dt.timedelta(days=365),
            document_reference="Samtykkeerklæring (papir), journaliseret",
        )
        self.tally.created["consents"] += 1
        return consent

    def _member_units(self, forum: Forum) -> list[Unit]:
        if forum.pk not in self._members:
            self._members[forum.pk] = list(forum.member_units.order_by("name"))
        return self._members[forum.pk]

    def _contacts(
        self,
        case: Case,
        forum: Forum,
        workers: list[tuple[User, Unit]],
        guardians: list[RelatedPerson],
        minor: bool,
        rng: random.Random,
    ) -> None:
        count = rng.randint(2, 5)
        for days_ago in sorted(rng.sample(range(3, 150), count), reverse=True):
            related: RelatedPerson | None = None
            partner: User | None = None
            if forum.effort_type == EffortType.KNOCK_KNOCK:
                kind = "knock_visit"
                actor, partner = self.users["ssp.aalborg"], self.users["politi.forebyg"]
                if minor and guardians and rng.random() < 0.4:
                    related = guardians[0]  # a parent opened the door
                hour = rng.randint(16, 20)
            else:
                kind = rng.choice(demo.CONTACT_KINDS[forum.effort_type])
                if kind == "parent_contact":
                    if guardians:
                        related = rng.choice(guardians)
                    else:
                        kind = "phone"
                actor = rng.choice(workers)[0]
                others = [user for user, _unit in workers if user != actor]
                if kind in _PAIRED_KINDS and others and rng.random() < 0.4:
                    partner = rng.choice(others)
                hour = rng.randint(8, 16)
            result = rng.choice(demo.CONTACT_RESULTS[kind])
            note = rng.choice(demo.CONTACT_NOTES_BY_KIND.get(kind) or demo.CONTACT_NOTES[result])
            moment = dt.datetime.combine(
                self.today - dt.timedelta(days=days_ago), dt.time(hour, rng.choice((0, 15, 30, 45)))
            )
            services.contact_log(
                actor=actor,
                case=case,
                kind=kind,
                result=result,
                occurred_at=timezone.make_aware(moment),
                note=note,
                partner=partner,
                related_person=related,
            )
            self.tally.created["contacts"] += 1

    def _entries(
        self,
        case: Case,
        forum: Forum,
        units: list[Unit],
        workers: list[tuple[User, Unit]],
        minor: bool,
        rng: random.Random,
        consent: Consent | None = None,
    ) -> None:
        texts = demo.entry_texts(forum.effort_type, minor)
        basis = forum.default_legal_basis
        count = rng.randint(1, 3)
        # In PSP the psychiatry contact shares health information under RPL115_PSP
        # (LEGAL.md 3); outside PSP that would need SUL43, which the demo does not model.
        psychiatry = [
            (user, unit) for user, unit in workers if unit.unit_type == Unit.Type.PSYCHIATRY
        ]
        if forum.effort_type == EffortType.PSP and psychiatry and rng.random() < 0.6:
            user, unit = psychiatry[0]
            social = [u for u in units if u.unit_type == Unit.Type.SOCIAL_SERVICES]
            self._entry(
                case,
                user,
                unit,
                "health",
                LegalBasis.RPL115_PSP,
                rng.choice(texts["health"]),
                social[:1] if social and rng.random() < 0.4 else [],
                rng,
            )
            count -= 1
        authors = [(user, unit) for user, unit in workers if unit.unit_type != Unit.Type.PSYCHIATRY]
        for number in range(count):
            user, unit = authors[0] if number == 0 else rng.choice(authors)
            categories = [
                c for c in demo.AUTHOR_CATEGORIES.get(unit.unit_type, ("general",)) if c in texts
            ] or ["general"]
            category = rng.choice(categories)
            others = [u for u in units if u.pk != unit.pk]
            if consent is not None:
                covered = set(consent.scope_units.values_list("pk", flat=True))
                others = [u for u in others if u.pk in covered]
            audience = [rng.choice(others)] if others and rng.random() < 0.25 else []
            self._entry(
                case,
                user,
                unit,
                category,
                basis,
                rng.choice(texts[category]),
                audience,
                rng,
                consent,
            )

    def _entry(
        self,
        case: Case,
        user: User,
        unit: Unit,
        category: str,
        basis: str,
        text: str,
        audience: list[Unit],
        rng: random.Random,
        consent: Consent | None = None,
    ) -> None:
        services.entry_share(
            actor=user,
            case=case,
            category=category,
            legal_basis=basis,
            justification=rng.choice(demo.JUSTIFICATIONS[basis]),
            text=text,
            audience=audience,
            unit=unit,
            consent=consent,
        )
        self.tally.created["entries"] += 1


def _report(console: Console, tally: _Tally, password: str, elapsed: float, verbosity: int) -> None:
    if verbosity >= 2:
        for kind, names in tally.names.items():
            console.print(f"Created {kind}: {', '.join(names)}")
    created = ", ".join(f"{n} {kind}" for kind, n in tally.created.items()) or "nothing new"
    console.print(f"Seeded in {elapsed:.1f} s: {created}.")
    if tally.existing_citizens:
        console.print(f"{tally.existing_citizens} demo citizens were already there (left as is).")

    counts = Table(title="Demo data in the database", title_justify="left")
    counts.add_column("What")
    counts.add_column("Count", justify="right")
    counts.add_row("Organisations", str(Organisation.objects.count()))
    counts.add_row("Units", str(Unit.objects.count()))
    counts.add_row("Forums", str(Forum.objects.count()))
    counts.add_row("Users", str(User.objects.count()))
    counts.add_row("Citizens", str(Citizen.objects.count()))
    per_forum = (
        Case.objects.values_list("forum__name").annotate(n=Count("pk")).order_by("forum__name")
    )
    for forum_name, n in per_forum:
        counts.add_row(f"  Cases in {forum_name}", str(n))
    counts.add_row("Cases", str(Case.objects.count()))
    counts.add_row("Contacts", str(Contact.objects.count()))
    counts.add_row("Entries", str(Entry.objects.count()))
    console.print(counts)

    personas = Table(title="Personas", title_justify="left")
    personas.add_column("Username", style="bold")
    personas.add_column("Name")
    personas.add_column("Who")
    personas.add_column("Unit")
    for persona in demo.PERSONAS:
        personas.add_row(
            persona.username,
            f"{persona.first_name} {persona.last_name}",
            persona.who,
            persona.unit,
        )
    console.print(personas)
    console.print(f"Open {demo.DEMO_URL} and log in as a persona with the password: {password}")
    if tally.kept_passwords:
        console.print(
            "Personas that already existed kept their password "
            "(use --reset-passwords to set the demo password on them too)."
        )
