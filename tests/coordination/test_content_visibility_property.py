"""A property of every kind of case content, checked on random cases (hypothesis).

On a Knock Knock case, a PSP case and an Exit case, with random participants (member units
of the forum, random roles, categories and validity; some of them joining only after
content was shared), random consents (scopes, withdrawn or not) and random content of
every kind (entries, contacts, offers, referrals, incidents, outcome snapshots, actions
and meeting discussions: an author taking part, a random category, a valid basis, all
participants or named ones), each user reads exactly what sharing-rules.md 3 lets their
unit read, through the one filter (`access.content_for`), through the case page (the
content's text is on the page or not) and through the API (entries, contacts, actions).
In particular nobody reads content whose audience or consent excludes their unit, content
of a category outside their participation or withheld from their unit type unless named,
nor content shared before their unit took part (no retroactive disclosure).

The expectation is computed here, in plain Python, from the generated data and from the
rules as sharing-rules.md states them; it does not use access.py or the policy table (the
policy is used only to generate valid bases). The one exemption it makes, as the product
does: a unit reads what it wrote itself.

Each example runs inside a transaction that is rolled back (the database is shared).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import services as account_services
from accounts.models import Membership, Unit, User
from coordination import access, policy, services
from coordination.models import (
    ALL_CATEGORIES,
    Action,
    AgendaItem,
    Case,
    CaseParticipant,
    Consent,
    Contact,
    Entry,
    Forum,
    Incident,
    Offer,
    OutcomeSnapshot,
    Referral,
)
from tests.conftest import fresh_cpr
from tests.helpers import token_client

pytestmark = pytest.mark.django_db

# --- sharing-rules.md 3, restated independently of coordination/policy.py ------------------

# Jobcenter units read employment, identity and general by default; others only when named.
JOBCENTER_BY_DEFAULT = frozenset({"employment", "identity", "general"})
# School units do not read health unless named.
SCHOOL_ONLY_WHEN_NAMED = frozenset({"health"})
# A notification (underretning) goes to child welfare only.
NOTIFICATION = "UNDERRETNING"
NOTIFIED_UNIT_TYPES = frozenset({"family_services"})
# Content resting on a consent record: read only by units its active scope covers.
CONSENT_BASES = frozenset({"CONSENT", "SUL43_CONSENT"})

# --- The cases -------------------------------------------------------------------------------

CASES = {
    "Knock Knock Aalborg": {"lead": "ssp.aalborg", "lead_unit": "SSP Aalborg", "age": 16},
    "PSP Aalborg": {"lead": "politi.forebyg", "lead_unit": "Forebyggelse Aalborg", "age": 40},
    "Exit Nordjylland": {"lead": "politi.forebyg", "lead_unit": "Forebyggelse Aalborg", "age": 27},
}
# Who reads for each unit (KiF Nordjylland has no persona; the fixture adds a user).
VIEWERS = {
    "SSP Aalborg": "ssp.aalborg",
    "Forebyggelse Aalborg": "politi.forebyg",
    "Familiegrupperne": "fam.aalborg",
    "Jobcenter Aalborg": "job.aalborg",
    "Socialforvaltningen Aalborg": "social.aalborg",
    "Almenpsykiatrisk Afdeling Syd": "psyk.syd",
    "KiF Nordjylland": "kif.test",
    "SSP Hjørring": "ssp.hjoerring",  # outsider: never takes part
    "Efterforskning": "politi.efterforsk",  # investigation: never reads prevention data
}
ROLES = (CaseParticipant.Role.PARTICIPANT, CaseParticipant.Role.INFORMED)
# A participation is current (open-ended or ending later), expired, or not yet started.
VALIDITY = ("open", "open", "ending later", "expired", "future")
CATEGORIES = st.one_of(
    st.just(frozenset(ALL_CATEGORIES)), st.frozensets(st.sampled_from(ALL_CATEGORIES), min_size=1)
)
KINDS = ("entry", "contact", "offer", "referral", "incident", "outcome", "action", "discussion")
MODELS = {
    "entry": Entry,
    "contact": Contact,
    "offer": Offer,
    "referral": Referral,
    "incident": Incident,
    "outcome": OutcomeSnapshot,
    "action": Action,
    "discussion": AgendaItem,
}
INCIDENT_KINDS = {"forced_admission": "health", "use_of_force": "police", "other": "general"}
_markers = itertools.count(1)


@dataclasses.dataclass
class Participation:
    unit: Unit
    role: str
    categories: frozenset[str]
    validity: str
    joined: int  # how many pieces of content existed when the unit started taking part

    @property
    def current(self) -> bool:
        return self.validity in ("open", "ending later")


@dataclasses.dataclass
class ConsentModel:
    record: Consent
    units: frozenset[int]
    categories: frozenset[str]
    withdraw: bool


@dataclasses.dataclass
class ContentModel:
    kind: str
    pk: int
    marker: str
    order: int  # the how-manieth piece of content of the case it is
    author_unit: int
    category: str
    basis: str
    audience_all: bool
    named: frozenset[int]
    consent: ConsentModel | None


@pytest.fixture
def kif_user(db: None) -> User:
    """A caseworker in KiF Nordjylland (no persona works there)."""
    kif = User.objects.create_user(username="kif.test", password="unused-in-this-test")
    account_services.membership_add(
        actor=None,
        user=kif,
        unit=Unit.objects.get(name="KiF Nordjylland"),
        role=Membership.Role.CASEWORKER,
    )
    return kif


def _validity(kind: str) -> dict[str, dt.datetime | None]:
    now = timezone.now()
    return {
        "open": {"valid_from": None, "valid_until": None},
        "ending later": {"valid_from": None, "valid_until": now + dt.timedelta(days=30)},
        "expired": {
            "valid_from": now - dt.timedelta(days=10),
            "valid_until": now - dt.timedelta(days=1),
        },
        "future": {"valid_from": now + dt.timedelta(days=1), "valid_until": None},
    }[kind]


def _user(unit: Unit) -> User:
    return User.objects.get(username=VIEWERS[unit.name])


class World:
    """One random case being built: its participations, consents and content."""

    def __init__(self, data: st.DataObject, forum_name: str) -> None:
        self.data = data
        setup = CASES[forum_name]
        self.forum = Forum.objects.get(name=forum_name)
        self.lead_user = User.objects.get(username=setup["lead"])
        self.lead_unit = Unit.objects.get(name=setup["lead_unit"])
        self.members = [u for u in self.forum.member_units.order_by("name") if u.name in VIEWERS]
        self.exit = self.forum.consent_required
        self.consents: list[ConsentModel] = []
        self.content: list[ContentModel] = []
        self.participations: dict[int, Participation] = {
            self.lead_unit.pk: Participation(
                self.lead_unit, "lead", frozenset(ALL_CATEGORIES), "open", 0
            )
        }
        citizen = services.citizen_create(
            actor=self.lead_user,
            cpr_number=fresh_cpr(setup["age"]),
            first_name="Test",
            last_name="Borger",
        )
        if self.exit:
            # Exit opens no case without a written consent covering the lead unit.
            scope = {self.lead_unit, *self._draw_units("opening consent scope")}
            record = services.consent_for_opening(
                actor=self.lead_user,
                citizen=citizen,
                forum=self.forum,
                lead_unit=self.lead_unit,
                given_by=Consent.GivenBy.CITIZEN,
                scope_units=sorted(scope, key=lambda u: u.pk),
                scope_categories=ALL_CATEGORIES,
                purpose="Exit-forløb",
                form=Consent.Form.WRITTEN,
            )
            self.consents.append(
                ConsentModel(
                    record, frozenset(u.pk for u in scope), frozenset(ALL_CATEGORIES), False
                )
            )
        self.case = services.case_open(
            actor=self.lead_user, citizen=citizen, forum=self.forum, lead_unit=self.lead_unit
        )

    def _draw_units(self, label: str) -> set[Unit]:
        return self.data.draw(st.sets(st.sampled_from(self.members)), label=label)

    def covered(self, unit: Unit) -> bool:
        return any(unit.pk in c.units for c in self.consents if c.record.form == "written")

    def add_participant(self, unit: Unit) -> None:
        if unit.pk in self.participations or (self.exit and not self.covered(unit)):
            return
        participation = Participation(
            unit,
            self.data.draw(st.sampled_from(ROLES), label="role"),
            self.data.draw(CATEGORIES, label="categories"),
            self.data.draw(st.sampled_from(VALIDITY), label="validity"),
            len(self.content),
        )
        services.participant_add(
            actor=self.lead_user,
            case=self.case,
            unit=unit,
            role=participation.role,
            legal_basis=self.forum.default_legal_basis,
            categories=sorted(participation.categories),
            **_validity(participation.validity),
        )
        self.participations[unit.pk] = participation

    def add_consent(self) -> None:
        scope = self._draw_units("scope units") or {self.lead_unit}
        categories = self.data.draw(CATEGORIES, label="scope categories")
        record = services.consent_register(
            actor=self.lead_user,
            case=self.case,
            given_by=Consent.GivenBy.CITIZEN,
            scope_units=sorted(scope, key=lambda u: u.pk),
            scope_categories=sorted(categories),
            purpose="Samarbejde",
            form=Consent.Form.WRITTEN,
        )
        self.consents.append(
            ConsentModel(
                record,
                frozenset(u.pk for u in scope),
                frozenset(categories),
                self.data.draw(st.booleans(), label="withdrawn"),
            )
        )

    def current(self) -> list[Participation]:
        return [p for p in self.participations.values() if p.current]

    def add_content(self) -> None:
        """One random piece of content by a random writer, if the draw admits one."""
        kind = self.data.draw(st.sampled_from(self._kinds()), label="kind")
        writers = [p for p in self.current() if p.role != "informed"]
        author = self.data.draw(st.sampled_from(writers), label="author")
        seen = self._receives(author)
        categories = sorted(
            {INCIDENT_KINDS[k] for k in INCIDENT_KINDS} & seen
            if kind == "incident"
            else set(ALL_CATEGORIES)
        )
        if not categories:
            return
        category = self.data.draw(st.sampled_from(categories), label="category")
        covering = [
            c
            for c in self.consents
            if category in c.categories
            and (not self.exit or author.unit.pk in c.units)
            and c.record.is_active
        ]
        family = [p.unit.pk for p in self.current() if p.unit.unit_type == "family_services"]
        bases = sorted(
            policy.share_bases(
                self.forum.effort_type,
                author.unit.unit_type,
                category,
                consent_required=self.forum.consent_required,
            )
            - ({NOTIFICATION} if not family or kind != "entry" else set())
            - (CONSENT_BASES if not covering else set())
            - {"SUL43_2_2"}
        )
        if not bases:
            return
        basis = self.data.draw(st.sampled_from(bases), label="basis")
        consent = None
        candidates = [p.unit.pk for p in self.current() if p.unit.pk != author.unit.pk]
        if basis in CONSENT_BASES:
            consent = self.data.draw(st.sampled_from(covering), label="consent")
            candidates = [pk for pk in candidates if pk in consent.units]
        if basis == NOTIFICATION:
            named = set(family)
        elif candidates and not self.data.draw(st.booleans(), label="to all"):
            named = self.data.draw(st.sets(st.sampled_from(candidates), min_size=1), label="named")
        else:
            named = set()
        # Where exactly one consent covers it, the author may leave it out (item 11).
        fits = [c for c in covering if named <= c.units] if consent else []
        pass_consent = not (consent and len(fits) == 1 and self.data.draw(st.booleans()))
        marker = f"MARK{next(_markers)}X"
        share = {
            "legal_basis": basis,
            "audience": list(Unit.objects.filter(pk__in=named)),
            "consent": consent.record if consent and pass_consent else None,
        }
        made = self._write(kind, author, category, share, marker)
        if kind == "referral" and named:
            named = named | {made.to_unit_id}  # the unit referred to always receives it
        self.content.append(
            ContentModel(
                kind,
                made.pk,
                marker,
                len(self.content),
                author.unit.pk,
                category,
                basis,
                not named,
                frozenset(named),
                consent,
            )
        )

    def _kinds(self) -> list[str]:
        kinds = ["entry", "contact", "offer", "action", "discussion", "outcome"]
        if len(self.current()) > 1:
            kinds.append("referral")
        if self.forum.effort_type == "psp":
            kinds.append("incident")
        if len(self.case.outcomes.all()) >= 3:
            kinds.remove("outcome")
        return kinds

    def _receives(self, author: Participation) -> set[str]:
        by_default = JOBCENTER_BY_DEFAULT if author.unit.unit_type == "jobcenter" else None
        allowed = set(author.categories)
        if author.unit.unit_type == "school":
            allowed -= SCHOOL_ONLY_WHEN_NAMED
        return allowed & set(by_default) if by_default else allowed

    def _write(
        self, kind: str, author: Participation, category: str, share: dict[str, Any], marker: str
    ) -> Any:
        actor = _user(author.unit)
        case = self.case
        common = {"actor": actor, "case": case, **share}
        if kind == "entry":
            return services.entry_share(
                **common,
                category=category,
                justification="Nødvendigt for samarbejdet.",
                text=marker,
                unit=author.unit,
            )
        if kind == "contact":
            return services.contact_log(
                **common,
                category=category,
                kind="phone",
                result="reached",
                occurred_at=timezone.now(),
                note=marker,
                unit=author.unit,
            )
        if kind == "offer":
            return services.offer_make(**common, category=category, kind="club", note=marker)
        if kind == "referral":
            others = [p.unit for p in self.current() if p.unit.pk != author.unit.pk]
            to_unit = self.data.draw(st.sampled_from(others), label="referred to")
            return services.referral_send(
                **common, category=category, to_unit=to_unit, purpose=marker
            )
        if kind == "incident":
            incident_kind = next(k for k, c in INCIDENT_KINDS.items() if c == category)
            return services.incident_record(
                **common,
                kind=incident_kind,
                occurred_on=timezone.localdate(),
                note=marker,
            )
        if kind == "outcome":
            used = set(case.outcomes.values_list("milestone", flat=True))
            milestone = min({3, 6, 12} - used)
            return services.outcome_record(
                **common,
                category=category,
                milestone=milestone,
                education="none",
                job="none",
                housing="stable",
                note=marker,
            )
        if kind == "action":
            return services.action_create(
                **common,
                category=category,
                title=marker,
                responsible=actor,
                due_at=timezone.now() + dt.timedelta(days=7),
            )
        meeting = services.meeting_schedule(
            actor=self.lead_user,
            forum=self.forum,
            organiser_unit=self.lead_unit,
            starts_at=timezone.now() - dt.timedelta(minutes=5),
            kind="emergency",
        )
        item = services.meeting_add_case(actor=self.lead_user, meeting=meeting, case=case)
        return services.agenda_item_record(
            actor=actor,
            item=item,
            picture=marker,
            assessment="",
            decision="",
            category=category,
            **share,
        )

    def finish(self) -> None:
        for consent in self.consents:
            if consent.withdraw:
                services.consent_withdraw(
                    actor=self.lead_user, case=self.case, consent=consent.record
                )


def _build(data: st.DataObject, forum_name: str) -> World:
    world = World(data, forum_name)
    for unit in world.members:
        if unit.pk != world.lead_unit.pk and data.draw(st.booleans(), label=f"{unit} first"):
            world.add_participant(unit)
    for _ in range(data.draw(st.integers(0, 2), label="consents")):
        world.add_consent()
    for _ in range(data.draw(st.integers(2, 7), label="steps")):
        if data.draw(st.integers(0, 3), label="late joiner?") == 0:
            late = [u for u in world.members if u.pk not in world.participations]
            if late:
                world.add_participant(data.draw(st.sampled_from(late), label="late joiner"))
                continue
        world.add_content()
    world.finish()
    return world


def _expected(unit: Unit, world: World) -> set[tuple[str, int]]:
    """The content sharing-rules.md 3 lets `unit` read, from the generated data alone."""
    participation = world.participations.get(unit.pk)
    if participation is None or not participation.current:
        return set()  # sharing-rules.md 2, rule 1: only while a participant of the case
    if unit.unit_type == "police_investigation":
        return set()  # retsplejeloven § 115, stk. 2, 2. pkt.
    visible = set()
    for item in world.content:
        if item.author_unit == unit.pk:
            visible.add((item.kind, item.pk))  # its own record
            continue
        if participation.joined > item.order:
            continue  # it joined later: no retroactive disclosure
        named = unit.pk in item.named
        addressed = item.audience_all or named
        if unit.unit_type == "jobcenter":
            type_allows = item.category in JOBCENTER_BY_DEFAULT or named
        elif unit.unit_type == "school":
            type_allows = item.category not in SCHOOL_ONLY_WHEN_NAMED or named
        else:
            type_allows = True
        in_participation = item.category in participation.categories
        notification_ok = item.basis != NOTIFICATION or unit.unit_type in NOTIFIED_UNIT_TYPES
        consent_ok = item.basis not in CONSENT_BASES or (
            item.consent is not None and not item.consent.withdraw and unit.pk in item.consent.units
        )
        if addressed and type_allows and in_participation and notification_ok and consent_ok:
            visible.add((item.kind, item.pk))
    return visible


def _actual(viewer: User, case: Case) -> set[tuple[str, int]]:
    return {
        (kind, pk)
        for kind, model in MODELS.items()
        for pk in access.content_for(viewer, case, model).values_list("pk", flat=True)
    }


# Kinds whose text the case page shows (a discussion is on the meeting's pages).
ON_THE_PAGE = frozenset(KINDS) - {"discussion"}
API_KINDS = {"entry": "entries", "contact": "contacts", "action": "actions"}


def _check_screens(viewer: User, world: World, expected: set[tuple[str, int]]) -> None:
    """The case page and the API show exactly the expected content of this viewer."""
    client = Client()
    client.force_login(viewer)
    page = client.get(reverse("coordination:case_detail", args=[world.case.pk]))
    body = page.content.decode() if page.status_code == 200 else ""
    api = token_client(viewer)
    listed: dict[str, set[int]] = {}
    for kind, path in API_KINDS.items():
        response = api.get(f"/api/v1/cases/{world.case.pk}/{path}/?page_size=500")
        rows = response.json().get("results", []) if response.status_code == 200 else []
        listed[kind] = {row["id"] for row in rows}
    for item in world.content:
        shown = (item.kind, item.pk) in expected
        if item.kind in ON_THE_PAGE:
            assert (item.marker in body) == shown, f"{viewer}: {item} on the case page"
        if item.kind in API_KINDS:
            assert (item.pk in listed[item.kind]) == shown, f"{viewer}: {item} in the API"


@pytest.mark.parametrize("forum_name", list(CASES))
@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_kind_of_content_shows_exactly_what_the_rules_allow(
    forum_name: str, kif_user: User, data: st.DataObject
) -> None:
    with transaction.atomic():
        world = _build(data, forum_name)
        for unit_name, username in VIEWERS.items():
            unit = Unit.objects.get(name=unit_name)
            viewer = User.objects.get(username=username)
            actual = _actual(viewer, world.case)
            expected = _expected(unit, world)
            leaked = [c for c in world.content if (c.kind, c.pk) in actual - expected]
            withheld = [c for c in world.content if (c.kind, c.pk) in expected - actual]
            assert not leaked, f"{unit_name} reads content the rules withhold: {leaked}"
            assert not withheld, f"{unit_name} misses content the rules allow: {withheld}"
            if unit.pk in world.participations or unit_name in ("SSP Hjørring", "Efterforskning"):
                _check_screens(viewer, world, expected)
        transaction.set_rollback(True)
