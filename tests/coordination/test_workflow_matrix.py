"""The permission matrix grows with the workflows (issue 8): one table, next to the one in
test_permission_matrix.py, of who sees and does what of intake, meetings, outreach offers,
referrals, PSP incidents, outcome snapshots and stages, for every persona of docs/demo-data.md
on every case kind. Read it next to sharing-rules.md:

- a forum's intake queue and meetings are its member units' (the § 115 cooperation that
  screens and meets), never investigation's, never statistics' or the auditor's;
- what is said about a case (agenda item, offers, referrals, outcomes) is case content:
  only its participants see it; writing it takes a participant (not an informed unit);
- an incident is health (forced admission) or police (use of force, charge) information:
  a participant sees it only when its participation takes that category;
- stages are the lead's to set.

Expected values: Y allowed/visible, N not allowed or not visible, - not applicable.
Every write runs in a savepoint that is rolled back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from coordination import access, demo, services
from coordination.models import ALL_CATEGORIES, Case, ConcernReport, Forum
from tests.conftest import fresh_cpr
from tests.helpers import unit, user

pytestmark = pytest.mark.django_db

Y, N, X = "Y", "N", "-"
ACTIONS = (
    "see offers",
    "see health incident",
    "see police incident",
    "make offer",
    "refer",
    "record incident",
    "record outcome",
    "set stage",
    "see concerns",
    "screen",
    "see meeting",
    "see agenda item",
)
NOTHING = (N, N, N, N, N, N, N, N, N, N, N, N)
NOTHING_KK = (N, X, X, N, N, X, N, N, N, N, N, N)
OUTSIDERS = (
    "politi.efterforsk",
    "ssp.hjoerring",
    "statistik",
    "lokalraad.aalborg",
    "lokalraad.hjoerring",
    "revisor",
    "admin",
)

# fmt: off
MATRIX: dict[str, dict[str, tuple[str, ...]]] = {
    #                        offers hea pol  offer ref inc out stg  conc scr meet item
    "psp": {
        "politi.forebyg":  (Y,     Y,  Y,   Y,    Y,  Y,  Y,  Y,   Y,   Y,  Y,   Y),  # lead
        "social.aalborg":  (Y,     Y,  Y,   Y,    Y,  Y,  Y,  N,   Y,   Y,  Y,   Y),
        "psyk.syd":        (Y,     Y,  Y,   Y,    Y,  Y,  Y,  N,   Y,   Y,  Y,   Y),
        "ssp.aalborg":     NOTHING,  # SSP is no PSP member type
        "job.aalborg":     NOTHING,
        "fam.aalborg":     NOTHING,
        "skole.aalborg":   NOTHING,
        **dict.fromkeys(OUTSIDERS, NOTHING),
    },
    # Socialforvaltningen takes part without the health category: it sees the use of
    # force but not the forced admission.
    "psp_no_health": {
        "politi.forebyg":  (Y,     Y,  Y,   Y,    Y,  Y,  Y,  Y,   Y,   Y,  Y,   Y),
        "social.aalborg":  (Y,     N,  Y,   Y,    Y,  Y,  Y,  N,   Y,   Y,  Y,   Y),
        "psyk.syd":        (Y,     Y,  Y,   Y,    Y,  Y,  Y,  N,   Y,   Y,  Y,   Y),
        **dict.fromkeys(OUTSIDERS, NOTHING),
    },
    "kk_15_17": {
        "ssp.aalborg":     (Y,     X,  X,   Y,    Y,  X,  Y,  Y,   Y,   Y,  Y,   Y),  # lead
        "politi.forebyg":  (Y,     X,  X,   Y,    Y,  X,  Y,  N,   Y,   Y,  Y,   Y),
        "fam.aalborg":     (Y,     X,  X,   Y,    Y,  X,  Y,  N,   Y,   Y,  Y,   Y),
        "job.aalborg":     (Y,     X,  X,   Y,    Y,  X,  Y,  N,   Y,   Y,  Y,   Y),
        "social.aalborg":  NOTHING_KK,  # not a Knock Knock member
        "psyk.syd":        NOTHING_KK,
        "skole.aalborg":   NOTHING_KK,
        **dict.fromkeys(OUTSIDERS, NOTHING_KK),
    },
    # Informed participants read; they neither offer, refer nor record. Familiegrupperne
    # is a member of the forum (its intake and meetings) without taking part in the case.
    "kk_18_25_informed": {
        "ssp.aalborg":     (Y,     X,  X,   Y,    Y,  X,  Y,  Y,   Y,   Y,  Y,   Y),
        "politi.forebyg":  (Y,     X,  X,   N,    N,  X,  N,  N,   Y,   Y,  Y,   Y),
        "fam.aalborg":     (N,     X,  X,   N,    N,  X,  N,  N,   Y,   Y,  Y,   N),
        **dict.fromkeys(OUTSIDERS, NOTHING_KK),
    },
}
# fmt: on


@dataclass
class World:
    case: Case
    lead: User
    report: ConcernReport
    item_id: int
    offer_id: int
    incidents: dict[str, int]


def _case(forum: str, lead: str, lead_unit: str, age: int, track: str = "") -> Case:
    actor = user(lead)
    citizen = services.citizen_create(
        actor=actor, cpr_number=fresh_cpr(age), first_name="Matrix", last_name="Borger"
    )
    return services.case_open(
        actor=actor,
        citizen=citizen,
        forum=Forum.objects.get(name=forum),
        lead_unit=unit(lead_unit),
        track=track,
    )


def _take_part(case: Case, lead: str, name: str, role: str = "participant", cats=ALL_CATEGORIES):
    services.participant_add(
        actor=user(lead),
        case=case,
        unit=unit(name),
        role=role,
        legal_basis=case.forum.default_legal_basis,
        categories=cats,
    )


def build(kind: str) -> World:
    if kind.startswith("psp"):
        lead, lead_unit = "politi.forebyg", "Forebyggelse Aalborg"
        case = _case("PSP Aalborg", lead, lead_unit, age=40)
        social_categories = (
            [c for c in ALL_CATEGORIES if c != "health"] if kind == "psp_no_health" else None
        )
        _take_part(
            case, lead, "Socialforvaltningen Aalborg", cats=social_categories or ALL_CATEGORIES
        )
        _take_part(case, lead, "Almenpsykiatrisk Afdeling Syd")
    else:
        lead, lead_unit = "ssp.aalborg", "SSP Aalborg"
        young = kind == "kk_15_17"
        case = _case("Knock Knock Aalborg", lead, lead_unit, 16 if young else 20,
                     "15-17" if young else "18-25")  # fmt: skip
        if young:
            for name in ("Forebyggelse Aalborg", "Familiegrupperne", "Jobcenter Aalborg"):
                _take_part(case, lead, name)
        else:
            _take_part(case, lead, "Forebyggelse Aalborg", role="informed")
    actor = user(lead)
    report = services.concern_report_create(
        actor=actor,
        forum=case.forum,
        received_by=unit(lead_unit),
        channel="hotline",
        urgency="green",
        summary="Matrix",
    )
    meeting = services.meeting_schedule(
        actor=actor,
        forum=case.forum,
        organiser_unit=unit(lead_unit),
        starts_at=timezone.now() + dt.timedelta(days=2),
    )
    item = services.meeting_add_case(actor=actor, meeting=meeting, case=case)
    offer = services.offer_make(actor=actor, case=case, kind="club")
    incidents = {}
    if kind.startswith("psp"):
        for name, incident_kind in (("health", "forced_admission"), ("police", "use_of_force")):
            incidents[name] = services.incident_record(
                actor=actor,
                case=case,
                kind=incident_kind,
                occurred_on=timezone.localdate() - dt.timedelta(days=10),
            ).pk
    return World(case, actor, report, item.pk, offer.pk, incidents)


def _write(do: Callable[[], object]) -> str:
    try:
        with transaction.atomic():
            do()
            transaction.set_rollback(True)
    except PermissionDenied:
        return N
    except ValidationError:
        return N
    return Y


def evaluate(persona: User, world: World) -> tuple[str, ...]:
    case = Case.objects.select_related("forum", "citizen").get(pk=world.case.pk)
    psp = bool(world.incidents)
    seen_incidents = set(access.incidents_for(persona, case).values_list("pk", flat=True))
    meetings = access.meetings_for(persona)
    item_meeting = world.report.forum.meetings.order_by("-pk").first()
    results = {
        "see offers": Y if access.offers_for(persona, case).filter(pk=world.offer_id) else N,
        "see health incident": (Y if world.incidents["health"] in seen_incidents else N)
        if psp
        else X,
        "see police incident": (Y if world.incidents["police"] in seen_incidents else N)
        if psp
        else X,
        "make offer": _write(lambda: services.offer_make(actor=persona, case=case, kind="mentor")),
        "refer": _write(
            lambda: services.referral_send(
                actor=persona, case=case, to_service="Klub", purpose="Fritid", legal_basis="FVL28"
            )
        ),
        "record incident": _write(
            lambda: services.incident_record(
                actor=persona, case=case, kind="new_charge", occurred_on=timezone.localdate()
            )
        )
        if psp
        else X,
        "record outcome": _write(
            lambda: services.outcome_record(
                actor=persona,
                case=case,
                milestone=3,
                education="none",
                job="none",
                housing="stable",
            )
        ),
        "set stage": _write(
            lambda: services.case_set_stage(actor=persona, case=case, stage="follow_up")
        ),
        "see concerns": Y if access.concern_reports_for(persona).filter(pk=world.report.pk) else N,
        "screen": _write(
            lambda: services.concern_report_screen(
                actor=persona,
                report=ConcernReport.objects.get(pk=world.report.pk),
                decision="advice_only",
            )
        ),
        "see meeting": Y if item_meeting and meetings.filter(pk=item_meeting.pk) else N,
        "see agenda item": Y
        if item_meeting and access.agenda_items_for(persona, item_meeting).filter(pk=world.item_id)
        else N,
    }
    return tuple(results[a] for a in ACTIONS)


@pytest.mark.parametrize("kind", list(MATRIX))
def test_workflow_matrix(kind: str) -> None:
    world = build(kind)
    wrong = {}
    for persona_name, expected in MATRIX[kind].items():
        actual = evaluate(user(persona_name), world)
        for action, want, got in zip(ACTIONS, expected, actual, strict=True):
            if want != got:
                wrong[persona_name, action] = f"expected {want}, got {got}"
    assert not wrong, f"{kind}: {wrong}"


def test_the_matrix_covers_every_persona_on_the_main_case_kinds() -> None:
    for kind in ("psp", "kk_15_17"):
        assert set(MATRIX[kind]) == set(demo.PERSONA_USERNAMES), kind
