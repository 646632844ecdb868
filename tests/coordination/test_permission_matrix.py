"""THE permission matrix: sharing-rules.md sections 2-4 as one executable table.

Every persona of docs/demo-data.md is checked against every case kind below for every action.
The table `GRID` is meant to be read next to sharing-rules.md by a lawyer: one line per persona and
case kind, one column per action. `SPECIAL` adds the rules a grid column cannot show (named
audiences, notifications, health-law bases, consent withdrawal, KSP status, legal review).
Together they form `ROWS`: (persona, case kind, action, expected).

Expected values:
    Y   allowed / visible
    N   not allowed (PermissionDenied) or not visible (the case or entry does not exist
        for the persona)
    R   refused by a rule of the law: the persona may act on the case, but the act itself
        is not allowed (ValidationError), e.g. the wrong legal basis or an outside recipient

Actions (grid columns):
    view      access.can(user, "view_case", case)
    id .. gen whether access.entries_for(user, case) contains the case's entry of that
              category (identity, social, health, police, school, employment, general);
              each entry is addressed to all participants unless `SPECIAL` says otherwise
    log       services.contact_log succeeds
    share     services.entry_share of a "general" entry on the case's own basis succeeds
              (in Exit: on CONSENT, resting on the case's consent)
    manage    services.participant_add of one more admissible forum member unit succeeds
    close     services.case_close succeeds

Every case is built fresh through the services (fixtures are function-scoped); every write
is checked inside a savepoint that is rolled back, so the checks do not affect each other.

Local additions (documented here, made inside the test transaction only):
- "§ 115-møde Aalborg" (s115) and "Pre-exit Aalborg" (pre_exit) are not seeded; they are
  created so that every forum type of policy.FORUM_RULES is in the table.
- KSP Nordjylland has no jobcenter member in the seed; the KSP case kind adds Jobcenter
  Aalborg to the forum (sharing-rules.md 2: "a jobcenter member raises a legal-review flag").
- PSP Aalborg and Knock Knock Aalborg have no member unit left once the realistic
  participants take part; one more admissible unit is added to the forum so that
  "manage" can add a participant (Retspsykiatrisk Afdeling; Lokalpoliti Hobro).
- politi.forebyg (Forebyggelse Aalborg) is a member of KSP Nordjylland and leads the KSP
  case; no extra user is needed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Unit, User
from coordination import access, demo, lifecycle, policy, services
from coordination.access import CaseAction
from coordination.models import (
    ALL_CATEGORIES,
    Action,
    Case,
    CaseParticipant,
    Category,
    Citizen,
    Consent,
    EffortType,
    Entry,
    Forum,
    LegalBasis,
)
from tests.conftest import fresh_cpr
from tests.helpers import unit, user

pytestmark = pytest.mark.django_db

Y, N, R = "Y", "N", "R"
B, C, E = LegalBasis, Category, EffortType

PERSONAS = demo.PERSONA_USERNAMES  # the personas of docs/demo-data.md, in its order

# --- The case kinds ---------------------------------------------------------------------

ALL = tuple(ALL_CATEGORIES)
# The jobcenter's usual categories (coordination/demo.py); used where a row tests the
# participation's own category list rather than the policy's default for jobcenters.
JOB_USUAL = (C.IDENTITY, C.EMPLOYMENT, C.GENERAL)
PART, INFORMED = CaseParticipant.Role.PARTICIPANT, CaseParticipant.Role.INFORMED
FORUM_BASIS = "forum"  # the case's own basis: the forum's default, or the KSP status


@dataclasses.dataclass(frozen=True)
class EntrySpec:
    key: str  # how the table refers to it: the category, or a description
    author: str  # persona username
    category: str
    basis: str = FORUM_BASIS
    audience: tuple[str, ...] = ()  # named units; () = all participants
    on_consent: bool = False  # rests on the case's consent
    decided_by: str = ""  # SUL43_2_2: the deciding health professional (persona)


@dataclasses.dataclass(frozen=True)
class Kind:
    forum: str
    lead: str  # persona who opens and leads the case
    lead_unit: str
    age: int
    participants: tuple[tuple[str, str, tuple[str, ...]], ...]  # (unit, role, categories)
    entries: tuple[EntrySpec, ...]
    manage_unit: str  # the admissible forum member "manage" adds
    track: str = ""
    ksp_basis: str = ""
    consent: tuple[tuple[str, ...], tuple[str, ...]] | None = None  # (units, categories)
    withdraw: bool = False  # withdraw the consent after the entries were written
    close: bool = False  # close the case after the entries were written
    forum_members: tuple[str, ...] = ()  # local additions to the forum's member units


def one_per_category(
    author: str, basis: str = FORUM_BASIS, *, on_consent: bool = False, **override: EntrySpec | None
) -> tuple[EntrySpec, ...]:
    """One entry per category by `author` to all participants; `override` replaces (or,
    with None, leaves out) the entry of a category."""
    specs = []
    for category in ALL_CATEGORIES:
        if category in override:
            if override[category] is not None:
                specs.append(override[category])
            continue
        specs.append(EntrySpec(category, author, category, basis, on_consent=on_consent))
    return tuple(specs)


KK_15_17 = Kind(
    forum="Knock Knock Aalborg",
    lead="ssp.aalborg",
    lead_unit="SSP Aalborg",
    age=16,
    track="15-17",
    # Jobcenter Aalborg takes part with every category, so that its rows test the policy's
    # rule for jobcenters (sharing-rules.md 3), not its participation's category list.
    participants=(
        ("Forebyggelse Aalborg", PART, ALL),
        ("Familiegrupperne", PART, ALL),
        ("Jobcenter Aalborg", PART, ALL),
    ),
    entries=(
        *one_per_category("ssp.aalborg"),
        EntrySpec(
            "health named Jobcenter Aalborg",
            "ssp.aalborg",
            C.HEALTH,
            audience=("Jobcenter Aalborg",),
        ),
        EntrySpec(
            "notification to Familiegrupperne",
            "ssp.aalborg",
            C.SOCIAL,
            B.UNDERRETNING,
            audience=("Familiegrupperne",),
        ),
    ),
    manage_unit="Lokalpoliti Hobro",
    forum_members=("Lokalpoliti Hobro",),
)

EXIT_CONSENT = Kind(
    forum="Exit Nordjylland",
    lead="politi.forebyg",
    lead_unit="Forebyggelse Aalborg",
    age=27,
    participants=(("Socialforvaltningen Aalborg", PART, ALL),),
    # The citizen's written consent, recorded before the case is opened, covers the police
    # and social services, every category but health. The jobcenter is outside it, so it
    # cannot take part at all (sharing-rules.md 2: Exit rests on consent).
    consent=(
        ("Forebyggelse Aalborg", "Socialforvaltningen Aalborg"),
        tuple(c for c in ALL_CATEGORIES if c != C.HEALTH),
    ),
    # No health entry: the consent does not cover health (SPECIAL shows the refusal).
    entries=one_per_category("politi.forebyg", B.CONSENT, on_consent=True, health=None),
    manage_unit="KiF Nordjylland",
)

KINDS: dict[str, Kind] = {
    # PSP Aalborg: police leads; social services and the serving psychiatry take part.
    # Psychiatry's health entry rests on § 115, stk. 1, nr. 2 (RPL115_PSP).
    "psp": Kind(
        forum="PSP Aalborg",
        lead="politi.forebyg",
        lead_unit="Forebyggelse Aalborg",
        age=35,
        participants=(
            ("Socialforvaltningen Aalborg", PART, ALL),
            ("Almenpsykiatrisk Afdeling Syd", PART, ALL),
        ),
        entries=one_per_category(
            "politi.forebyg", health=EntrySpec("health", "psyk.syd", C.HEALTH, B.RPL115_PSP)
        ),
        manage_unit="Retspsykiatrisk Afdeling",
        forum_members=("Retspsykiatrisk Afdeling",),
    ),
    # Knock Knock Aalborg, 15-17 track: SSP leads; police, family services and the
    # jobcenter take part. Extra entries: health named to the jobcenter, a notification.
    "kk_15_17": KK_15_17,
    # Knock Knock Aalborg, 18-25 track: the police are only informed; the jobcenter takes
    # part with its usual categories (identity, employment, general).
    "kk_18_25": Kind(
        forum="Knock Knock Aalborg",
        lead="ssp.aalborg",
        lead_unit="SSP Aalborg",
        age=21,
        track="18-25",
        participants=(
            ("Forebyggelse Aalborg", INFORMED, ALL),
            ("Jobcenter Aalborg", PART, JOB_USUAL),
        ),
        entries=(
            *one_per_category("ssp.aalborg"),
            EntrySpec(
                "health named Jobcenter Aalborg",
                "ssp.aalborg",
                C.HEALTH,
                audience=("Jobcenter Aalborg",),
            ),
        ),
        manage_unit="Familiegrupperne",
    ),
    # SSP Aalborg (10-17): SSP leads; police, the schools and social services take part.
    "ssp": Kind(
        forum="SSP Aalborg",
        lead="ssp.aalborg",
        lead_unit="SSP Aalborg",
        age=14,
        participants=(
            ("Forebyggelse Aalborg", PART, ALL),
            ("Skoler Aalborg", PART, ALL),
            ("Socialforvaltningen Aalborg", PART, ALL),
        ),
        entries=(
            *one_per_category("ssp.aalborg"),
            EntrySpec(
                "health named Skoler Aalborg", "ssp.aalborg", C.HEALTH, audience=("Skoler Aalborg",)
            ),
        ),
        manage_unit="Familiegrupperne",
    ),
    # SSP+ Aalborg (18-25): the jobcenter is an ordinary member here (no legal review).
    "ssp_plus": Kind(
        forum="SSP+ Aalborg",
        lead="ssp.aalborg",
        lead_unit="SSP Aalborg",
        age=21,
        participants=(
            ("Forebyggelse Aalborg", PART, ALL),
            ("Socialforvaltningen Aalborg", PART, ALL),
            ("Jobcenter Aalborg", PART, ALL),
        ),
        entries=one_per_category("ssp.aalborg"),
        manage_unit="KiF Nordjylland",
    ),
    # A § 115 meeting (created for the test): SSP chairs, police and the school take part.
    "s115": Kind(
        forum="§ 115-møde Aalborg",
        lead="ssp.aalborg",
        lead_unit="SSP Aalborg",
        age=15,
        participants=(("Forebyggelse Aalborg", PART, ALL), ("Skoler Aalborg", PART, ALL)),
        entries=one_per_category("ssp.aalborg"),
        manage_unit="Socialforvaltningen Aalborg",
    ),
    # A pre-exit forum (created for the test): SSP leads; police and the jobcenter take part.
    "pre_exit": Kind(
        forum="Pre-exit Aalborg",
        lead="ssp.aalborg",
        lead_unit="SSP Aalborg",
        age=19,
        participants=(("Forebyggelse Aalborg", PART, ALL), ("Jobcenter Aalborg", PART, ALL)),
        entries=one_per_category("ssp.aalborg"),
        manage_unit="UngAalborg",
    ),
    # KSP Nordjylland, nr. 3 a: police leads; social services, Kriminalforsorgen and the
    # jobcenter (added to the forum: legal review) take part.
    "ksp": Kind(
        forum="KSP Nordjylland",
        lead="politi.forebyg",
        lead_unit="Forebyggelse Aalborg",
        age=30,
        ksp_basis=B.RPL115_KSP_A,
        participants=(
            ("Socialforvaltningen Aalborg", PART, ALL),
            ("KiF Nordjylland", PART, ALL),
            ("Jobcenter Aalborg", PART, ALL),
        ),
        entries=one_per_category("politi.forebyg"),
        manage_unit="Lokalpoliti Hjørring",
        forum_members=("Jobcenter Aalborg",),
    ),
    # Infohus Nordjylland: psychiatry takes part outside PSP, so its health entry rests on
    # sundhedsloven § 43, stk. 2, nr. 2, decided by psyk.syd (sharing-rules.md 3, first rule).
    "infohus": Kind(
        forum="Infohus Nordjylland",
        lead="politi.forebyg",
        lead_unit="Forebyggelse Aalborg",
        age=30,
        participants=(
            ("Almenpsykiatrisk Afdeling Syd", PART, ALL),
            ("SSP Aalborg", PART, ALL),
            ("Socialforvaltningen Aalborg", PART, ALL),
        ),
        entries=one_per_category(
            "politi.forebyg",
            health=EntrySpec("health", "psyk.syd", C.HEALTH, B.SUL43_2_2, decided_by="psyk.syd"),
        ),
        manage_unit="KiF Nordjylland",
    ),
    # Exit Nordjylland with an active, scoped consent (see EXIT_CONSENT).
    "exit_consent": EXIT_CONSENT,
    # The same Exit case after the citizen withdrew the consent.
    "exit_withdrawn": dataclasses.replace(EXIT_CONSENT, withdraw=True),
    # The Knock Knock 15-17 case after the lead closed it.
    "closed": dataclasses.replace(KK_15_17, close=True),
}

# Forums the seed does not have (no persona leads one); created inside the test.
LOCAL_FORUMS: dict[str, dict[str, object]] = {
    "§ 115-møde Aalborg": {
        "effort_type": E.S115,
        "default_legal_basis": B.RPL115_SSP,
        "municipality": "Aalborg",
        "age_min": 12,
        "age_max": 17,
        "members": (
            "SSP Aalborg",
            "Forebyggelse Aalborg",
            "Socialforvaltningen Aalborg",
            "Skoler Aalborg",
            "Familiegrupperne",
        ),
    },
    "Pre-exit Aalborg": {
        "effort_type": E.PRE_EXIT,
        "default_legal_basis": B.RPL115_SSP,
        "municipality": "Aalborg",
        "age_min": 15,
        "age_max": 25,
        "members": (
            "SSP Aalborg",
            "Forebyggelse Aalborg",
            "Socialforvaltningen Aalborg",
            "Jobcenter Aalborg",
            "Familiegrupperne",
            "UngAalborg",
        ),
    },
}


# --- THE TABLE ----------------------------------------------------------------------------

GRID_ACTIONS = (
    "view case",
    *(f"view entry: {c}" for c in ALL_CATEGORIES),
    "log contact",
    "share entry",
    "manage participants",
    "close case",
)
NOTHING = (N,) * len(GRID_ACTIONS)

# fmt: off
GRID: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    #                   view  id soc hea pol sch emp gen   log shr mng cls
    "psp": [
        ("politi.forebyg",    (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, Y, Y)),  # lead
        ("social.aalborg",    (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, N, N)),
        # Psychiatry's health information is shared under RPL115_PSP in PSP (sharing-rules.md 3).
        ("psyk.syd",          (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, N, N)),
        ("ssp.aalborg",       NOTHING),  # SSP is no PSP member type (sharing-rules.md 2)
        ("job.aalborg",       NOTHING),  # a jobcenter is no PSP member type
        ("fam.aalborg",       NOTHING),
        ("skole.aalborg",     NOTHING),
        ("ssp.hjoerring",     NOTHING),  # Hjørring sees no Aalborg case (sharing rule 2.1)
        ("politi.efterforsk", NOTHING),  # investigation never (rpl. § 115, stk. 2, 2. pkt.)
        ("statistik",         NOTHING),  # aggregates only (sharing-rules.md 3)
        ("lokalraad.aalborg", NOTHING),
        ("lokalraad.hjoerring", NOTHING),
        ("revisor",           NOTHING),  # the audit log, not case content
        ("admin",             NOTHING),  # a superuser, yet no case content
    ],
    "kk_15_17": [
        ("ssp.aalborg",       (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, Y, Y)),  # lead
        ("politi.forebyg",    (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, N, N)),
        ("fam.aalborg",       (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, N, N)),
        # Jobcenter units see employment, identity and general by default; other
        # categories (health included) only when named (sharing-rules.md 3), see SPECIAL.
        ("job.aalborg",       (Y, Y, N, N, N, N, Y, Y,   Y, Y, N, N)),
        ("social.aalborg",    NOTHING),  # not a Knock Knock member
        ("psyk.syd",          NOTHING),
        ("skole.aalborg",     NOTHING),
        ("ssp.hjoerring",     NOTHING),
        ("politi.efterforsk", NOTHING),
        ("statistik",         NOTHING),
        ("lokalraad.aalborg", NOTHING),
        ("lokalraad.hjoerring", NOTHING),
        ("revisor",           NOTHING),
        ("admin",             NOTHING),
    ],
    "kk_18_25": [
        ("ssp.aalborg",       (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, Y, Y)),
        # Informed participants view but do not log contacts or write.
        ("politi.forebyg",    (Y, Y, Y, Y, Y, Y, Y, Y,   N, N, N, N)),
        ("job.aalborg",       (Y, Y, N, N, N, N, Y, Y,   Y, Y, N, N)),
        ("fam.aalborg",       NOTHING),  # a forum member, but not taking part in this case
        ("social.aalborg",    NOTHING),
        ("psyk.syd",          NOTHING),
        ("skole.aalborg",     NOTHING),
        ("ssp.hjoerring",     NOTHING),
        ("politi.efterforsk", NOTHING),
        ("statistik",         NOTHING),
        ("lokalraad.aalborg", NOTHING),
        ("lokalraad.hjoerring", NOTHING),
        ("revisor",           NOTHING),
        ("admin",             NOTHING),
    ],
    "ssp": [
        ("ssp.aalborg",       (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, Y, Y)),
        ("politi.forebyg",    (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, N, N)),
        ("social.aalborg",    (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, N, N)),
        # School units do not see health entries unless named (sharing-rules.md 3), see SPECIAL.
        ("skole.aalborg",     (Y, Y, Y, N, Y, Y, Y, Y,   Y, Y, N, N)),
        ("fam.aalborg",       NOTHING),  # a forum member, not taking part
        ("job.aalborg",       NOTHING),  # SSP has not formally included the jobcenter
        ("psyk.syd",          NOTHING),
        ("ssp.hjoerring",     NOTHING),
        ("politi.efterforsk", NOTHING),
        ("statistik",         NOTHING),
        ("lokalraad.aalborg", NOTHING),
        ("lokalraad.hjoerring", NOTHING),
        ("revisor",           NOTHING),
        ("admin",             NOTHING),
    ],
    "ssp_plus": [
        ("ssp.aalborg",       (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, Y, Y)),
        ("politi.forebyg",    (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, N, N)),
        ("social.aalborg",    (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, N, N)),
        ("job.aalborg",       (Y, Y, N, N, N, N, Y, Y,   Y, Y, N, N)),
        ("fam.aalborg",       NOTHING),
        ("psyk.syd",          NOTHING),
        ("skole.aalborg",     NOTHING),
        ("ssp.hjoerring",     NOTHING),
        ("politi.efterforsk", NOTHING),
        ("statistik",         NOTHING),
        ("lokalraad.aalborg", NOTHING),
        ("lokalraad.hjoerring", NOTHING),
        ("revisor",           NOTHING),
        ("admin",             NOTHING),
    ],
    "s115": [
        ("ssp.aalborg",       (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, Y, Y)),  # SSP chairs
        ("politi.forebyg",    (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, N, N)),
        ("skole.aalborg",     (Y, Y, Y, N, Y, Y, Y, Y,   Y, Y, N, N)),  # no health unless named
        ("social.aalborg",    NOTHING),  # a member, not taking part
        ("fam.aalborg",       NOTHING),
        ("job.aalborg",       NOTHING),
        ("psyk.syd",          NOTHING),
        ("ssp.hjoerring",     NOTHING),
        ("politi.efterforsk", NOTHING),
        ("statistik",         NOTHING),
        ("lokalraad.aalborg", NOTHING),
        ("lokalraad.hjoerring", NOTHING),
        ("revisor",           NOTHING),
        ("admin",             NOTHING),
    ],
    "pre_exit": [
        ("ssp.aalborg",       (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, Y, Y)),
        ("politi.forebyg",    (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, N, N)),
        ("job.aalborg",       (Y, Y, N, N, N, N, Y, Y,   Y, Y, N, N)),
        ("social.aalborg",    NOTHING),
        ("fam.aalborg",       NOTHING),
        ("psyk.syd",          NOTHING),
        ("skole.aalborg",     NOTHING),
        ("ssp.hjoerring",     NOTHING),
        ("politi.efterforsk", NOTHING),
        ("statistik",         NOTHING),
        ("lokalraad.aalborg", NOTHING),
        ("lokalraad.hjoerring", NOTHING),
        ("revisor",           NOTHING),
        ("admin",             NOTHING),
    ],
    "ksp": [
        ("politi.forebyg",    (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, Y, Y)),
        ("social.aalborg",    (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, N, N)),
        # A jobcenter in KSP: legal review (SPECIAL), and the jobcenter default categories.
        ("job.aalborg",       (Y, Y, N, N, N, N, Y, Y,   Y, Y, N, N)),
        ("ssp.aalborg",       NOTHING),  # SSP is no KSP member type
        ("fam.aalborg",       NOTHING),
        ("psyk.syd",          NOTHING),
        ("skole.aalborg",     NOTHING),
        ("ssp.hjoerring",     NOTHING),
        ("politi.efterforsk", NOTHING),
        ("statistik",         NOTHING),
        ("lokalraad.aalborg", NOTHING),
        ("lokalraad.hjoerring", NOTHING),
        ("revisor",           NOTHING),
        ("admin",             NOTHING),
    ],
    "infohus": [
        ("politi.forebyg",    (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, Y, Y)),
        # The SUL43_2_2 health entry reaches every participant addressed.
        ("psyk.syd",          (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, N, N)),
        ("ssp.aalborg",       (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, N, N)),
        ("social.aalborg",    (Y, Y, Y, Y, Y, Y, Y, Y,   Y, Y, N, N)),
        ("job.aalborg",       NOTHING),
        ("fam.aalborg",       NOTHING),
        ("skole.aalborg",     NOTHING),
        ("ssp.hjoerring",     NOTHING),
        ("politi.efterforsk", NOTHING),
        ("statistik",         NOTHING),
        ("lokalraad.aalborg", NOTHING),
        ("lokalraad.hjoerring", NOTHING),
        ("revisor",           NOTHING),
        ("admin",             NOTHING),
    ],
    # Exit: an entry is visible only to units covered by the active consent (sharing-rules.md 3).
    # The health column is N for everyone: the consent does not cover health, so no health
    # entry exists (SPECIAL shows that sharing one is refused).
    "exit_consent": [
        # Adding KiF Nordjylland is refused: the consent does not cover it (R).
        ("politi.forebyg",    (Y, Y, Y, N, Y, Y, Y, Y,   Y, Y, R, Y)),
        ("social.aalborg",    (Y, Y, Y, N, Y, Y, Y, Y,   Y, Y, N, N)),
        # Outside the consent: cannot take part, so sees nothing (SPECIAL: adding it).
        ("job.aalborg",       NOTHING),
        ("ssp.aalborg",       NOTHING),  # SSP is no Exit member type
        ("fam.aalborg",       NOTHING),
        ("psyk.syd",          NOTHING),
        ("skole.aalborg",     NOTHING),
        ("ssp.hjoerring",     NOTHING),
        ("politi.efterforsk", NOTHING),
        ("statistik",         NOTHING),
        ("lokalraad.aalborg", NOTHING),
        ("lokalraad.hjoerring", NOTHING),
        ("revisor",           NOTHING),
        ("admin",             NOTHING),
    ],
    # Withdrawal hides consent-based entries at once (sharing-rules.md 3, 4); nothing more can be
    # shared on the withdrawn consent (R). The author unit keeps seeing what it wrote.
    # With no active consent nothing more is logged, shared or added (R): the lead is told
    # and closes the case.
    "exit_withdrawn": [
        ("politi.forebyg",    (Y, Y, Y, N, Y, Y, Y, Y,   R, R, R, Y)),  # the author
        ("social.aalborg",    (Y, N, N, N, N, N, N, N,   R, R, N, N)),
        ("job.aalborg",       NOTHING),
        ("ssp.aalborg",       NOTHING),
        ("fam.aalborg",       NOTHING),
        ("psyk.syd",          NOTHING),
        ("skole.aalborg",     NOTHING),
        ("ssp.hjoerring",     NOTHING),
        ("politi.efterforsk", NOTHING),
        ("statistik",         NOTHING),
        ("lokalraad.aalborg", NOTHING),
        ("lokalraad.hjoerring", NOTHING),
        ("revisor",           NOTHING),
        ("admin",             NOTHING),
    ],
    # A closed case stays readable to its participants but takes no more work
    # (access.WRITE_ACTIONS; services.case_close).
    "closed": [
        ("ssp.aalborg",       (Y, Y, Y, Y, Y, Y, Y, Y,   N, N, N, N)),
        ("politi.forebyg",    (Y, Y, Y, Y, Y, Y, Y, Y,   N, N, N, N)),
        ("fam.aalborg",       (Y, Y, Y, Y, Y, Y, Y, Y,   N, N, N, N)),
        ("job.aalborg",       (Y, Y, N, N, N, N, Y, Y,   N, N, N, N)),
        ("social.aalborg",    NOTHING),
        ("psyk.syd",          NOTHING),
        ("skole.aalborg",     NOTHING),
        ("ssp.hjoerring",     NOTHING),
        ("politi.efterforsk", NOTHING),
        ("statistik",         NOTHING),
        ("lokalraad.aalborg", NOTHING),
        ("lokalraad.hjoerring", NOTHING),
        ("revisor",           NOTHING),
        ("admin",             NOTHING),
    ],
}

# The rules a grid column cannot show: (persona, case kind, action, expected).
SPECIAL: list[tuple[str, str, str, str]] = [
    # sharing-rules.md 3: health information from psychiatry travels on RPL115_PSP in PSP ...
    ("psyk.syd",       "psp",      "share health on RPL115_PSP",                         Y),
    # ... and PSP rests on nr. 2, not on the SSP basis (sharing-rules.md 2).
    ("politi.forebyg", "psp",      "share general on RPL115_SSP",                        R),
    # sharing-rules.md 2: the law admits only police, social services and psychiatry to PSP.
    ("politi.forebyg", "psp",      "add Jobcenter Aalborg after the forum included it",  R),
    # Investigation never takes part (rpl. § 115, stk. 2, 2. pkt.), not even as a member.
    ("politi.forebyg", "psp",      "add Efterforskning after the forum included it",     R),
    ("ssp.aalborg",    "kk_15_17", "add Efterforskning after the forum included it",     R),
    ("politi.efterforsk", "kk_15_17", "take emergency access",                           N),
    ("ssp.hjoerring",  "kk_15_17", "take emergency access",                              N),
    # Jobcenter: other categories only when named (sharing-rules.md 3).
    ("job.aalborg",    "kk_15_17", "view entry: health named Jobcenter Aalborg",         Y),
    ("politi.forebyg", "kk_15_17", "view entry: health named Jobcenter Aalborg",         N),
    ("fam.aalborg",    "kk_15_17", "view entry: health named Jobcenter Aalborg",         N),
    ("ssp.aalborg",    "kk_15_17", "share health naming Jobcenter Aalborg",              Y),
    # ... but never beyond the categories its participation carries (CaseParticipant).
    ("job.aalborg",    "kk_18_25", "view entry: health named Jobcenter Aalborg",         N),
    # A notification (UNDERRETNING) goes to child welfare only.
    ("fam.aalborg",    "kk_15_17", "view entry: notification to Familiegrupperne",       Y),
    ("ssp.aalborg",    "kk_15_17", "view entry: notification to Familiegrupperne",       Y),
    ("job.aalborg",    "kk_15_17", "view entry: notification to Familiegrupperne",       N),
    ("politi.forebyg", "kk_15_17", "view entry: notification to Familiegrupperne",       N),
    ("ssp.aalborg",    "kk_15_17", "share UNDERRETNING naming Familiegrupperne",         Y),
    ("ssp.aalborg",    "kk_15_17", "share UNDERRETNING naming Jobcenter Aalborg",        R),
    ("ssp.aalborg",    "kk_15_17", "share UNDERRETNING to all participants",             R),
    # Outside psychiatry, health written by others rests on the forum's basis; the
    # health-law bases are psychiatry's.
    ("ssp.aalborg",    "kk_15_17", "share health on SUL43_2_2 decided by psyk.syd",      R),
    # sharing-rules.md 3: the author writes the necessity justification.
    ("ssp.aalborg",    "kk_15_17", "share general without a necessity justification",    R),
    # sharing-rules.md 4: a consent given by a guardian (also with the 15-17-year-old) names them.
    ("ssp.aalborg",    "kk_15_17", "register a consent by citizen and guardian, guardian unnamed", R),  # noqa: E501
    # sharing-rules.md 2, rule 1: only while the unit is a registered member of the forum.
    ("job.aalborg",    "kk_15_17", "view case after the forum removed Jobcenter Aalborg", N),
    # sharing-rules.md 2, rule 2: outside the age band only with a recorded reason.
    ("ssp.aalborg",    "kk_15_17", "open a case for a 30-year-old without a reason",     R),
    ("ssp.aalborg",    "kk_15_17", "open a case for a 30-year-old with a reason",        Y),
    # School units see health only when named (sharing-rules.md 3).
    ("skole.aalborg",  "ssp",      "view entry: health named Skoler Aalborg",            Y),
    ("politi.forebyg", "ssp",      "view entry: health named Skoler Aalborg",            N),
    # SSP: a jobcenter only when the forum formally included it, then with legal review.
    ("ssp.aalborg",    "ssp",      "add Jobcenter Aalborg",                              R),
    ("ssp.aalborg",    "ssp",      "add Jobcenter Aalborg after the forum included it: legal review", Y),  # noqa: E501
    ("fam.aalborg",    "ssp",      "take emergency access",                              Y),
    ("job.aalborg",    "ssp_plus", "participation flagged for legal review",             N),
    # KSP (sharing-rules.md 2, rule 3): nr. 3 a, b or c must be recorded.
    ("politi.forebyg", "ksp",      "open a KSP case without recording nr. 3 a/b/c",      R),
    ("politi.forebyg", "ksp",      "open a KSP case recording nr. 3 c",                  Y),
    ("politi.forebyg", "ksp",      "share general on RPL115_SSP",                        R),
    # KSP: a jobcenter member raises a legal-review flag; other members do not.
    ("job.aalborg",    "ksp",      "participation flagged for legal review",             Y),
    ("social.aalborg", "ksp",      "participation flagged for legal review",             N),
    ("job.aalborg",    "ksp",      "open a KSP case led by Jobcenter Aalborg: legal review", Y),
    # KSP admits only Kriminalforsorgen, social services and police (sharing-rules.md 2).
    ("politi.forebyg", "ksp",      "add Skoler Aalborg after the forum included it",     R),
    ("skole.aalborg",  "ksp",      "open a KSP case led by Skoler Aalborg after the forum included it", R),  # noqa: E501
    # Outside PSP, psychiatry's health information needs SUL43_CONSENT or SUL43_2_2;
    # SUL43_2_2 records the deciding health professional and creates a task (sharing-rules.md 3).
    ("psyk.syd",       "infohus",  "share health on RPL115_PSP",                         R),
    ("psyk.syd",       "infohus",  "share health on RPL115_SSP",                         R),
    ("psyk.syd",       "infohus",  "share health on SUL43_2_2 without a deciding professional", R),
    ("psyk.syd",       "infohus",  "share health on SUL43_2_2 decided by ssp.aalborg",   R),
    ("psyk.syd",       "infohus",  "share health on SUL43_2_2 decided by psyk.syd: task to inform the patient", Y),  # noqa: E501
    ("psyk.syd",       "infohus",  "share health on SUL43_CONSENT without a consent",    R),
    ("psyk.syd",       "infohus",  "share health on SUL43_CONSENT with a consent",       Y),
    # "any CONSENT entry" (sharing-rules.md 3): withdrawal hides health shared on consent too.
    ("social.aalborg", "infohus",  "view a SUL43_CONSENT health entry",                  Y),
    ("social.aalborg", "infohus",  "view a SUL43_CONSENT health entry after withdrawal", N),
    # ... except for the author's own unit, which keeps its record.
    ("psyk.syd",       "infohus",  "view a SUL43_CONSENT health entry after withdrawal", Y),
    # Exit rests on the citizen's consent (sharing-rules.md 2, 3).
    ("politi.forebyg", "exit_consent", "share general on RPL115_SSP",                    R),
    # The consent's scope: health is not covered, Jobcenter Aalborg is not covered.
    ("politi.forebyg", "exit_consent", "share health on CONSENT",                        R),
    ("politi.forebyg", "exit_consent", "share general on CONSENT naming Jobcenter Aalborg", R),
    # ... and no case, participant or content without an active written consent covering
    # the unit (sharing-rules.md 2).
    ("politi.forebyg", "exit_consent", "add Jobcenter Aalborg",                          R),
    ("politi.forebyg", "exit_consent", "open an Exit case without a consent",             R),
    ("politi.forebyg", "exit_consent", "open an Exit case on a written consent",          Y),
    ("politi.forebyg", "exit_consent", "open an Exit case on an oral consent",            R),
    # Without naming a consent, the one active consent covering it is used; with two that
    # cover it, the author must choose (the error names them).
    ("politi.forebyg", "exit_consent", "share general on CONSENT without a consent",     Y),
    ("politi.forebyg", "exit_consent", "share general on CONSENT, two consents cover it", R),
    # Exit consent is "required, written, scoped" (sharing-rules.md 2).
    ("politi.forebyg", "exit_consent", "register an oral consent",                       R),
    # sharing-rules.md 4: where § 115 applies, going on without consent is a recorded decision
    # (who decided); Exit rests on consent and cannot go on without it.
    ("ssp.aalborg",    "s115",     "record a decision to go on without consent",         Y),
    ("skole.aalborg",  "s115",     "record a decision to go on without consent",         Y),
    # A § 115 meeting is chaired by SSP: its cases are led by an SSP unit (sharing-rules.md 2).
    ("politi.forebyg", "s115",     "open a case led by Forebyggelse Aalborg",            R),
    ("ssp.aalborg",    "s115",     "open a case led by SSP Aalborg",                     Y),
    # ... and the police must take part: until it does, the case is flagged for review.
    ("ssp.aalborg",    "s115",     "a case without the police is flagged for legal review", Y),
    ("ssp.aalborg",    "s115",     "a case without consent or a decision is flagged",    Y),
    # An informed participant does not write, so it does not decide either.
    ("politi.forebyg", "kk_18_25", "record a decision to go on without consent",         N),
    ("politi.forebyg", "exit_consent", "record a decision to go on without consent",     R),
    # The life of a case (sharing-rules.md 6): the lead unit reviews and decides at the age
    # band's end; its reasons are its own; a coordinator of a unit taking part, or an
    # administrator, puts the case on legal hold; every participant sees that it is held.
    ("politi.forebyg", "psp",      "review the case: still necessary",                   Y),
    ("social.aalborg", "psp",      "review the case: still necessary",                   N),
    ("psyk.syd",       "psp",      "review the case: still necessary",                   N),
    ("admin",          "psp",      "review the case: still necessary",                   N),
    ("politi.forebyg", "psp",      "read the lead's review reason",                      Y),
    ("social.aalborg", "psp",      "read the lead's review reason",                      N),
    ("psyk.syd",       "psp",      "read the lead's review reason",                      N),
    ("ssp.hjoerring",  "psp",      "read the lead's review reason",                      N),
    ("politi.forebyg", "psp",      "put the case on legal hold",                         Y),
    ("admin",          "psp",      "put the case on legal hold",                         Y),
    ("social.aalborg", "psp",      "put the case on legal hold",                         N),
    ("psyk.syd",       "psp",      "put the case on legal hold",                         N),
    ("revisor",        "psp",      "put the case on legal hold",                         N),
    ("ssp.hjoerring",  "psp",      "put the case on legal hold",                         N),
    ("politi.forebyg", "psp",      "read the legal hold's reason",                       Y),
    ("social.aalborg", "psp",      "read the legal hold's reason",                       N),
    ("psyk.syd",       "psp",      "see that the case is on hold",                       Y),
    ("ssp.hjoerring",  "psp",      "see that the case is on hold",                       N),
    ("ssp.aalborg",    "kk_15_17", "review the case: still necessary",                   Y),
    ("politi.forebyg", "kk_15_17", "review the case: still necessary",                   N),
    # A coordinator of a participating unit (not the lead) may hold; a caseworker may not.
    ("politi.forebyg", "kk_15_17", "put the case on legal hold",                         Y),
    ("ssp.aalborg",    "kk_15_17", "put the case on legal hold",                         N),
    ("fam.aalborg",    "kk_15_17", "put the case on legal hold",                         N),
    # The decision at the band's end is the lead's, and only when one is due (the 16-year-old
    # leaves the 15-17 track in about two years).
    ("ssp.aalborg",    "kk_15_17", "decide at the age band's end",                       R),
    ("politi.forebyg", "kk_15_17", "decide at the age band's end",                       N),
    ("ssp.aalborg",    "kk_15_17", "decide at the age band's end, a month before 18",    Y),
    ("fam.aalborg",    "kk_15_17", "decide at the age band's end, a month before 18",    N),
    # A consent ends at its "valid until" (sharing-rules.md 4).
    ("social.aalborg", "exit_consent", "view entry: social after the consent expired",   N),
    # Withdrawal takes effect at once: the next query no longer returns the entry.
    ("social.aalborg", "exit_consent", "view entry: social after withdrawing the consent", N),
]
# fmt: on

ROWS: list[tuple[str, str, str, str]] = [
    (persona_name, kind, action, expected)
    for kind, lines in GRID.items()
    for persona_name, cells in lines
    for action, expected in zip(GRID_ACTIONS, cells, strict=True)
] + SPECIAL


# --- Building a case kind through the services ---------------------------------------------


@dataclasses.dataclass
class Built:
    kind: str
    case: Case
    entries: dict[str, Entry]
    consent: Consent | None

    @property
    def spec(self) -> Kind:
        return KINDS[self.kind]

    @property
    def basis(self) -> str:
        return self.case.ksp_basis or self.case.forum.default_legal_basis


def forum_named(name: str) -> Forum:
    local = LOCAL_FORUMS.get(name)
    if local is None:
        return Forum.objects.get(name=name)
    fields = {k: v for k, v in local.items() if k != "members"}
    forum, _created = Forum.objects.get_or_create(name=name, defaults=fields)
    forum.member_units.add(*Unit.objects.filter(name__in=local["members"]))
    return forum


def new_citizen(actor: User, age: int) -> Citizen:
    return services.citizen_create(
        actor=actor, cpr_number=fresh_cpr(age), first_name="Test", last_name="Borger"
    )


def share(
    actor: User,
    built: Built,
    category: str,
    basis: str,
    *,
    audience: Iterable[str] = (),
    consent: Consent | None = None,
    decided_by: str = "",
) -> Entry:
    return services.entry_share(
        actor=actor,
        case=built.case,
        category=category,
        legal_basis=basis,
        justification="Nødvendigt for at koordinere den forebyggende indsats.",
        text=f"Testoplysning ({category}).",
        audience=[unit(name) for name in audience],
        consent=consent,
        deciding_professional=user(decided_by) if decided_by else None,
    )


def register_consent(
    actor: User, case: Case, units: Iterable[str], categories: Iterable[str], form: str = "written"
) -> Consent:
    return services.consent_register(
        actor=actor,
        case=case,
        given_by=Consent.GivenBy.CITIZEN,
        scope_units=[unit(name) for name in units],
        scope_categories=list(categories),
        purpose="Exit-forløb",
        form=form,
        valid_until=timezone.now() + dt.timedelta(days=365),
        document_reference="Samtykkeerklæring",
    )


def consent_for_opening(
    lead: User,
    citizen: Citizen,
    forum: Forum,
    lead_unit: str,
    units: Iterable[str],
    categories: Iterable[str],
    form: str = "written",
) -> Consent:
    return services.consent_for_opening(
        actor=lead,
        citizen=citizen,
        forum=forum,
        lead_unit=unit(lead_unit),
        given_by=Consent.GivenBy.CITIZEN,
        scope_units=[unit(name) for name in units],
        scope_categories=list(categories),
        purpose="Exit-forløb",
        form=form,
        valid_until=timezone.now() + dt.timedelta(days=365),
        document_reference="Samtykkeerklæring",
    )


def _open_exit(consent_form: str | None) -> Check:
    def run(actor: User, built: Built) -> str:
        citizen = new_citizen(actor, 30)
        forum = built.case.forum
        if consent_form is not None:
            consent_for_opening(
                actor, citizen, forum, built.spec.lead_unit, [built.spec.lead_unit],
                [C.GENERAL], form=consent_form,
            )  # fmt: skip
        services.case_open(
            actor=actor, citizen=citizen, forum=forum, lead_unit=unit(built.spec.lead_unit)
        )
        return Y

    return run


def build(kind_name: str) -> Built:
    kind = KINDS[kind_name]
    forum = forum_named(kind.forum)
    forum.member_units.add(*Unit.objects.filter(name__in=kind.forum_members))
    lead = user(kind.lead)
    citizen = new_citizen(lead, kind.age)
    opening_consent = None
    if kind.consent is not None:
        # A forum resting on consent opens no case without it (sharing-rules.md 2).
        opening_consent = consent_for_opening(lead, citizen, forum, kind.lead_unit, *kind.consent)
    case = services.case_open(
        actor=lead,
        citizen=citizen,
        forum=forum,
        lead_unit=unit(kind.lead_unit),
        track=kind.track,
        ksp_basis=kind.ksp_basis,
    )
    basis = kind.ksp_basis or forum.default_legal_basis
    for unit_name, role, categories in kind.participants:
        services.participant_add(
            actor=lead,
            case=case,
            unit=unit(unit_name),
            role=role,
            legal_basis=basis,
            categories=categories,
        )
    built = Built(kind_name, case, {}, opening_consent)
    for spec in kind.entries:
        built.entries[spec.key] = share(
            user(spec.author),
            built,
            spec.category,
            basis if spec.basis == FORUM_BASIS else spec.basis,
            audience=spec.audience,
            consent=built.consent if spec.on_consent else None,
            decided_by=spec.decided_by,
        )
    if kind.withdraw:
        assert built.consent is not None
        services.consent_withdraw(actor=lead, case=case, consent=built.consent)
    if kind.close:
        services.case_close(actor=lead, case=case, reason="Indsatsen er afsluttet")
    return built


# --- The actions ---------------------------------------------------------------------------

Check = Callable[[User, Built], str]
CHECKS: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        CHECKS[name] = function
        return function

    return register


@check("log contact")
def _log(actor: User, built: Built) -> str:
    services.contact_log(
        actor=actor, case=built.case, kind="phone", result="reached", occurred_at=timezone.now()
    )
    return Y


@check("share entry")
def _share_general(actor: User, built: Built) -> str:
    on_consent = built.basis in policy.CONSENT_BASES
    share(actor, built, C.GENERAL, built.basis, consent=built.consent if on_consent else None)
    return Y


@check("manage participants")
def _manage(actor: User, built: Built) -> str:
    services.participant_add(
        actor=actor,
        case=built.case,
        unit=unit(built.spec.manage_unit),
        role=PART,
        legal_basis=built.basis,
        categories=ALL,
    )
    return Y


@check("close case")
def _close(actor: User, built: Built) -> str:
    services.case_close(actor=actor, case=built.case, reason="Indsatsen er afsluttet")
    return Y


def _visible_or_denied(viewer: User, built: Built) -> None:
    if not access.can(viewer, CaseAction.VIEW, built.case):
        raise PermissionDenied


@check("review the case: still necessary")
def _review(actor: User, built: Built) -> str:
    services.case_review(actor=actor, case=built.case, decision="continue", reason="Nødvendig")
    return Y


@check("read the lead's review reason")
def _review_reason(viewer: User, built: Built) -> str:
    lead = built.case.coordinator
    assert lead is not None
    services.case_review(actor=lead, case=built.case, decision="continue", reason="Begrundelse")
    _visible_or_denied(viewer, built)
    [review] = access.reviews_for(viewer, built.case)
    return Y if review.reason_visible else N  # type: ignore[attr-defined]


@check("put the case on legal hold")
def _hold(actor: User, built: Built) -> str:
    until = timezone.localdate() + dt.timedelta(days=90)
    services.legal_hold_place(actor=actor, case=built.case, reason="Klagesag", until=until)
    return Y


def _held(built: Built) -> None:
    until = timezone.localdate() + dt.timedelta(days=90)
    services.legal_hold_place(actor=user("admin"), case=built.case, reason="Klagesag", until=until)


@check("read the legal hold's reason")
def _hold_reason(viewer: User, built: Built) -> str:
    _held(built)
    _visible_or_denied(viewer, built)
    [hold] = access.legal_holds_for(viewer, built.case)
    return Y if hold.reason_visible else N  # type: ignore[attr-defined]


@check("see that the case is on hold")
def _hold_seen(viewer: User, built: Built) -> str:
    _held(built)
    _visible_or_denied(viewer, built)
    return (
        Y
        if lifecycle.dates(built.case, access.legal_holds_for(viewer, built.case)).held_until
        else N
    )


@check("decide at the age band's end")
def _handover(actor: User, built: Built) -> str:
    services.case_handover(actor=actor, case=built.case, decision="move_track", reason="18-25")
    return Y


@check("decide at the age band's end, a month before 18")
def _handover_due(actor: User, built: Built) -> str:
    citizen = built.case.citizen
    eighteen = timezone.localdate() + dt.timedelta(days=20)
    citizen.birth_date = eighteen.replace(year=eighteen.year - 18)
    citizen.save(update_fields=["birth_date"])
    case = Case.objects.select_related("citizen", "forum").get(pk=built.case.pk)
    services.case_handover(actor=actor, case=case, decision="move_track", reason="18-25")
    return Y


def _sharing(category: str, basis: str, **options: object) -> Check:
    def run(actor: User, built: Built) -> str:
        share(actor, built, category, basis, **options)  # type: ignore[arg-type]
        return Y

    return run


for _name, _check in {
    "share health on RPL115_PSP": _sharing(C.HEALTH, B.RPL115_PSP),
    "share health on RPL115_SSP": _sharing(C.HEALTH, B.RPL115_SSP),
    "share general on RPL115_SSP": _sharing(C.GENERAL, B.RPL115_SSP),
    "share health naming Jobcenter Aalborg": _sharing(
        C.HEALTH, B.RPL115_SSP, audience=["Jobcenter Aalborg"]
    ),
    "share UNDERRETNING naming Familiegrupperne": _sharing(
        C.SOCIAL, B.UNDERRETNING, audience=["Familiegrupperne"]
    ),
    "share UNDERRETNING naming Jobcenter Aalborg": _sharing(
        C.SOCIAL, B.UNDERRETNING, audience=["Jobcenter Aalborg"]
    ),
    "share UNDERRETNING to all participants": _sharing(C.SOCIAL, B.UNDERRETNING),
    "share health on SUL43_2_2 without a deciding professional": _sharing(C.HEALTH, B.SUL43_2_2),
    "share health on SUL43_2_2 decided by ssp.aalborg": _sharing(
        C.HEALTH, B.SUL43_2_2, decided_by="ssp.aalborg"
    ),
    "share health on SUL43_2_2 decided by psyk.syd": _sharing(
        C.HEALTH, B.SUL43_2_2, decided_by="psyk.syd"
    ),
    "share health on SUL43_CONSENT without a consent": _sharing(C.HEALTH, B.SUL43_CONSENT),
    "share general on CONSENT without a consent": _sharing(C.GENERAL, B.CONSENT),
}.items():
    CHECKS[_name] = _check


@check("share general on CONSENT, two consents cover it")
def _share_two_consents(actor: User, built: Built) -> str:
    register_consent(actor, built.case, ["Forebyggelse Aalborg"], [C.GENERAL])
    try:
        share(actor, built, C.GENERAL, B.CONSENT)
    except ValidationError as error:
        if "#" not in " ".join(error.message_dict.get("consent", [])):
            return "the error does not name the candidates"
        raise
    return Y


@check("a case without the police is flagged for legal review")
def _s115_flag(actor: User, built: Built) -> str:
    case = services.case_open(
        actor=actor,
        citizen=new_citizen(actor, 15),
        forum=built.case.forum,
        lead_unit=unit("SSP Aalborg"),
    )
    client = Client()
    client.force_login(actor)
    url = reverse("coordination:case_detail", args=[case.pk])
    if 'data-testid="composition-flag"' not in client.get(url).content.decode():
        return "not flagged"
    services.participant_add(
        actor=actor,
        case=case,
        unit=unit("Forebyggelse Aalborg"),
        role=PART,
        legal_basis=B.RPL115_SSP,
        categories=ALL,
    )
    flagged = 'data-testid="composition-flag"' in client.get(url).content.decode()
    return "still flagged with the police taking part" if flagged else Y


@check("a case without consent or a decision is flagged")
def _s115_consent_flag(actor: User, built: Built) -> str:
    client = Client()
    client.force_login(actor)
    url = reverse("coordination:case_detail", args=[built.case.pk])
    if 'data-testid="consent-flag"' not in client.get(url).content.decode():
        return "not flagged"
    services.consent_decision_record(
        actor=actor, case=built.case, situation="not_obtainable", reasoning="Akut risiko."
    )
    flagged = 'data-testid="consent-flag"' in client.get(url).content.decode()
    return "still flagged after the decision" if flagged else Y


@check("share health on CONSENT")
def _share_health_on_consent(actor: User, built: Built) -> str:
    share(actor, built, C.HEALTH, B.CONSENT, consent=built.consent)
    return Y


@check("share general on CONSENT naming Jobcenter Aalborg")
def _share_outside_consent(actor: User, built: Built) -> str:
    share(actor, built, C.GENERAL, B.CONSENT, audience=["Jobcenter Aalborg"], consent=built.consent)
    return Y


@check("share health on SUL43_2_2 decided by psyk.syd: task to inform the patient")
def _share_sul43_2_2(actor: User, built: Built) -> str:
    entry = share(actor, built, C.HEALTH, B.SUL43_2_2, decided_by="psyk.syd")
    if entry.deciding_professional != user("psyk.syd"):
        return "no deciding professional recorded"
    tasks = Action.objects.filter(case=built.case, responsible=user("psyk.syd"))
    return Y if tasks.exists() else "no task to inform the patient"


def _health_consent(built: Built) -> Consent:
    """psyk.syd records the patient's consent to share health with the case's units."""
    units = [p.unit.name for p in built.case.participants.select_related("unit")]
    return register_consent(user("psyk.syd"), built.case, units, [C.HEALTH])


@check("share health on SUL43_CONSENT with a consent")
def _share_sul43_consent(actor: User, built: Built) -> str:
    share(actor, built, C.HEALTH, B.SUL43_CONSENT, consent=_health_consent(built))
    return Y


def _sees(viewer: User, built: Built, entry: Entry) -> str:
    return Y if access.entries_for(viewer, built.case).filter(pk=entry.pk).exists() else N


@check("view a SUL43_CONSENT health entry")
def _view_sul43_consent(viewer: User, built: Built) -> str:
    consent = _health_consent(built)
    entry = share(user("psyk.syd"), built, C.HEALTH, B.SUL43_CONSENT, consent=consent)
    return _sees(viewer, built, entry)


@check("view a SUL43_CONSENT health entry after withdrawal")
def _view_sul43_withdrawn(viewer: User, built: Built) -> str:
    consent = _health_consent(built)
    entry = share(user("psyk.syd"), built, C.HEALTH, B.SUL43_CONSENT, consent=consent)
    services.consent_withdraw(actor=user("politi.forebyg"), case=built.case, consent=consent)
    return _sees(viewer, built, entry)


@check("view entry: social after withdrawing the consent")
def _view_after_withdrawal(viewer: User, built: Built) -> str:
    entry = built.entries[C.SOCIAL]
    if _sees(viewer, built, entry) != Y:
        return "not visible even before the withdrawal"
    assert built.consent is not None
    services.consent_withdraw(actor=user(built.spec.lead), case=built.case, consent=built.consent)
    return _sees(viewer, built, entry)


@check("record a decision to go on without consent")
def _consent_decision(actor: User, built: Built) -> str:
    decision = services.consent_decision_record(
        actor=actor,
        case=built.case,
        situation="not_obtainable",
        reasoning="Forældrene kunne ikke træffes inden mødet; risikoen er akut.",
    )
    return Y if decision.decided_by == actor else "the decider is not recorded"


@check("share general without a necessity justification")
def _share_unjustified(actor: User, built: Built) -> str:
    services.entry_share(
        actor=actor,
        case=built.case,
        category=C.GENERAL,
        legal_basis=built.basis,
        justification="  ",
        text="Testoplysning.",
    )
    return Y


@check("register a consent by citizen and guardian, guardian unnamed")
def _consent_guardian_unnamed(actor: User, built: Built) -> str:
    services.consent_register(
        actor=actor,
        case=built.case,
        given_by=Consent.GivenBy.BOTH,
        scope_units=[unit(built.spec.lead_unit)],
        scope_categories=[C.GENERAL],
        purpose="Samarbejde",
        form=Consent.Form.WRITTEN,
    )
    return Y


@check("view case after the forum removed Jobcenter Aalborg")
def _view_after_forum_removal(viewer: User, built: Built) -> str:
    built.case.forum.member_units.remove(unit("Jobcenter Aalborg"))
    return Y if access.can(viewer, CaseAction.VIEW, built.case) else N


@check("view entry: social after the consent expired")
def _view_after_expiry(viewer: User, built: Built) -> str:
    assert built.consent is not None and built.consent.valid_until is not None
    with time_machine.travel(built.consent.valid_until + dt.timedelta(days=1), tick=False):
        if not access.can(viewer, CaseAction.VIEW, built.case):
            return "lost the case itself, not only the consent"
        return _sees(viewer, built, built.entries[C.SOCIAL])


@check("register an oral consent")
def _oral_consent(actor: User, built: Built) -> str:
    register_consent(actor, built.case, ["Forebyggelse Aalborg"], [C.GENERAL], form="oral")
    return Y


def _add(unit_name: str, *, include: bool = False, flag: bool = False) -> Check:
    def run(actor: User, built: Built) -> str:
        added = unit(unit_name)
        if include:
            built.case.forum.member_units.add(added)
        participant = services.participant_add(
            actor=actor,
            case=built.case,
            unit=added,
            role=PART,
            legal_basis=built.basis,
            categories=ALL,
        )
        return Y if not flag or participant.legal_review else "not flagged for legal review"

    return run


for _name, _check in {
    "add Efterforskning after the forum included it": _add("Efterforskning", include=True),
    "add Jobcenter Aalborg": _add("Jobcenter Aalborg"),
    "add Jobcenter Aalborg after the forum included it": _add("Jobcenter Aalborg", include=True),
    "add Jobcenter Aalborg after the forum included it: legal review": _add(
        "Jobcenter Aalborg", include=True, flag=True
    ),
    "add Skoler Aalborg after the forum included it": _add("Skoler Aalborg", include=True),
    "open an Exit case without a consent": _open_exit(None),
    "open an Exit case on a written consent": _open_exit("written"),
    "open an Exit case on an oral consent": _open_exit("oral"),
}.items():
    CHECKS[_name] = _check


@check("participation flagged for legal review")
def _flagged(actor: User, built: Built) -> str:
    participation = access.participations_for(actor, CaseAction.VIEW).get(case=built.case)
    return Y if participation.legal_review else N


@check("take emergency access")
def _emergency(actor: User, built: Built) -> str:
    services.emergency_access_open(
        actor=actor, case=built.case, reason="Borgeren er forsvundet; akut behov for overblik."
    )
    return Y if access.can(actor, CaseAction.VIEW, built.case) else "no access after all"


def _open(age: int, *, ksp_basis: str = "", reason: str = "", lead_unit: str = "") -> Check:
    def run(actor: User, built: Built) -> str:
        case = services.case_open(
            actor=actor,
            citizen=new_citizen(actor, age),
            forum=built.case.forum,
            lead_unit=unit(lead_unit)
            if lead_unit
            else access.units_for_opening(actor, built.case.forum).get(),
            track=built.case.track if not reason else "",
            ksp_basis=ksp_basis,
            age_override_reason=reason,
        )
        lead = case.participants.get()
        if lead_unit == "Jobcenter Aalborg" and not lead.legal_review:
            return "not flagged for legal review"
        return Y

    return run


def _include_then_open(unit_name: str, **options: object) -> Check:
    def run(actor: User, built: Built) -> str:
        built.case.forum.member_units.add(unit(unit_name))
        return _open(30, lead_unit=unit_name, **options)(actor, built)  # type: ignore[arg-type]

    return run


for _name, _check in {
    "open a case for a 30-year-old without a reason": _open(30),
    "open a case led by Forebyggelse Aalborg": _open(15, lead_unit="Forebyggelse Aalborg"),
    "open a case led by SSP Aalborg": _open(15, lead_unit="SSP Aalborg"),
    "open a case for a 30-year-old with a reason": _open(30, reason="Storebror i målgruppen"),
    "open a KSP case without recording nr. 3 a/b/c": _open(30),
    "open a KSP case recording nr. 3 c": _open(30, ksp_basis=B.RPL115_KSP_C),
    "open a KSP case led by Jobcenter Aalborg: legal review": _open(
        30, ksp_basis=B.RPL115_KSP_A, lead_unit="Jobcenter Aalborg"
    ),
    "open a KSP case led by Skoler Aalborg after the forum included it": _include_then_open(
        "Skoler Aalborg", ksp_basis=B.RPL115_KSP_A
    ),
}.items():
    CHECKS[_name] = _check


def evaluate(actor: User, built: Built, actions: Iterable[str]) -> dict[str, str]:
    """The outcome of each action for `actor` on the built case: reads first, then every
    write in its own savepoint, rolled back, on fresh copies of the case and consent."""
    actions = list(actions)
    outcome: dict[str, str] = {}
    visible = set(access.entries_for(actor, built.case).values_list("pk", flat=True))
    for action in actions:
        if action == "view case":
            outcome[action] = Y if access.can(actor, CaseAction.VIEW, built.case) else N
        elif action.startswith("view entry: ") and action[len("view entry: ") :] in (
            set(ALL_CATEGORIES) | set(built.entries)
        ):
            entry = built.entries.get(action[len("view entry: ") :])
            outcome[action] = Y if entry is not None and entry.pk in visible else N
    for action in actions:
        if action in outcome:
            continue
        fresh = dataclasses.replace(
            built,
            case=Case.objects.select_related("forum").get(pk=built.case.pk),
            consent=Consent.objects.get(pk=built.consent.pk) if built.consent else None,
        )
        try:
            with transaction.atomic():
                outcome[action] = CHECKS[action](actor, fresh)
                transaction.set_rollback(True)
        except PermissionDenied:
            outcome[action] = N
        except ValidationError:
            outcome[action] = R
    return outcome


# --- The tests -----------------------------------------------------------------------------


def _groups() -> list[object]:
    """One test per case kind and persona with any access; the personas that may do
    nothing at all on a case kind share one test (and one built case)."""
    rows: dict[tuple[str, str], list[str]] = {}
    for persona_name, kind, _action, expected in ROWS:
        rows.setdefault((kind, persona_name), []).append(expected)
    groups: dict[tuple[str, str], list[str]] = {}
    for (kind, persona_name), values in rows.items():
        label = "outsiders" if set(values) == {N} else persona_name
        groups.setdefault((kind, label), []).append(persona_name)
    return [
        pytest.param(kind, tuple(names), id=f"{kind}-{label}")
        for (kind, label), names in groups.items()
    ]


@pytest.fixture
def built(request: pytest.FixtureRequest) -> Built:
    """The case kind named by the test's parameter, built fresh through the services."""
    return build(request.param)


