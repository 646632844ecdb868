"""Print, PDF and CSV are disclosures (sharing-rules.md 5; services.disclosures): the minutes'
print layout, the insight report's print and PDF and the auditors' CSV export of the log
each ask for the recipient, the legal basis and a justification, refuse (400, nothing
disclosed) without them, and with them write one `disclose` event per case or citizen
concerned, naming the channel and the recipient, never a CPR number and never the content.
The anomaly report and the citizen's insight report show those disclosures."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Unit
from coordination import audit, services
from coordination.models import AgendaItem, AuditEvent, Case, Forum, Meeting
from tests.conftest import fresh_cpr

pytestmark = pytest.mark.django_db

KK = ("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg")
TO_CITIZEN = {
    "recipient": "Borgeren selv",
    "legal_basis": "GDPR15",
    "justification": "Borgerens anmodning om indsigt, j.nr. 2026-117",
}
TO_AUTHORITY = {
    "recipient": "Datatilsynet",
    "legal_basis": "FVL28",
    "justification": "Tilsynets forespørgsel om logning",
}
TO_SCHOOL = {
    "recipient": "Skolelederen",
    "legal_basis": "RPL115_SSP",
    "justification": "Skolen følger op på aftalerne",
}


def url(name: str, *args: Any) -> str:
    return reverse(f"coordination:{name}", args=args)


def disclosures_by(username: str) -> Any:
    """`username`'s disclosures by print, PDF or CSV (sharing content is a disclosure too)."""
    return AuditEvent.objects.filter(
        actor_username=username, action="disclose", detail__has_key="channel"
    ).order_by("pk")


def assert_no_cpr(numbers: list[str]) -> None:
    """No event holds any of the CPR numbers, with or without the dash."""
    texts = [json.dumps(row, default=str) for row in AuditEvent.objects.values()]
    for number in numbers:
        for form in (number, f"{number[:6]}-{number[6:]}"):
            assert not any(form in text for text in texts), form


@pytest.fixture
def discussed(open_case, persona) -> tuple[Meeting, list[Case]]:
    """A Knock Knock meeting at which two cases were discussed by SSP Aalborg."""
    ssp = persona("ssp.aalborg")
    cases = [
        open_case(*KK, age=16, others=["Forebyggelse Aalborg"], last_name=name)
        for name in ("Referatsen", "Udskriftsen")
    ]
    meeting = services.meeting_schedule(
        actor=ssp,
        forum=Forum.objects.get(name="Knock Knock Aalborg"),
        organiser_unit=Unit.objects.get(name="SSP Aalborg"),
        starts_at=timezone.now() + dt.timedelta(days=1),
        kind="emergency",
    )
    for case in cases:
        item = services.meeting_add_case(actor=ssp, meeting=meeting, case=case)
        item.case = case
        services.agenda_item_record(
            actor=ssp, item=item, picture="Billedet", assessment="Vurderingen", decision="Tilbud"
        )
    return meeting, cases


# --- The service ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "change", "field"),
    [
        ("minutes", {"recipient": ""}, "recipient"),
        ("minutes", {"recipient": "   "}, "recipient"),
        ("minutes", {"recipient": "x" * 201}, "recipient"),
        ("minutes", {"justification": ""}, "justification"),
        ("minutes", {"justification": "x" * 2001}, "justification"),
        ("minutes", {"legal_basis": ""}, "legal_basis"),
        ("minutes", {"legal_basis": "NOPE"}, "legal_basis"),
        ("minutes", {"legal_basis": "GDPR15"}, "legal_basis"),  # the insight report's only
        ("insight", {"legal_basis": "RPL115_SSP"}, "legal_basis"),
        ("audit_log", {"legal_basis": "GDPR15"}, "legal_basis"),
        ("minutes", {"recipient": "Mor til 010203-4567"}, "recipient"),
        ("insight", {"justification": "Borger 0102034567 bad om det"}, "justification"),
        ("minutes", {"channel": "fax"}, "channel"),
    ],
)
def test_the_service_refuses_a_disclosure_without_its_answers(document, change, field) -> None:
    data = {"channel": "print", **(TO_CITIZEN if document == "insight" else TO_SCHOOL)}
    if document == "audit_log":
        data = {"channel": "csv", **TO_AUTHORITY}
    with pytest.raises(ValidationError) as error:
        services.disclosure_check(document=document, **{**data, **change})
    assert field in error.value.message_dict


