"""`manage.py seed_demo`: the North Jutland demo (docs SEED_DATA.md), for development only.

Creates the organisations, units, forums and personas of coordination/demo.py and about 60
fictitious citizens with cases, contacts and entries, and tells the workflows in Aalborg
around a few more (Knock Knock nominations, visits, offers and list meetings; a PSP case
with incidents, referrals, outcome snapshots and a meeting). Domain data is written through
the services (so access checks and the audit log apply as in real use); only timestamps of
the demo's past are moved back afterwards (see `_backdate`). Idempotent: whatever already
exists (organisations, units, forums and users by name, citizens by CPR blind index, a
workflow story by its citizens) is left as it is, so a second run changes nothing.
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
from django.db.models import Count, Model
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from accounts import services as account_services
from accounts.models import Membership, Organisation, Unit, User
from coordination import demo, services, workflows
from coordination.models import (
    ALL_CATEGORIES,
    AgendaItem,
    Case,
    CaseParticipant,
    Citizen,
    ConcernReport,
    Consent,
    Contact,
    EffortType,
    Entry,
    Forum,
    Incident,
    LegalBasis,
    Meeting,
    Offer,
    OutcomeSnapshot,
    Referral,
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
    existing_stories: int = 0
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
                if self._exists(spec):
                    self.tally.existing_citizens += 1
                else:
                    self._citizen(spec)
                progress.advance(task)
            stories = (_Story.knock_knock, _Story.psp)
            task = progress.add_task("Workflows in Aalborg", total=len(stories))
            for story in stories:
                story(_Story(self))
                progress.advance(task)

    def _exists(self, spec: demo.CitizenSpec) -> bool:
        return any(
            Citizen.objects.by_cpr(digits).exists()
            for digits in demo.candidate_cprs(spec, self.today)
        )

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
        guardians = self._guardians(None, citizen, spec.guardians)
        for case_spec in spec.cases:
            self._case(citizen, case_spec, guardians, rng)

    def _guardians(
        self, actor: User | None, citizen: Citizen, specs: tuple[demo.GuardianSpec, ...]
    ) -> list[RelatedPerson]:
        guardians = [
            services.related_person_add(
                actor=actor,
                citizen=citizen,
                name=g.name,
                relation=g.relation,
                has_custody=g.has_custody,
            )
            for g in specs
        ]
        self.tally.created["related persons"] += len(guardians)
        return guardians

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
        units = self._participants(case, lead_unit, lead_user)
        workers = [
            (self.persona_by_unit[u.name], u) for u in units if u.name in self.persona_by_unit
        ]
        minor = citizen.age_on(self.today) < 18
        consent = self._consent(case, units, lead_user) if forum.consent_required else None
        self._contacts(case, forum, workers, guardians, minor, rng)
        self._entries(case, forum, units, workers, minor, rng, consent)
        self._actions(case, lead_user, workers, rng)

    def _participants(self, case: Case, lead_unit: Unit, lead_user: User) -> list[Unit]:
        """Every other member unit of the forum takes part; returns all the case's units."""
        forum = case.forum
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
        return units

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


def _backdate(obj: Model, **stamps: dt.datetime | None) -> None:
    """Services stamp what they record with the present (screened, opened, held, sent, ...),
    and rightly refuse times in the future; the demo's history needs the past. So, after the
    service has written a row, the seed moves those timestamps back with a plain update:
    only timestamps, never content, and the audit log keeps the real times of the writes."""
    type(obj)._default_manager.filter(pk=obj.pk).update(**stamps)
    for name, value in stamps.items():
        setattr(obj, name, value)