@pytest.mark.parametrize(("built", "persona_names"), _groups(), indirect=["built"])
def test_permission_matrix(built: Built, persona_names: tuple[str, ...]) -> None:
    kind = built.kind
    wrong = {}
    for persona_name in persona_names:
        expected = {action: value for p, k, action, value in ROWS if (p, k) == (persona_name, kind)}
        actual = evaluate(user(persona_name), built, expected)
        for action, value in expected.items():
            if actual[action] != value:
                wrong[persona_name, action] = f"expected {value}, got {actual[action]}"
    assert not wrong, f"{kind}: {wrong}"


# --- The table is complete ------------------------------------------------------------------

UNIT_TYPES = {spec.name: spec.unit_type for spec in demo.UNITS}
PERSONA_UNITS = {p.username: p.unit for p in demo.PERSONAS}
FORUM_TYPES = {spec.name: spec.effort_type for spec in demo.FORUMS} | {
    name: str(local["effort_type"]) for name, local in LOCAL_FORUMS.items()
}


def _case_basis(kind: Kind) -> str:
    if kind.ksp_basis:
        return kind.ksp_basis
    if kind.forum in LOCAL_FORUMS:
        return str(LOCAL_FORUMS[kind.forum]["default_legal_basis"])
    return next(f.default_legal_basis for f in demo.FORUMS if f.name == kind.forum)