def test_one_event_per_case_shown_and_per_citizen(persona, discussed) -> None:
    meeting, cases = discussed
    items = list(AgendaItem.objects.filter(meeting=meeting).select_related("case").order_by("pk"))
    events = services.disclosures_record(
        actor=persona("ssp.aalborg"),
        document="minutes",
        channel="print",
        objects=items,
        about=meeting,
        detail={"meeting": meeting.pk},
        **TO_SCHOOL,
    )
    assert [(e.case_id, e.citizen_id) for e in events] == [(c.pk, c.citizen_id) for c in cases]
    for event in events:
        assert event.pk is not None  # written at once, like every service's event
        assert event.action == "disclose" and event.legal_basis == "RPL115_SSP"
        assert event.detail == {
            "meeting": meeting.pk,
            "document": "minutes",
            "channel": "print",
            "recipient": TO_SCHOOL["recipient"],
            "justification": TO_SCHOOL["justification"],
        }
        assert event.categories == ["general"]
    # Citizens of an export: one each, none twice, and none without a citizen.
    revisor = persona("revisor")
    exported = services.disclosures_record(
        actor=revisor,
        document="audit_log",
        channel="csv",
        citizen_ids=[cases[0].citizen_id, None, cases[1].citizen_id, cases[0].citizen_id],
        **TO_AUTHORITY,
    )
    assert sorted(e.citizen_id for e in exported) == sorted(c.citizen_id for c in cases)
    # Nothing concerned: still one event, about nothing in particular.
    (alone,) = services.disclosures_record(
        actor=revisor, document="audit_log", channel="csv", **TO_AUTHORITY
    )
    assert alone.citizen_id is None and alone.detail["recipient"] == "Datatilsynet"


def test_who_may_disclose_what(persona, discussed, open_case) -> None:
    meeting, cases = discussed
    mine = AgendaItem.objects.filter(meeting=meeting).select_related("case").first()
    before = AuditEvent.objects.filter(action="disclose").count()
    # The insight report and the log are the auditors'.
    for document, data in (("insight", TO_CITIZEN), ("audit_log", TO_AUTHORITY)):
        with pytest.raises(PermissionDenied):
            services.disclosure_record(
                actor=persona("ssp.aalborg"),
                document=document,
                channel="pdf",
                citizen_id=cases[0].citizen_id,
                **data,
            )
    # Minutes: only discussions the printer may read (Jobcenter Aalborg takes no part).
    with pytest.raises(PermissionDenied):
        services.disclosure_record(
            actor=persona("job.aalborg"), document="minutes", channel="print", obj=mine, **TO_SCHOOL
        )
    assert AuditEvent.objects.filter(action="disclose").count() == before


# --- Over HTTP: each channel asks, refuses without the answers, and logs with them ---------


def _insight(client: Any, number: str, channel: str, answers: dict[str, str]) -> Any:
    return client.post(url("audit_insight"), {"cpr": number, "format": channel, **answers})


def _export(client: Any, case: Case, _channel: str, answers: dict[str, str]) -> Any:
    return client.post(url("audit_export"), {"case": case.reference, **answers})


CHANNELS = [
    ("insight", "print", TO_CITIZEN),
    ("insight", "pdf", TO_CITIZEN),
    ("export", "csv", TO_AUTHORITY),
]


@pytest.mark.parametrize(("page", "channel", "answers"), CHANNELS)
@pytest.mark.parametrize("missing", ["recipient", "legal_basis", "justification"])
def test_without_the_three_answers_it_is_400_and_nothing_is_disclosed(
    client_as, kk_citizen, page, channel, answers, missing
) -> None:
    case, number = kk_citizen
    client = client_as("revisor")
    data = {**answers, missing: ""}
    if page == "insight":
        response = _insight(client, number, channel, data)
        form = response.context["disclosure"]
        assert "report" in response.context and response.context["review"]  # shown again
    else:
        response = _export(client, case, channel, data)
        form = response.context["disclosure"]
    assert response.status_code == 400
    assert missing in form.errors
    assert f'id="id_{missing}-error"' in response.content.decode()
    assert not response.get("Content-Disposition")
    assert not disclosures_by("revisor").exists()
    assert_no_cpr([number])


@pytest.mark.parametrize(("page", "channel", "answers"), CHANNELS)
def test_with_the_answers_one_disclosure_per_citizen_names_channel_and_recipient(
    client_as, kk_citizen, page, channel, answers
) -> None:
    case, number = kk_citizen
    client = client_as("revisor")
    if page == "insight":
        response = _insight(client, number, channel, answers)
    else:
        response = _export(client, case, channel, answers)
    assert response.status_code == 200
    if channel == "pdf":
        assert response.content.startswith(b"%PDF-")
    elif channel == "csv":
        assert response["Content-Type"].startswith("text/csv")
    else:
        body = response.content.decode()
        assert 'data-testid="insight-print"' in body and answers["recipient"] in body
        assert 'class="navigation-menu' not in body and 'name="reasoning"' not in body
        assert 'style="' not in body and "<script>" not in body
    (event,) = disclosures_by("revisor")
    assert event.citizen_id == case.citizen_id
    assert event.detail["channel"] == channel
    assert event.detail["recipient"] == answers["recipient"]
    assert event.detail["justification"] == answers["justification"]
    assert event.legal_basis == answers["legal_basis"]
    assert event.purpose == ("audit:insight" if page == "insight" else "audit:export")
    # The former PRINT/EXPORT events are gone for these views.
    assert not AuditEvent.objects.filter(actor_username="revisor", action__in=["print", "export"])
    assert_no_cpr([number])


