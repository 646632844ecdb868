"""The citizen insight report (sharing-rules.md 7) is complete: cases, the contact log,
meeting discussions, decisions to go on without consent, actions, guardians and related
persons, consents, entries, offers, referrals, incidents, outcome snapshots and concern
reports, each with the units that received it and on which basis; which organisation is
data controller of what; the texts only on request; and single items withheld by an
auditor with a recorded reasoning (databeskyttelsesloven § 22), counted in the citizen's
document. Nothing about other citizens, and a constant number of queries."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Unit
from coordination import services
from coordination.models import (
    Action,
    AgendaItem,
    AuditEvent,
    Case,
    ConcernReport,
    Contact,
    Entry,
    Forum,
    Incident,
    InsightException,
    Offer,
    OutcomeSnapshot,
    Referral,
)
from tests.conftest import fresh_cpr

pytestmark = pytest.mark.django_db

SECTIONS = (
    "insight-cases",
    "insight-participants",
    "insight-controllers",
    "insight-related",
    "insight-consents",
    "insight-contacts",
    "insight-meetings",
    "insight-decisions",
    "insight-actions",
    "insight-entries",
    "insight-offers",
    "insight-referrals",
    "insight-incidents",
    "insight-outcomes",
    "insight-concerns",
    "insight-printed",
    "insight-lookups",
)
# Texts that are content: shown only when the auditor includes the content.
TEXTS = {
    "contact": "Ingen hjemme, seddel lagt i postkassen",
    "entry": "Skolefraværet er steget kraftigt",
    "discussion": "Risiko for rekruttering til gruppering",
    "action": "Ring til moren om skolen",
    "offer": "Interesseret i boksning",
    "referral": "Fritidstilbud i klubben",
    "incident": "Anholdt efter slagsmål",
    "outcome": "Går i skole igen",
    "decision": "Borgeren svarer ikke på henvendelser",
    "concern": "Set sammen med ældre gruppering",
}


def url(name: str, *args: Any) -> str:
    return reverse(f"coordination:{name}", args=args)


@dataclass
class Held:
    kk: Case
    psp: Case
    cpr: str
    entry: Entry
    incident: Incident


@pytest.fixture
def held(persona) -> Held:
    """A citizen about whom something of every kind is held: a Knock Knock case (SSP
    Aalborg with Forebyggelse Aalborg and Familiegrupperne) and a PSP case (the police)."""
    ssp, police = persona("ssp.aalborg"), persona("politi.forebyg")
    number = fresh_cpr(16)
    citizen = services.citizen_create(
        actor=ssp, cpr_number=number, first_name="Ida", last_name="Indsigtsen"
    )
    kk_forum = Forum.objects.get(name="Knock Knock Aalborg")
    kk = services.case_open(
        actor=ssp,
        citizen=citizen,
        forum=kk_forum,
        lead_unit=Unit.objects.get(name="SSP Aalborg"),
        track="15-17",
    )
    for name in ("Forebyggelse Aalborg", "Familiegrupperne"):
        services.participant_add(
            actor=ssp,
            case=kk,
            unit=Unit.objects.get(name=name),
            role="participant",
            legal_basis=kk_forum.default_legal_basis,
            categories=["identity", "social", "police", "school", "general", "employment"],
        )
    psp_forum = Forum.objects.get(name="PSP Aalborg")
    psp = services.case_open(
        actor=police,
        citizen=citizen,
        forum=psp_forum,
        lead_unit=Unit.objects.get(name="Forebyggelse Aalborg"),
        age_override_reason="" if psp_forum.age_in_band(16) else "test",
    )
    mother = services.related_person_add(
        actor=ssp, citizen=citizen, name="Mette Indsigtsen", relation="mother", has_custody=True
    )
    services.consent_register(
        actor=ssp,
        case=kk,
        given_by="citizen",
        scope_units=[Unit.objects.get(name="SSP Aalborg")],
        scope_categories=["school"],
        purpose="Samarbejde med skolen",
        form="written",
    )
    services.contact_log(
        actor=ssp,
        case=kk,
        kind="knock_visit",
        result="not_home",
        occurred_at=timezone.now() - dt.timedelta(days=2),
        note=TEXTS["contact"],
        related_person=mother,
    )
    entry = services.entry_share(
        actor=ssp,
        case=kk,
        category="school",
        legal_basis=kk_forum.default_legal_basis,
        justification="Nødvendigt for at planlægge indsatsen",
        text=TEXTS["entry"],
    )
    meeting = services.meeting_schedule(
        actor=ssp,
        forum=kk_forum,
        organiser_unit=Unit.objects.get(name="SSP Aalborg"),
        starts_at=timezone.now() + dt.timedelta(days=1),
        kind="emergency",
    )
    item = services.meeting_add_case(actor=ssp, meeting=meeting, case=kk)
    item.case = kk
    services.agenda_item_record(
        actor=ssp, item=item, picture="", assessment=TEXTS["discussion"], decision="Tilbud"
    )
    services.consent_decision_record(
        actor=ssp, case=kk, situation="not_obtainable", reasoning=TEXTS["decision"]
    )
    services.action_create(
        actor=ssp,
        case=kk,
        title=TEXTS["action"],
        responsible=ssp,
        due_at=timezone.now() + dt.timedelta(days=3),
    )
    services.offer_make(actor=ssp, case=kk, kind="club", note=TEXTS["offer"])
    services.referral_send(
        actor=ssp,
        case=kk,
        to_service="Klubben Nord",
        purpose=TEXTS["referral"],
        legal_basis="FVL28",
    )
    services.outcome_record(
        actor=ssp,
        case=kk,
        milestone=3,
        education="enrolled",
        job="none",
        housing="stable",
        note=TEXTS["outcome"],
    )
    incident = services.incident_record(
        actor=police,
        case=psp,
        kind="new_charge",
        occurred_on=timezone.localdate(),
        note=TEXTS["incident"],
    )
    services.concern_report_create(
        actor=ssp,
        forum=kk_forum,
        received_by=Unit.objects.get(name="SSP Aalborg"),
        channel="school",
        urgency="green",
        summary=TEXTS["concern"],
        citizen=citizen,
    )
    return Held(kk=kk, psp=psp, cpr=number, entry=entry, incident=incident)


def table_rows(body: str, testid: str) -> list[list[str]]:
    match = re.search(rf'<table[^>]*data-testid="{testid}"[^>]*>(.*?)</table>', body, re.S)
    assert match, f"no table with data-testid={testid}"
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(1), re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if len(cells) > 1:
            rows.append(
                [html.unescape(" ".join(re.sub(r"<[^>]+>", " ", c).split())) for c in cells]
            )
    return rows


def report_page(client, cpr: str, **extra: str) -> tuple[Any, str]:
    response = client.post(url("audit_insight"), {"cpr": cpr, **extra})
    assert response.status_code == 200, response.content.decode()[:3000]
    return response, response.content.decode()


def test_the_report_lists_every_section_for_a_seeded_citizen(client_as, held, open_case) -> None:
    open_case("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg", age=16)  # someone else
    response, page = report_page(client_as("revisor"), held.cpr)
    for testid in SECTIONS:
        assert f'data-testid="{testid}"' in page, testid
    report = response.context["report"]
    counts = {s.slug: len(s.items) for s in report.sections}
    assert counts == {
        "contacts": 1,
        "meetings": 1,
        "decisions": 1,
        "actions": 1,
        "entries": 1,
        "offers": 1,
        "referrals": 1,
        "incidents": 1,
        "outcomes": 1,
        "concerns": 1,
    }
    assert {c.pk for c in report.cases} == {held.kk.pk, held.psp.pk}
    assert [row[0] for row in table_rows(page, "insight-related")] == ["Mette Indsigtsen"]
    contacts = table_rows(page, "insight-contacts")
    assert len(contacts) == 1 and "SSP Aalborg" in contacts[0][5]
    # Who received it, how and on which basis: the participants when it was shared.
    received = contacts[0][6]
    assert "Forebyggelse Aalborg" in received and "Familiegrupperne" in received
    meetings = table_rows(page, "insight-meetings")
    assert "Knock Knock Aalborg" in meetings[0][2]
    # The data controllers: the organisation of the unit that wrote each thing.
    controllers = {row[0]: row for row in table_rows(page, "insight-controllers")}
    police = Unit.objects.get(name="Forebyggelse Aalborg").organisation.name
    municipality = Unit.objects.get(name="SSP Aalborg").organisation.name
    assert police in controllers and municipality in controllers
    assert str(report.section["incidents"].title) in controllers[police][1]
    assert str(report.section["entries"].title) in controllers[municipality][1]
    assert held.cpr not in page
    # Without the content, none of the texts.
    for text in TEXTS.values():
        assert text not in page, text


def test_the_content_is_shown_only_when_asked_for(client_as, held) -> None:
    client = client_as("revisor")
    _response, without = report_page(client, held.cpr)
    response, page = report_page(client, held.cpr, include_content="on")
    assert response.context["report"].include_content
    for text in TEXTS.values():
        assert text not in without, text
        assert html.escape(text) in page or text in page, text
    viewed = AuditEvent.objects.filter(actor_username="revisor", purpose="audit:insight")
    assert [e.detail["include_content"] for e in viewed.order_by("pk")] == [False, True]


def test_the_report_holds_only_the_citizens_own_records(open_case, persona, client_as) -> None:
    lead = persona("politi.forebyg")
    case = open_case(
        "PSP Aalborg",
        "politi.forebyg",
        "Forebyggelse Aalborg",
        age=40,
        others=["Socialforvaltningen Aalborg", "Almenpsykiatrisk Afdeling Syd"],
    )
    other = open_case("PSP Aalborg", "politi.forebyg", "Forebyggelse Aalborg", age=41)
    services.incident_record(
        actor=lead, case=case, kind="use_of_force", occurred_on=timezone.localdate()
    )
    services.incident_record(
        actor=lead,
        case=other,
        kind="new_charge",
        occurred_on=timezone.localdate() - dt.timedelta(days=1),
    )
    services.referral_send(
        actor=lead,
        case=case,
        to_service="Bostøtte Aalborg",
        purpose="Hjælp til bolig",
        legal_basis="FVL28",
    )
    services.concern_report_create(
        actor=lead,
        forum=case.forum,
        received_by=Unit.objects.get(name="Forebyggelse Aalborg"),
        channel="psychiatry",
        urgency="amber",
        summary="Udskrevet uden aftale",
        citizen=case.citizen,
    )
    response, page = report_page(client_as("revisor"), case.citizen.full_cpr())
    assert 'data-testid="insight-concerns"' in page
    assert "Bostøtte Aalborg" in page
    report = response.context["report"]
    assert [i.obj.kind for i in report.section["incidents"].items] == ["use_of_force"]
    assert [i.obj.to_service for i in report.section["referrals"].items] == ["Bostøtte Aalborg"]
    assert [i.obj.channel for i in report.section["concerns"].items] == ["psychiatry"]


# --- Exceptions: one item withheld, with the reasoning -------------------------------------

REASONING = "Verserende politisag om vold; indsigt vil skade efterforskningen"


def withhold(client, response, item: str, reasoning: str = REASONING, **extra: str) -> Any:
    subject = response.context["subject"]
    return client.post(
        url("audit_insight_exception"),
        {"subject": subject, "item": item, "reasoning": reasoning, **extra},
    )


def test_a_withheld_item_is_shown_to_the_auditor_and_only_counted_for_the_citizen(
    client_as, held
) -> None:
    client = client_as("revisor")
    response, page = report_page(client, held.cpr, include_content="on")
    key = f"coordination.incident:{held.incident.pk}"
    assert f'value="{key}"' in page  # the withhold form of the item
    withheld = withhold(client, response, key, include_content="on")
    assert withheld.status_code == 200
    exception = InsightException.objects.get()
    assert exception.citizen_id == held.kk.citizen_id and exception.object_id == held.incident.pk
    assert exception.decided_by.username == "revisor" and exception.reasoning == REASONING
    # The auditor sees the item, marked, with the reasoning.
    review = withheld.content.decode()
    assert 'data-testid="insight-withheld"' in review and REASONING in review
    assert TEXTS["incident"] in review
    report = withheld.context["report"]
    assert report.withheld_count == 1 and report.include_content  # the options travel
    # The event names the item, never the reasoning.
    created = AuditEvent.objects.get(object_type="coordination.insightexception")
    assert created.action == "create" and created.purpose == "audit:insight"
    assert created.detail["item"] == "coordination.incident"
    assert created.citizen_id == held.kk.citizen_id
    assert REASONING not in str(created.detail)

    # The citizen's print leaves it out and says only how many are withheld.
    printed = client.post(
        url("audit_insight"),
        {
            "subject": withheld.context["subject"],
            "include_content": "on",
            "format": "print",
            "recipient": "Borgeren",
            "legal_basis": "GDPR15",
            "justification": "Borgerens anmodning",
        },
    )
    assert printed.status_code == 200
    document = printed.content.decode()
    assert 'data-testid="insight-print"' in document
    assert 'data-testid="insight-withheld-count"' in document
    assert "§ 22" in document
    assert REASONING not in document and TEXTS["incident"] not in document
    assert printed.context["report"].section["incidents"].items == []
    assert TEXTS["entry"] in document  # the rest is there
    assert 'name="reasoning"' not in document  # no forms on paper
    # The controller section leaves it out too: it would give the police matter away.
    police = Unit.objects.get(name="Forebyggelse Aalborg").organisation.name
    controllers = {row[0]: row for row in table_rows(document, "insight-controllers")}
    assert "Hændelser" not in controllers.get(police, ["", ""])[1]
    assert "Incidents" not in controllers.get(police, ["", ""])[1]
    disclosed = AuditEvent.objects.get(actor_username="revisor", action="disclose")
    assert disclosed.detail["withheld"] == 1 and disclosed.detail["channel"] == "print"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reasoning": ""}, "reasoning"),
        ({"reasoning": "For kort"}, "reasoning"),
        ({"item": "coordination.entry"}, "item"),
        ({"item": "coordination.entry:abc"}, "item"),
        ({"item": "coordination.entry:" + "9" * 30}, "item"),
        ({"item": "coordination.entry:987654321"}, "item"),
        ({"item": "coordination.case:1"}, "item"),
        ({"item": "auth.user:1"}, "item"),
        ({"item": "nonsense.model:1"}, "item"),
    ],
)
def test_bad_exception_input_is_a_form_error(client_as, held, change, field) -> None:
    client = client_as("revisor")
    client.raise_request_exception = False
    response, _page = report_page(client, held.cpr)
    data = {"item": f"coordination.entry:{held.entry.pk}", "reasoning": REASONING, **change}
    answer = withhold(client, response, data["item"], data["reasoning"])
    assert answer.status_code == 400
    assert field in answer.context["exception_form"].errors
    assert not InsightException.objects.exists()


def test_an_item_of_another_citizen_cannot_be_withheld(client_as, persona, held, open_case) -> None:
    other = open_case("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg", age=16)
    theirs = services.entry_share(
        actor=persona("ssp.aalborg"),
        case=other,
        category="general",
        legal_basis=other.forum.default_legal_basis,
        justification="Nødvendigt",
        text="Andet",
    )
    client = client_as("revisor")
    response, _page = report_page(client, held.cpr)
    answer = withhold(client, response, f"coordination.entry:{theirs.pk}")
    assert answer.status_code == 400
    assert "item" in answer.context["exception_form"].errors
    # Twice the same item: the second is refused.
    mine = f"coordination.entry:{held.entry.pk}"
    assert withhold(client, response, mine).status_code == 200
    again = withhold(client, response, mine)
    assert again.status_code == 400 and "item" in again.context["exception_form"].errors
    assert InsightException.objects.count() == 1


@pytest.mark.parametrize("username", ["ssp.aalborg", "politi.forebyg", "admin", "statistik"])
def test_only_auditors_may_withhold(client_as, held, persona, username) -> None:
    revisor = client_as("revisor")
    response, _page = report_page(revisor, held.cpr)
    client = client_as(username)
    answer = client.post(
        url("audit_insight_exception"),
        {
            "subject": response.context["subject"],
            "cpr": held.cpr,
            "item": f"coordination.entry:{held.entry.pk}",
            "reasoning": REASONING,
        },
    )
    assert answer.status_code == 403
    assert not InsightException.objects.exists()
    assert AuditEvent.objects.filter(actor_username=username, outcome="denied").exists()
    with pytest.raises(PermissionDenied):
        services.insight_exception_add(
            actor=persona(username),
            citizen=held.kk.citizen,
            kind="coordination.entry",
            object_id=held.entry.pk,
            reasoning=REASONING,
        )


def test_the_subject_token_is_the_auditors_own(client_as, held, persona) -> None:
    """The report's forms name the citizen by a token signed for the auditor who typed the
    CPR number: another auditor, or a tampered token, gets the form again (no report)."""
    from accounts import services as account_services

    other = persona("statistik")
    account_services.membership_add(
        actor=None, user=other, unit=persona("revisor").memberships.first().unit, role="auditor"
    )
    response, _page = report_page(client_as("revisor"), held.cpr)
    token = response.context["subject"]
    for client, subject in ((client_as("statistik"), token), (client_as("revisor"), token + "x")):
        answer = client.post(url("audit_insight"), {"subject": subject})
        assert answer.status_code == 400
        assert "report" not in answer.context
        assert held.kk.citizen.name not in answer.content.decode()


def test_the_service_refuses_what_the_form_cannot_catch(persona, held) -> None:
    revisor = persona("revisor")
    with pytest.raises(ValidationError) as error:
        services.insight_exception_add(
            actor=revisor,
            citizen=held.kk.citizen,
            kind="coordination.entry",
            object_id=-1,
            reasoning=REASONING,
        )
    assert "item" in error.value.message_dict


# --- The query count: constant in the amount of content ------------------------------------


def _more_content(held: Held, persona, n: int) -> None:
    ssp = persona("ssp.aalborg")
    for i in range(n):
        services.contact_log(
            actor=ssp,
            case=held.kk,
            kind="phone",
            result="reached",
            occurred_at=timezone.now() - dt.timedelta(hours=i + 1),
            note=f"Samtale {i}",
        )
        services.entry_share(
            actor=ssp,
            case=held.kk,
            category="general",
            legal_basis=held.kk.forum.default_legal_basis,
            justification="Nødvendigt",
            text=f"Notat {i}",
        )
        services.action_create(
            actor=ssp,
            case=held.kk,
            title=f"Opgave {i}",
            responsible=ssp,
            due_at=timezone.now() + dt.timedelta(days=i + 1),
        )
        services.offer_make(actor=ssp, case=held.kk, kind="mentor", note=f"Tilbud {i}")


def _queries(client, data: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url("audit_insight"), data)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("extra", [{}, {"include_content": "on", "include_staff": "on"}])
def test_the_report_runs_a_constant_number_of_queries(client_as, held, persona, extra) -> None:
    client = client_as("revisor")
    data = {"cpr": held.cpr, **extra}
    _queries(client, data)  # warm the session and the content type cache
    before = _queries(client, data)
    _more_content(held, persona, 8)
    assert _queries(client, data) == before


def test_every_kind_of_item_can_be_withheld() -> None:
    kinds = {
        m._meta.label_lower
        for m in (
            Entry,
            Contact,
            AgendaItem,
            Action,
            Offer,
            Referral,
            Incident,
            OutcomeSnapshot,
            ConcernReport,
        )
    }
    assert kinds | {"coordination.consentdecision"} == set(InsightException.KINDS)