class _Story:
    """The workflows told around a few named citizens (demo.KK_STORY, demo.PSP_STORY), all
    through the services, in the order they happen. A story whose citizens exist is left as
    it is, which keeps a second run from adding anything."""

    def __init__(self, seeder: _Seeder) -> None:
        self.seeder = seeder
        self.tally = seeder.tally
        self.users = seeder.users
        self.units = seeder.units
        self.today = seeder.today
        self.now = timezone.now()

    # --- Helpers -------------------------------------------------------------------------

    def _at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    def _ago(self, days: int, hour: int, minute: int = 0) -> dt.datetime:
        return self._at(self.today - dt.timedelta(days=days), hour, minute)

    def _citizens(self, specs: tuple[demo.CitizenSpec, ...], actor: User) -> list[Citizen]:
        """The story's citizens, created; none if any of them exists (the story was told)."""
        if any(self.seeder._exists(spec) for spec in specs):
            self.tally.existing_stories += 1
            return []
        citizens = [
            services.citizen_create(
                actor=actor,
                cpr_number=spec.cpr(self.today.year),
                first_name=spec.first_name,
                last_name=spec.last_name,
            )
            for spec in specs
        ]
        self.tally.created["citizens"] += len(citizens)
        return citizens

    def _concern(
        self,
        key: str,
        forum: Forum,
        actor: User,
        unit: Unit,
        citizen: Citizen | None,
        received_at: dt.datetime,
    ) -> ConcernReport:
        channel, urgency, reporter, summary = demo.CONCERNS[key]
        self.tally.created["concern reports"] += 1
        return services.concern_report_create(
            actor=actor,
            forum=forum,
            received_by=unit,
            channel=channel,
            urgency=urgency,
            summary=summary,
            reporter=reporter,
            citizen=citizen,
            received_at=received_at,
        )

    def _screened(self, report: ConcernReport, decided_at: dt.datetime) -> None:
        feedback_due = decided_at + workflows.FEEDBACK_WITHIN if report.reporter else None
        _backdate(report, decided_at=decided_at, feedback_due_at=feedback_due)

    def _accept(
        self,
        key: str,
        report: ConcernReport,
        actor: User,
        lead_unit: Unit,
        track: str,
        decided_at: dt.datetime,
    ) -> Case:
        """The nomination accepted: a case opened by screening, the forum's units taking part."""
        services.concern_report_screen(
            actor=actor,
            report=report,
            decision=ConcernReport.Decision.OPEN_CASE,
            note=demo.SCREENING_NOTES[key],
            lead_unit=lead_unit,
            track=track,
        )
        assert report.case is not None  # noqa: S101 (open_case ties the case)
        self._screened(report, decided_at)
        return self._enrolled(report.case, lead_unit, actor, decided_at)

    def _enrolled(self, case: Case, lead_unit: Unit, actor: User, opened_at: dt.datetime) -> Case:
        _backdate(case, opened_at=opened_at)
        self.tally.created["cases"] += 1
        self.seeder._participants(case, lead_unit, actor)
        return case

    def _feedback(self, key: str, report: ConcernReport, actor: User, at: dt.datetime) -> None:
        services.concern_feedback_record(actor=actor, report=report, note=demo.FEEDBACK_NOTES[key])
        _backdate(report, feedback_given_at=at)

    def _contact(
        self,
        case: Case,
        actor: User,
        kind: str,
        result: str,
        at: dt.datetime,
        note: str,
        partner: User | None = None,
        related: RelatedPerson | None = None,
    ) -> Contact:
        self.tally.created["contacts"] += 1
        return services.contact_log(
            actor=actor,
            case=case,
            kind=kind,
            result=result,
            occurred_at=at,
            note=note,
            partner=partner,
            related_person=related,
        )

    def _visits(self, key: str, case: Case, related: RelatedPerson | None = None) -> list[Contact]:
        """Knock visits, always the SSP worker and the prevention officer together."""
        ssp, police = self.users["ssp.aalborg"], self.users["politi.forebyg"]
        return [
            self._contact(
                case,
                ssp,
                "knock_visit",
                result,
                self._ago(days, hour, minute),
                note,
                partner=police,
                related=related if result == "conversation_held" else None,
            )
            for days, hour, minute, result, note in demo.KK_VISITS[key]
        ]

    def _offer(
        self,
        case: Case,
        actor: User,
        kind: str,
        note: str,
        made_at: dt.datetime,
        contact: Contact | None = None,
        answered_at: dt.datetime | None = None,
    ) -> Offer:
        offer = services.offer_make(actor=actor, case=case, kind=kind, note=note, contact=contact)
        if answered_at is not None:
            services.offer_answer(actor=actor, offer=offer, status=Offer.Status.ACCEPTED)
        _backdate(offer, made_at=made_at, answered_at=answered_at)
        self.tally.created["offers"] += 1
        return offer

    def _on_agenda(self, meeting: Meeting, case: Case, actor: User) -> AgendaItem:
        item = meeting.items.filter(case=case).first()
        if item is None:
            item = services.meeting_add_case(actor=actor, meeting=meeting, case=case)
        return item

    def _held(
        self, meeting: Meeting, actor: User, attendees: list[User], minutes_at: dt.datetime
    ) -> None:
        """Attendees and minutes of a meeting that has been held, dated back to it."""
        services.meeting_set_attendees(actor=actor, meeting=meeting, attendees=attendees)
        services.minutes_distribute(
            actor=actor, meeting=meeting, units=self.seeder._member_units(meeting.forum)
        )
        _backdate(meeting, held_at=meeting.starts_at)
        meeting.distributions.update(sent_at=minutes_at)
        self.tally.created["meetings"] += 1

    # --- Knock Knock Aalborg ---------------------------------------------------------------

    def knock_knock(self) -> None:
        """Nominations from the police daily report, knock visits, offers, the list meeting
        a week ago (decisions, actions, minutes) and the next one in a few days."""
        forum = self.seeder.forums["Knock Knock Aalborg"]
        ssp, police, job = (self.users[u] for u in ("ssp.aalborg", "politi.forebyg", "job.aalborg"))
        ssp_unit, police_unit = self.units["SSP Aalborg"], self.units["Forebyggelse Aalborg"]
        citizens = self._citizens(demo.KK_STORY, police)
        if not citizens:
            return
        unscreened, engaged, outreach, nominated = citizens

        # Nominated five weeks ago, accepted, visited twice, the parents reached, offers made.
        guardians = self.seeder._guardians(ssp, engaged, demo.KK_ENGAGED_GUARDIANS)
        report = self._concern(
            "kk_engaged", forum, police, police_unit, engaged, self._ago(40, 7, 30)
        )
        case_engaged = self._accept("kk_engaged", report, ssp, ssp_unit, "15-17", self._ago(38, 10))
        self._feedback("kk_engaged", report, police, self._ago(37, 9))
        talk = self._visits("kk_engaged", case_engaged, related=guardians[0])[-1]
        days, hour, minute, note = demo.KK_PARENT_CONTACT
        self._contact(
            case_engaged,
            ssp,
            "parent_contact",
            "conversation_held",
            self._ago(days, hour, minute),
            note,
            related=guardians[0],
        )
        self._offer(
            case_engaged,
            ssp,
            Offer.Kind.CLUB,
            "Fritidsklub i Aalborg Øst, to aftener om ugen.",
            talk.occurred_at,
            contact=talk,
            answered_at=self._ago(27, 17),
        )
        self._offer(
            case_engaged,
            ssp,
            Offer.Kind.LEISURE_JOB,
            "Fritidsjob i et supermarked, 8 timer om ugen.",
            self._ago(9, 16),
        )
        services.case_set_stage(actor=ssp, case=case_engaged, stage="engaged")

        # 18-25: opened by SSP three weeks ago; the jobcenter's offer accepted.
        case_outreach = services.case_open(
            actor=ssp,
            citizen=outreach,
            forum=forum,
            lead_unit=ssp_unit,
            track="18-25",
            # Reviewed at the next list meeting (its agenda takes cases whose review is due).
            next_review_at=self.today + dt.timedelta(days=10),
        )
        self._enrolled(case_outreach, ssp_unit, ssp, self._ago(21, 9))
        talk = self._visits("kk_outreach", case_outreach)[-1]
        self._offer(
            case_outreach,
            job,
            Offer.Kind.JOBCENTER_MEETING,
            "Samtale i Jobcentret om job og uddannelse.",
            talk.occurred_at,
            contact=talk,
            answered_at=self._ago(15, 10),
        )
        services.case_set_stage(actor=ssp, case=case_outreach, stage="outreach")

        # The list meeting a week ago: a nomination accepted, an anonymised concern
        # discussed, two cases' decisions with actions due around now, the minutes sent.
        # Noted from the daily report before the young person was identified.
        report = self._concern("kk_nominated", forum, police, police_unit, None, self._ago(9, 16))
        services.concern_report_identify(actor=police, report=report, citizen=nominated)
        self._concern("kk_anonymous", forum, ssp, ssp_unit, None, self._ago(8, 12))
        starts = self._ago(7, 13)
        meeting = services.meeting_schedule(
            actor=ssp, forum=forum, organiser_unit=ssp_unit, starts_at=starts
        )
        case_nominated = self._accept(
            "kk_nominated", report, ssp, ssp_unit, "15-17", starts + dt.timedelta(minutes=20)
        )
        services.case_set_stage(actor=ssp, case=case_nominated, stage="nominated")
        for position, (key, case) in enumerate(
            (("kk_engaged", case_engaged), ("kk_outreach", case_outreach)), start=1
        ):
            picture, assessment, decision, title, owner, hours = demo.KK_MEETING_DISCUSSIONS[key]
            item = self._on_agenda(meeting, case, ssp)
            services.agenda_item_record(
                actor=ssp, item=item, picture=picture, assessment=assessment, decision=decision
            )
            _backdate(item, discussed_at=starts + dt.timedelta(minutes=20 + 15 * position))
            services.agenda_item_action(
                actor=ssp,
                item=item,
                title=title,
                responsible=self.users[owner],
                due_at=self.now + dt.timedelta(hours=hours),
            )
            self.tally.created["actions"] += 1
        attendees = [ssp, police, self.users["fam.aalborg"], job]
        self._held(meeting, ssp, attendees, self._ago(6, 9))

        # A new nomination whose screening deadline is hours away (a reminder at once), and
        # the next list meeting: the nomination and last week's cases on its agenda.
        urgency = demo.CONCERNS["kk_unscreened"][1]
        received = self.now - workflows.SCREENING_DEADLINES[urgency] + dt.timedelta(hours=5)
        self._concern("kk_unscreened", forum, police, police_unit, unscreened, received)
        upcoming = services.meeting_schedule(
            actor=ssp,
            forum=forum,
            organiser_unit=ssp_unit,
            starts_at=self._at(self.today + dt.timedelta(days=3), 13),
        )
        for case in (case_engaged, case_outreach):
            self._on_agenda(upcoming, case, ssp)
        self.tally.created["meetings"] += 1

    # --- PSP Aalborg -----------------------------------------------------------------------

    def psp(self) -> None:
        """A citizen enrolled about six months ago: incidents before and after, referrals,
        the 3-month outcome recorded and the 6-month one due, a concern from psychiatry
        added to the case, a PSP meeting held."""
        forum = self.seeder.forums["PSP Aalborg"]
        police, psychiatry, social = (
            self.users[u] for u in ("politi.forebyg", "psyk.syd", "social.aalborg")
        )
        police_unit = self.units["Forebyggelse Aalborg"]
        citizens = self._citizens(demo.PSP_STORY, police)
        if not citizens:
            return
        (citizen,) = citizens
        case = services.case_open(actor=police, citizen=citizen, forum=forum, lead_unit=police_unit)
        # Enrolled six months and five days ago, so the 6-month snapshot is due now. Moved
        # back before the incidents, which may lie up to 12 months before the opening.
        enrolled = workflows.add_months(self.today, -6) - dt.timedelta(days=5)
        self._enrolled(case, police_unit, police, self._at(enrolled, 10))

        def day(offset: int) -> dt.date:
            return enrolled + dt.timedelta(days=offset)

        for kind, offset, by, note in demo.PSP_INCIDENTS:
            services.incident_record(
                actor=self.users[by], case=case, kind=kind, occurred_on=day(offset), note=note
            )
            self.tally.created["incidents"] += 1
        for offset, kind, result, by, partner, note in demo.PSP_CONTACTS:
            self._contact(
                case,
                self.users[by],
                kind,
                result,
                self._at(day(offset), 10, 30),
                note,
                partner=self.users[partner] if partner else None,
            )
        for by, unit, service, purpose, updater, status, sent, updated in demo.PSP_REFERRALS:
            referral = services.referral_send(
                actor=self.users[by],
                case=case,
                purpose=purpose,
                to_unit=self.units[unit] if unit else None,
                to_service=service,
            )
            services.referral_update(
                actor=self.users[updater],
                referral=referral,
                status=status,
                feedback=demo.PSP_REFERRAL_FEEDBACK[status],
            )
            _backdate(
                referral,
                sent_at=self._at(day(sent), 9),
                updated_at=self._at(day(updated), 14),
            )
            self.tally.created["referrals"] += 1
        outcome = demo.PSP_OUTCOME_3M
        snapshot = services.outcome_record(
            actor=social,
            case=case,
            milestone=outcome.milestone,
            education=outcome.education,
            job=outcome.job,
            housing=outcome.housing,
            leisure=outcome.leisure,
            new_police_contact=outcome.new_police_contact,
            note=outcome.note,
        )
        three_months = workflows.outcome_due_on(enrolled, outcome.milestone) + dt.timedelta(days=4)
        _backdate(snapshot, recorded_at=self._at(three_months, 11))
        self.tally.created["outcome snapshots"] += 1
        services.case_set_stage(actor=police, case=case, stage="follow_up")

        # Psychiatry's concern, added to the case, the reporter told.
        report = self._concern(
            "psp_psychiatry", forum, police, police_unit, citizen, self._ago(12, 11)
        )
        services.concern_report_screen(
            actor=police,
            report=report,
            decision=ConcernReport.Decision.ADD_TO_EXISTING,
            note=demo.SCREENING_NOTES["psp_psychiatry"],
            case=case,
        )
        self._screened(report, self._ago(11, 9))
        self._feedback("psp_psychiatry", report, police, self._ago(10, 14))

        # The PSP meeting four days ago.
        starts = self._ago(4, 10)
        meeting = services.meeting_schedule(
            actor=police, forum=forum, organiser_unit=police_unit, starts_at=starts
        )
        item = self._on_agenda(meeting, case, police)
        picture, assessment, decision = demo.PSP_MEETING_DISCUSSION
        services.agenda_item_record(
            actor=police, item=item, picture=picture, assessment=assessment, decision=decision
        )
        _backdate(item, discussed_at=starts + dt.timedelta(minutes=15))
        self._held(meeting, police, [police, psychiatry, social], self._ago(3, 9))


def _report(console: Console, tally: _Tally, password: str, elapsed: float, verbosity: int) -> None:
    if verbosity >= 2:
        for kind, names in tally.names.items():
            console.print(f"Created {kind}: {', '.join(names)}")
    created = ", ".join(f"{n} {kind}" for kind, n in tally.created.items()) or "nothing new"
    console.print(f"Seeded in {elapsed:.1f} s: {created}.")
    if tally.existing_citizens:
        console.print(f"{tally.existing_citizens} demo citizens were already there (left as is).")
    if tally.existing_stories:
        console.print(
            f"{tally.existing_stories} workflow stories were already there (left as they are)."
        )

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
    for label, model in (
        ("Contacts", Contact),
        ("Entries", Entry),
        ("Concern reports", ConcernReport),
        ("Meetings", Meeting),
        ("Agenda items", AgendaItem),
        ("Offers", Offer),
        ("Referrals", Referral),
        ("Incidents", Incident),
        ("Outcome snapshots", OutcomeSnapshot),
    ):
        counts.add_row(label, str(model.objects.count()))
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