def test_a_csv_of_several_citizens_is_a_disclosure_per_citizen(client_as, persona, open_case):
    cases = [open_case(*KK, age=16, last_name=n) for n in ("Eksportsen", "Udtræksen")]
    day = timezone.localdate()
    client = client_as("revisor")
    response = client.post(
        url("audit_export"),
        {"user": "ssp.aalborg", "since": day, "until": day, "action": "create", **TO_AUTHORITY},
    )
    assert response.status_code == 200
    events = disclosures_by("revisor")
    concerned = {e.citizen_id for e in events}
    assert {c.citizen_id for c in cases} <= concerned
    assert len(concerned) == events.count()  # one each
    rows = {e.detail["rows"] for e in events}
    assert len(rows) == 1 and rows.pop() >= 2
    assert all(e.detail["criterion"]["action"] == "create" for e in events)


def test_a_cpr_number_typed_as_recipient_is_refused_over_http(client_as, kk_citizen) -> None:
    _case, number = kk_citizen
    client = client_as("revisor")
    for typed in (number, f"{number[:6]}-{number[6:]}"):
        response = _insight(client, number, "pdf", {**TO_CITIZEN, "recipient": f"Borger {typed}"})
        assert response.status_code == 400
        assert "recipient" in response.context["disclosure"].errors
    assert not disclosures_by("revisor").exists()
    assert_no_cpr([number])


# --- Where the disclosures are read ------------------------------------------------------


def test_the_anomaly_report_and_the_insight_report_show_the_disclosures(
    client_as, kk_citizen
) -> None:
    case, number = kk_citizen
    client = client_as("revisor")
    assert _insight(client, number, "pdf", TO_CITIZEN).status_code == 200
    assert _export(client, case, "csv", TO_AUTHORITY).status_code == 200
    today = timezone.localdate().isoformat()
    anomalies = client.get(url("audit_anomalies"), {"fra": today, "til": today})
    exported = anomalies.context["report"].exports
    assert {e.detail.get("channel") for e in exported} >= {"pdf", "csv"}
    assert "CSV → Datatilsynet" in anomalies.content.decode()
    # The citizen's next report lists them, with their recipients.
    response = client.post(url("audit_insight"), {"cpr": number})
    printed = response.context["report"].printed
    assert [(e.detail["channel"], e.detail["recipient"]) for e in printed] == [
        ("pdf", TO_CITIZEN["recipient"]),
        ("csv", TO_AUTHORITY["recipient"]),
    ]
    assert "Datatilsynet" in response.content.decode()


def test_minutes_print_events_never_hold_the_discussion(client_as, discussed) -> None:
    meeting, cases = discussed
    response = client_as("ssp.aalborg").post(url("meeting_minutes_print", meeting.pk), TO_SCHOOL)
    assert response.status_code == 200
    assert "Vurderingen" in response.content.decode()
    events = disclosures_by("ssp.aalborg")
    assert {e.case_id for e in events} == {c.pk for c in cases}
    assert not any("Vurderingen" in json.dumps(e.detail) for e in events)
    assert_no_cpr([c.citizen.full_cpr() for c in cases])


def test_the_disclosure_is_written_with_the_request_id(client_as, discussed) -> None:
    """Written with the request's other events, signed like them."""
    meeting, _cases = discussed
    response = client_as("ssp.aalborg").post(
        url("meeting_minutes_print", meeting.pk),
        TO_SCHOOL,
        HTTP_X_REQUEST_ID="6f2b3c1e-9a7d-4e55-8a0b-1c2d3e4f5a6b",
    )
    assert response.status_code == 200
    events = disclosures_by("ssp.aalborg")
    assert {e.request_id for e in events} == {"6f2b3c1e-9a7d-4e55-8a0b-1c2d3e4f5a6b"}
    assert all(e.digest == audit.event_digest(e) for e in events)


@pytest.mark.parametrize("channel", ["print", "pdf", "minutes"])
def test_nothing_leaves_when_the_disclosure_cannot_be_logged(
    client_as, kk_citizen, discussed, channel
) -> None:
    case, number = kk_citizen
    meeting, cases = discussed
    client = client_as("ssp.aalborg" if channel == "minutes" else "revisor")
    down = mock.patch.object(
        AuditEvent.objects, "bulk_create", side_effect=DatabaseError("audit table unavailable")
    )
    with down:
        if channel == "minutes":
            response = client.post(url("meeting_minutes_print", meeting.pk), TO_SCHOOL)
            shown = cases[0].citizen.last_name
        else:
            response = _insight(client, number, channel, TO_CITIZEN)
            shown = case.citizen.last_name
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert shown not in response.content.decode()


def test_an_unknown_citizen_is_no_disclosure(client_as) -> None:
    number = fresh_cpr(30)
    response = _insight(client_as("revisor"), number, "pdf", TO_CITIZEN)
    assert response.status_code == 400
    assert not disclosures_by("revisor").exists()
