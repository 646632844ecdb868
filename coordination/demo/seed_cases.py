"""Writing the demo's citizens and their cases through the services: `CaseSeeder`, the state
the seed shares (what it has created or found, by name) and the cases of the cohorts'
citizens, with participants, contacts, entries, consents and actions. `Seeder` (seed.py)
adds the structure and the personas; `Story` (seed_story.py) the workflow stories.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Model
from django.utils import timezone

from accounts.models import Organisation, Unit, User
from coordination import services
from coordination.demo.citizens import (
    DEMO_SEED,
    CaseSpec,
    CitizenSpec,
    GuardianSpec,
    candidate_cprs,
)
from coordination.demo.organisations import AUTHOR_CATEGORIES, FORUM_LEADS, participant_categories
from coordination.demo.texts import (
    ACTION_DUE_OFFSETS_HOURS,
    ACTION_TITLES,
    CONTACT_KINDS,
    CONTACT_NOTES,
    CONTACT_NOTES_BY_KIND,
    CONTACT_RESULTS,
    JUSTIFICATIONS,
    entry_texts,
)
from coordination.models import (
    ALL_CATEGORIES,
    Case,
    CaseParticipant,
    Citizen,
    Consent,
    EffortType,
    Forum,
    LegalBasis,
    RelatedPerson,
)

# Contact kinds where a colleague from another participating unit often comes along.
_PAIRED_KINDS = frozenset({"home_visit", "street", "meeting", "concern_talk"})


@dataclass
class Tally:
    """What a run created (by kind, with the names for -v 2) and what it found there."""

    created: Counter[str] = field(default_factory=Counter)
    existing_citizens: int = 0
    existing_stories: int = 0
    kept_passwords: list[str] = field(default_factory=list)
    names: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, name: str) -> None:
        self.created[kind] += 1
        self.names.setdefault(kind, []).append(name)


def backdate(obj: Model, **stamps: dt.datetime | None) -> None:
    """Services stamp what they record with the present (screened, opened, held, sent, ...),
    and rightly refuse times in the future; the demo's history needs the past. So, after the
    service has written a row, the seed moves those timestamps back with a plain update:
    only timestamps, never content, and the audit log keeps the real times of the writes."""
    type(obj)._default_manager.filter(pk=obj.pk).update(**stamps)
    for name, value in stamps.items():
        setattr(obj, name, value)


class CaseSeeder:
    """What the seed has created or found, and the citizens' cases. A citizen that exists
    (by CPR blind index, see `exists`) is left as it is."""

    def __init__(self) -> None:
        self.tally = Tally()
        self.today = timezone.localdate()
        self.organisations: dict[str, Organisation] = {}
        self.units: dict[str, Unit] = {}
        self.forums: dict[str, Forum] = {}
        self.users: dict[str, User] = {}
        self.persona_by_unit: dict[str, User] = {}
        self._members: dict[int, list[Unit]] = {}

    def seed_citizen(self, spec: CitizenSpec) -> None:
        """The citizen with their cases; a citizen that exists is only counted."""
        if self.exists(spec):
            self.tally.existing_citizens += 1
        else:
            self._citizen(spec)

    def exists(self, spec: CitizenSpec) -> bool:
        return any(
            Citizen.objects.by_cpr(digits).exists() for digits in candidate_cprs(spec, self.today)
        )

    def _citizen(self, spec: CitizenSpec) -> None:
        rng = random.Random(f"{DEMO_SEED}-{spec.index}")
        first_lead = self.users[FORUM_LEADS[spec.cases[0].forum][1]]
        citizen = services.citizen_create(
            actor=first_lead,
            cpr_number=spec.cpr(self.today.year),
            first_name=spec.first_name,
            last_name=spec.last_name,
            protected_address=spec.protected_address,
        )
        self.tally.created["citizens"] += 1
        guardians = self.guardians(None, citizen, spec.guardians)
        for case_spec in spec.cases:
            self._case(citizen, case_spec, guardians, rng)

    def guardians(
        self, actor: User | None, citizen: Citizen, specs: tuple[GuardianSpec, ...]
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
        spec: CaseSpec,
        guardians: list[RelatedPerson],
        rng: random.Random,
    ) -> None:
        forum = self.forums[spec.forum]
        lead_unit_name, lead_username = FORUM_LEADS[spec.forum]
        lead_unit, lead_user = self.units[lead_unit_name], self.users[lead_username]
        # A forum resting on consent opens no case before the citizen's written consent.
        consent = (
            self._consent(citizen, forum, lead_unit, lead_user) if forum.consent_required else None
        )
        case = services.case_open(
            actor=lead_user, citizen=citizen, forum=forum, lead_unit=lead_unit, track=spec.track
        )
        self.tally.created["cases"] += 1
        units = self.participants(case, lead_unit, lead_user, consent)
        workers = [
            (self.persona_by_unit[u.name], u) for u in units if u.name in self.persona_by_unit
        ]
        minor = citizen.age_on(self.today) < 18
        self._contacts(case, forum, workers, guardians, minor, rng)
        self._entries(case, forum, units, workers, minor, rng, consent)
        self._actions(case, lead_user, workers, rng)

    def participants(
        self, case: Case, lead_unit: Unit, lead_user: User, consent: Consent | None = None
    ) -> list[Unit]:
        """Every other member unit of the forum takes part (where a consent scopes the case,
        every unit it covers); returns all the case's units."""
        forum = case.forum
        units = [lead_unit]
        covered = set(consent.scope_units.values_list("pk", flat=True)) if consent else None
        for unit in self.member_units(forum):
            if unit.pk == lead_unit.pk or (covered is not None and unit.pk not in covered):
                continue
            services.participant_add(
                actor=lead_user,
                case=case,
                unit=unit,
                role=CaseParticipant.Role.PARTICIPANT,
                legal_basis=forum.default_legal_basis,
                categories=participant_categories(unit.unit_type),
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
            due = timezone.now() + dt.timedelta(hours=rng.choice(ACTION_DUE_OFFSETS_HOURS))
            services.action_create(
                actor=actor,
                case=case,
                title=rng.choice(ACTION_TITLES),
                responsible=responsible,
                due_at=due,
            )
            self.tally.created["actions"] += 1

    def _consent(self, citizen: Citizen, forum: Forum, lead_unit: Unit, actor: User) -> Consent:
        """Exit rests on written consent (sharing-rules.md 2), recorded before the case is
        opened; every third citizen leaves the jobcenter out of it, to show a scoped
        consent."""
        scoped = [
            u
            for u in self.member_units(forum)
            if not (citizen.pk % 3 == 0 and u.unit_type == Unit.Type.JOBCENTER)
        ]
        consent = services.consent_for_opening(
            actor=actor,
            citizen=citizen,
            forum=forum,
            lead_unit=lead_unit,
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

    def member_units(self, forum: Forum) -> list[Unit]:
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
                kind = rng.choice(CONTACT_KINDS[forum.effort_type])
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
            result = rng.choice(CONTACT_RESULTS[kind])
            note = rng.choice(CONTACT_NOTES_BY_KIND.get(kind) or CONTACT_NOTES[result])
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
        texts = entry_texts(forum.effort_type, minor)
        basis = forum.default_legal_basis
        count = rng.randint(1, 3)
        # In PSP the psychiatry contact shares health information under RPL115_PSP
        # (sharing-rules.md 3); outside PSP that would need SUL43, which the demo does not model.
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
                c for c in AUTHOR_CATEGORIES.get(unit.unit_type, ("general",)) if c in texts
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
            justification=rng.choice(JUSTIFICATIONS[basis]),
            text=text,
            audience=audience,
            unit=unit,
            consent=consent,
        )
        self.tally.created["entries"] += 1