def _first_rule(effort_type: str, author_type: str, category: str) -> int:
    """The index of the SHARE_RULES row that decides such an entry (the first matching)."""
    for index, rule in enumerate(policy.SHARE_RULES):
        if (
            effort_type in rule.forums
            and (rule.author_types is None or author_type in rule.author_types)
            and (rule.categories is None or category in rule.categories)
        ):
            return index
    raise AssertionError(f"no share rule for {effort_type}/{author_type}/{category}")


def test_the_grid_has_every_persona_on_every_case_kind() -> None:
    assert set(GRID) == set(KINDS)
    for kind, lines in GRID.items():
        assert sorted(p for p, _cells in lines) == sorted(PERSONAS), kind
    assert len({(p, k, a) for p, k, a, _v in ROWS}) == len(ROWS), "a row appears twice"
    assert {v for *_rest, v in ROWS} <= {Y, N, R}
    for _p, kind, action, _v in SPECIAL:
        key = action.removeprefix("view entry: ")
        assert action in CHECKS or key in {e.key for e in KINDS[kind].entries}, action


def test_every_forum_type_is_in_the_table() -> None:
    used = {FORUM_TYPES[KINDS[kind].forum] for _p, kind, _a, _v in ROWS}
    assert used == set(policy.FORUM_RULES), set(policy.FORUM_RULES) - used


