"""A property of access.entries_for, checked on random cases (hypothesis).

On a Knock Knock case and on an Exit case, with random participants (member units of the
forum, random roles, categories and validity), random consents (scopes, withdrawn or not)
and random entries (an author taking part, a random category, a valid basis, all
participants or named ones), `access.entries_for(user, case)` returns exactly the entries
sharing-rules.md 3 lets the user's unit see. In particular it never returns an entry whose audience
or consent excludes the unit, nor one of a category outside the unit's participation, nor
one of a category the law withholds from the unit's type unless the author named it.

The expectation is computed here, in plain Python, from the generated data and from the
rules as sharing-rules.md states them; it does not use access.py or the policy table. The one
exemption it makes, as the product does: a unit sees what it wrote itself.

Each example runs inside a transaction that is rolled back (the database is shared).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import services as account_services
from accounts.models import Membership, Unit, User
from coordination import access, policy, services
from coordination.models import ALL_CATEGORIES, Case, CaseParticipant, Consent, Forum
from tests.conftest import fresh_cpr

pytestmark = pytest.mark.django_db

# --- sharing-rules.md 3, restated independently of coordination/policy.py ------------------

# Jobcenter units see employment, identity and general by default; others only when named.
JOBCENTER_BY_DEFAULT = frozenset({"employment", "identity", "general"})
# School units do not see health entries unless named.
SCHOOL_ONLY_WHEN_NAMED = frozenset({"health"})
# A notification (underretning) goes to child welfare only.
NOTIFICATION = "UNDERRETNING"
NOTIFIED_UNIT_TYPES = frozenset({"family_services"})
# Entries resting on a consent record: visible only to units its active scope covers.
CONSENT_BASES = frozenset({"CONSENT", "SUL43_CONSENT"})


# --- The cases -------------------------------------------------------------------------------

CASES = {
    "Knock Knock Aalborg": {"lead": "ssp.aalborg", "lead_unit": "SSP Aalborg", "age": 16},
    "Exit Nordjylland": {"lead": "politi.forebyg", "lead_unit": "Forebyggelse Aalborg", "age": 27},
}
# Who looks, for each unit (KiF Nordjylland has no persona; the fixture adds a user).
VIEWERS = {
    "SSP Aalborg": "ssp.aalborg",
    "Forebyggelse Aalborg": "politi.forebyg",
    "Familiegrupperne": "fam.aalborg",
    "Jobcenter Aalborg": "job.aalborg",
    "Socialforvaltningen Aalborg": "social.aalborg",
    "KiF Nordjylland": "kif.test",
    "SSP Hjørring": "ssp.hjoerring",  # outsider: never takes part
    "Efterforskning": "politi.efterforsk",  # investigation: never sees prevention data
}
ROLES = (CaseParticipant.Role.PARTICIPANT, CaseParticipant.Role.INFORMED)
# A participation is current (open-ended or ending later), expired, or not yet started.
# Repetitions weight the draw towards cases where the rules have something to decide.
VALIDITY = ("open", "open", "ending later", "expired", "future")
TAKES_PART = st.sampled_from((True, True, True, False))
CATEGORIES = st.one_of(
    st.just(frozenset(ALL_CATEGORIES)), st.frozensets(st.sampled_from(ALL_CATEGORIES), min_size=1)
)


@dataclasses.dataclass
class Participation:
    unit: Unit
    role: str
    categories: frozenset[str]
    validity: str

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
class EntryModel:
    pk: int
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


def _build(data: st.DataObject, forum_name: str) -> tuple[Case, dict, list[EntryModel]]:
    """Draw and create one random case; return it, its participations and its entries."""
    setup = CASES[forum_name]
    forum = Forum.objects.get(name=forum_name)
    lead_user = User.objects.get(username=setup["lead"])
    lead_unit = Unit.objects.get(name=setup["lead_unit"])
    members = list(forum.member_units.order_by("name"))
    citizen = services.citizen_create(
        actor=lead_user, cpr_number=fresh_cpr(setup["age"]), first_name="Test", last_name="Borger"
    )
    case = services.case_open(actor=lead_user, citizen=citizen, forum=forum, lead_unit=lead_unit)

    participations: dict[int, Participation] = {
        lead_unit.pk: Participation(lead_unit, "lead", frozenset(ALL_CATEGORIES), "open")
    }
    for unit in members:
        if unit.pk == lead_unit.pk or not data.draw(TAKES_PART, label=f"{unit} takes part"):
            continue
        participation = Participation(
            unit,
            data.draw(st.sampled_from(ROLES), label="role"),
            data.draw(CATEGORIES, label="categories"),
            data.draw(st.sampled_from(VALIDITY), label="validity"),
        )
        services.participant_add(
            actor=lead_user,
            case=case,
            unit=unit,
            role=participation.role,
            legal_basis=forum.default_legal_basis,
            categories=sorted(participation.categories),
            **_validity(participation.validity),
        )
        participations[unit.pk] = participation

    consents = []
    exit_forum = forum.consent_required
    for _ in range(data.draw(st.integers(1 if exit_forum else 0, 3), label="consents")):
        scope = data.draw(st.sets(st.sampled_from(members), min_size=1), label="scope units")
        categories = data.draw(CATEGORIES, label="scope categories")
        record = services.consent_register(
            actor=lead_user,
            case=case,
            given_by=Consent.GivenBy.CITIZEN,
            scope_units=sorted(scope, key=lambda u: u.pk),
            scope_categories=sorted(categories),
            purpose="Samarbejde",
            form=Consent.Form.WRITTEN,
        )
        consents.append(
            ConsentModel(
                record,
                frozenset(u.pk for u in scope),
                frozenset(categories),
                data.draw(st.booleans(), label="withdrawn"),
            )
        )

    writers = [p for p in participations.values() if p.current and p.role != "informed"]
    recipients = sorted(pk for pk, p in participations.items() if p.current)
    family = [pk for pk in recipients if participations[pk].unit.unit_type == "family_services"]
    entries = []
    for _ in range(data.draw(st.integers(2, 8), label="entries")):
        author = data.draw(st.sampled_from(writers), label="author")
        covered = sorted({c for consent in consents for c in consent.categories})
        category = data.draw(
            st.sampled_from(covered if exit_forum else ALL_CATEGORIES), label="category"
        )
        # The bases the policy allows for it (generation only; the expectation below does
        # not use the policy), less those the generated data cannot support.
        bases = sorted(
            policy.share_bases(forum.effort_type, author.unit.unit_type, category)
            - ({NOTIFICATION} if not family else set())
            - (CONSENT_BASES if not any(category in c.categories for c in consents) else set())
            - {"SUL43_2_2"}
        )
        basis = data.draw(st.sampled_from(bases), label="basis")
        consent = None
        candidates = recipients
        if basis in CONSENT_BASES:
            consent = data.draw(
                st.sampled_from([c for c in consents if category in c.categories]), label="consent"
            )
            candidates = [pk for pk in recipients if pk in consent.units]
        if basis == NOTIFICATION:
            named = set(family)
        elif candidates and not data.draw(st.booleans(), label="to all"):
            named = data.draw(st.sets(st.sampled_from(candidates), min_size=1), label="named")
        else:
            named = set()
        entry = services.entry_share(
            actor=User.objects.get(username=VIEWERS[author.unit.name]),
            case=case,
            category=category,
            legal_basis=basis,
            justification="Nødvendigt for samarbejdet.",
            text="Tilfældig testoplysning.",
            audience=list(Unit.objects.filter(pk__in=named)),
            unit=author.unit,
            consent=consent.record if consent else None,
        )
        entries.append(
            EntryModel(
                entry.pk,
                author.unit.pk,
                category,
                basis,
                not named,
                frozenset(named),
                consent,
            )
        )

    for consent in consents:
        if consent.withdraw:
            services.consent_withdraw(actor=lead_user, case=case, consent=consent.record)
    return case, participations, entries


def _expected(unit: Unit, participation: Participation | None, entries: list[EntryModel]) -> set:
    """The entries sharing-rules.md 3 lets `unit` see, from the generated data alone."""
    if participation is None or not participation.current:
        return set()  # sharing-rules.md 2, rule 1: only while a participant of the case
    if unit.unit_type == "police_investigation":
        return set()  # retsplejeloven § 115, stk. 2, 2. pkt.
    visible = set()
    for entry in entries:
        if entry.author_unit == unit.pk:
            visible.add(entry.pk)  # its own record
            continue
        named = unit.pk in entry.named
        addressed = entry.audience_all or named
        if unit.unit_type == "jobcenter":
            type_allows = entry.category in JOBCENTER_BY_DEFAULT or named
        elif unit.unit_type == "school":
            type_allows = entry.category not in SCHOOL_ONLY_WHEN_NAMED or named
        else:
            type_allows = True
        in_participation = entry.category in participation.categories
        notification_ok = entry.basis != NOTIFICATION or unit.unit_type in NOTIFIED_UNIT_TYPES
        consent_ok = entry.basis not in CONSENT_BASES or (
            entry.consent is not None
            and not entry.consent.withdraw
            and unit.pk in entry.consent.units
        )
        if addressed and type_allows and in_participation and notification_ok and consent_ok:
            visible.add(entry.pk)
    return visible


@pytest.mark.parametrize("forum_name", list(CASES))
@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_entries_for_shows_exactly_what_the_rules_allow(
    forum_name: str, kif_user: User, data: st.DataObject
) -> None:
    with transaction.atomic():
        case, participations, entries = _build(data, forum_name)
        for unit_name, username in VIEWERS.items():
            unit = Unit.objects.get(name=unit_name)
            viewer = User.objects.get(username=username)
            actual = set(access.entries_for(viewer, case).values_list("pk", flat=True))
            expected = _expected(unit, participations.get(unit.pk), entries)
            leaked = [e for e in entries if e.pk in actual - expected]
            withheld = [e for e in entries if e.pk in expected - actual]
            assert not leaked, f"{unit_name} sees entries the rules withhold: {leaked}"
            assert not withheld, f"{unit_name} misses entries the rules allow: {withheld}"
        transaction.set_rollback(True)