def test_every_share_rule_is_in_the_table() -> None:
    """Each row of policy.SHARE_RULES decides at least one entry that a row of the table
    looks at, and every such entry's basis is one that row allows."""
    used: set[int] = set()
    viewed = {(k, a.removeprefix("view entry: ")) for _p, k, a, _v in ROWS}
    for kind_name, kind in KINDS.items():
        effort = FORUM_TYPES[kind.forum]
        for spec in kind.entries:
            if (kind_name, spec.key) not in viewed:
                continue
            author_type = UNIT_TYPES[PERSONA_UNITS[spec.author]]
            rule = _first_rule(effort, author_type, spec.category)
            basis = _case_basis(kind) if spec.basis == FORUM_BASIS else spec.basis
            assert basis in policy.share_bases(effort, author_type, spec.category), spec
            used.add(rule)
    assert used == set(range(len(policy.SHARE_RULES))), [
        str(policy.SHARE_RULES[i].note) for i in set(range(len(policy.SHARE_RULES))) - used
    ]


def test_every_recipient_rule_is_in_the_table() -> None:
    """Each unit type with default categories (jobcenter, school) has a persona that takes
    part in a case and sees some of its entries but not others; a notification is seen by
    family services and not by another participant."""
    taking_part = {(p, k) for p, k, a, v in ROWS if a == "view case" and v == Y}
    for unit_type in policy.DEFAULT_CATEGORIES:
        values = {
            v
            for p, k, a, v in ROWS
            if (p, k) in taking_part
            and a.startswith("view entry: ")
            and UNIT_TYPES[PERSONA_UNITS[p]] == unit_type
        }
        assert {Y, N} <= values, unit_type
    notifications = {
        (name, f"view entry: {e.key}")
        for name, kind in KINDS.items()
        for e in kind.entries
        if e.basis == B.UNDERRETNING
    }
    seen = {
        (UNIT_TYPES[PERSONA_UNITS[p]] in policy.UNDERRETNING_RECIPIENTS, v)
        for p, k, a, v in ROWS
        if (k, a) in notifications and (p, k) in taking_part
    }
    assert {(True, Y), (False, N)} <= seen, seen
