"""Intake (bekymringshenvendelser) through HTTP, as the personas use it: the Knock Knock
nomination (politi.forebyg nominates, the forum accepts by screening it "open a case"), a
school concern discussed anonymised and identified later, deadlines, feedback, every
refusal, the audit trail, and the reminders the queue feeds."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Membership, User
from coordination import cpr_register, reminders, services
from coordination.models import AuditEvent, Case, Citizen, ConcernReport, Reminder
from tests.conftest import fresh_cpr
from tests.helpers import forum, unit

pytestmark = pytest.mark.django_db

KK = "Knock Knock Aalborg"
OUTSIDERS = ("ssp.hjoerring", "politi.efterforsk")
REPORT_PAGES = ("intake_detail", "intake_identify", "intake_screen", "intake_feedback")


def url(name: str, report: ConcernReport | None = None) -> str:
    return reverse(f"coordination:{name}", args=[report.pk] if report else [])


def nomination_data(number: str, **overrides: object) -> dict[str, object]:
    """politi.forebyg's nomination from the police daily report (døgnrapporten)."""
    data: dict[str, object] = {
        "forum": forum(KK).pk,
        "received_by": unit("Forebyggelse Aalborg").pk,
        "channel": "police_daily_report",
        "urgency": "amber",
        "reporter": "Vagtchef, døgnrapporten",
        "reporter_contact": "vagtchef@politi.example",
        "summary": "Set flere gange sammen med ældre fra et kendt miljø ved Vestbyen.",
        "cpr": number,
    }
    data.update(overrides)
    return data


def register_name(number: str) -> str:
    person = cpr_register.lookup(number)
    assert person is not None
    return person.name


def confirmed(client: Client, path: str, data: dict[str, object]):
    """POST a form naming a citizen by CPR number: the page shows the CPR register's name
    for it and records nothing; then POST again with the confirmation it carries."""
    first = client.post(path, data)
    assert first.status_code == 200, first.context["form"].errors
    assert first.context["confirm"] is not None
    assert 'data-testid="confirm-citizen"' in first.content.decode()
    confirmation = first.context["form"].data["confirmation"]
    return client.post(path, {**data, "confirmation": confirmation})


def report_for(
    actor: str = "politi.forebyg",
    *,
    forum_name: str = KK,
    received_by: str = "Forebyggelse Aalborg",
    urgency: str = "amber",
    reporter: str = "Døgnrapporten",
    citizen: Citizen | None = None,
    received_at: dt.datetime | None = None,
) -> ConcernReport:
    return services.concern_report_create(
        actor=User.objects.get(username=actor),
        forum=forum(forum_name),
        received_by=unit(received_by),
        channel="police_daily_report",
        urgency=urgency,
        summary="Bekymring fra døgnrapporten.",
        reporter=reporter,
        citizen=citizen,
        received_at=received_at,
    )


def citizen(age: int = 16, first_name: str = "Noah", last_name: str = "Testesen") -> Citizen:
    return services.citizen_create(
        actor=None, cpr_number=fresh_cpr(age), first_name=first_name, last_name=last_name
    )


def screen_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {"decision": "advice_only", "note": "Rådgivning til skolen."}
    data.update(overrides)
    return data


def assert_login_redirect(response) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def event_texts() -> list[str]:
    return [
        json.dumps([e.detail, e.object_id, e.purpose, e.legal_basis])
        for e in AuditEvent.objects.all()
    ]


@pytest.fixture
def nomination(persona) -> ConcernReport:
    """An identified nomination to Knock Knock Aalborg, with a reporter to hear back."""
    return report_for(citizen=citizen(16, "Oliver", "Nomineret"))


@pytest.fixture
def anonymous(persona) -> ConcernReport:
    return report_for(citizen=None)


# --- The Knock Knock nomination: politi.forebyg nominates, the forum accepts -------------------


def test_police_nominate_and_ssp_accepts_by_opening_a_case(client_as) -> None:
    number = fresh_cpr(16)
    police = client_as("politi.forebyg")
    page = police.get(url("intake_new"))
    assert page.status_code == 200
    form = page.context["form"]
    assert form.fields["received_by"].initial == unit("Forebyggelse Aalborg").pk
    assert forum(KK) in form.fields["forum"].queryset
    counts = (ConcernReport.objects.count(), Citizen.objects.count())
    first = police.post(url("intake_new"), nomination_data(number))
    assert first.status_code == 200 and register_name(number) in first.content.decode()
    assert (ConcernReport.objects.count(), Citizen.objects.count()) == counts  # nothing yet
    response = confirmed(police, url("intake_new"), nomination_data(number))
    report = ConcernReport.objects.get(summary__startswith="Set flere gange")
    assert response.status_code == 302
    assert response["Location"] == url("intake_detail", report)
    assert number not in response["Location"] and number[:6] not in response["Location"]
    assert (report.channel, report.urgency, report.forum.name) == (
        "police_daily_report",
        "amber",
        KK,
    )
    assert report.received_by.name == "Forebyggelse Aalborg"
    assert report.citizen is not None and report.citizen.name == register_name(number)
    assert report.screening_due_at == report.received_at + dt.timedelta(days=3)
    assert AuditEvent.objects.filter(
        actor__username="politi.forebyg",
        action="create",
        object_type="coordination.concernreport",
        object_id=str(report.pk),
        citizen_id=report.citizen_id,
        outcome="ok",
    ).exists()
    assert AuditEvent.objects.filter(
        actor__username="politi.forebyg",
        action="create",
        object_type="coordination.citizen",
        citizen_id=report.citizen_id,
    ).exists()

    # The forum's SSP worker sees the nomination in the queue, named.
    ssp = client_as("ssp.aalborg")
    listing = ssp.get(url("intake_list"))
    assert listing.status_code == 200
    assert report in listing.context["unscreened"]
    body = listing.content.decode()
    assert register_name(number) in body and report.reference in body
    assert AuditEvent.objects.filter(
        actor__username="ssp.aalborg", action="list", citizen_id=report.citizen_id
    ).exists()

    # ... and accepts it at the list meeting: a Knock Knock case led by SSP Aalborg, 15-17.
    screen = ssp.get(url("intake_screen", report))
    assert screen.status_code == 200
    assert "track" in screen.context["form"].fields
    response = ssp.post(
        url("intake_screen", report),
        screen_data(decision="open_case", lead_unit=unit("SSP Aalborg").pk, track="15-17"),
    )
    report.refresh_from_db()
    assert report.case is not None
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:case_detail", args=[report.case.pk])
    case = Case.objects.get(pk=report.case.pk)
    assert (case.status, case.track, case.forum.name) == ("active", "15-17", KK)
    assert case.citizen_id == report.citizen_id
    lead = case.participants.get(role="lead")
    assert lead.unit.name == "SSP Aalborg"
    assert report.decision == "open_case" and report.decided_by.username == "ssp.aalborg"
    assert report.feedback_due_at == report.decided_at + dt.timedelta(days=7)
    assert AuditEvent.objects.filter(
        actor__username="ssp.aalborg",
        action="change",
        object_type="coordination.concernreport",
        object_id=str(report.pk),
        case_id=case.pk,
        detail__decision="open_case",
    ).exists()
    assert AuditEvent.objects.filter(
        actor__username="ssp.aalborg",
        action="create",
        case_id=case.pk,
        object_type="coordination.case",
    ).exists()
    # The screened nomination moves below, with its decision and case.
    listing = ssp.get(url("intake_list"))
    assert report not in listing.context["unscreened"] and report in listing.context["screened"]
    assert case.reference in listing.content.decode()
    detail = ssp.get(url("intake_detail", report)).content.decode()
    assert reverse("coordination:case_detail", args=[case.pk]) in detail
    assert url("intake_screen", report) not in detail
    assert url("intake_feedback", report) in detail
    # The CPR number was only ever in the POST body.
    for text in [listing.content.decode(), detail, *event_texts()]:
        assert number not in text and f"{number[:6]}-{number[6:]}" not in text


def test_a_nomination_on_the_wrong_track_is_refused_on_the_track_field(
    client_as, nomination: ConcernReport
) -> None:
    response = client_as("ssp.aalborg").post(
        url("intake_screen", nomination),
        screen_data(decision="open_case", lead_unit=unit("SSP Aalborg").pk, track="18-25"),
    )
    assert response.status_code == 400
    assert "track" in response.context["form"].errors
    nomination.refresh_from_db()
    assert nomination.decision == "" and nomination.case is None
    assert not Case.objects.filter(citizen=nomination.citizen_id).exists()


def test_an_18_year_old_nomination_goes_on_the_18_25_track(client_as) -> None:
    report = report_for(citizen=citizen(20, "Emil", "Ældre"))
    response = client_as("ssp.aalborg").post(
        url("intake_screen", report),
        screen_data(decision="open_case", lead_unit=unit("SSP Aalborg").pk, track="18-25"),
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.case is not None and report.case.track == "18-25"


# --- A school concern: anonymised first, identified later, advice only --------------------------


def test_school_concern_anonymised_then_identified_then_advice_only(client_as) -> None:
    school = client_as("skole.aalborg")
    page = school.get(url("intake_new"))
    assert page.status_code == 200
    assert list(page.context["form"].fields["forum"].queryset) == [forum("SSP Aalborg")]
    response = school.post(
        url("intake_new"),
        {
            "forum": forum("SSP Aalborg").pk,
            "received_by": unit("Skoler Aalborg").pk,
            "channel": "school",
            "urgency": "green",
            "reporter": "Klasselærer 8.b",
            "summary": "En elev i 8. klasse har stort fravær og har talt om hurtige penge.",
        },
    )
    report = ConcernReport.objects.get(summary__startswith="En elev i 8. klasse")
    assert response.status_code == 302
    assert report.is_anonymous and report.received_by.name == "Skoler Aalborg"
    assert report.screening_due_at == report.received_at + dt.timedelta(days=10)
    assert AuditEvent.objects.filter(
        action="create", object_id=str(report.pk), detail__anonymous=True, citizen_id=None
    ).exists()

    ssp = client_as("ssp.aalborg")
    listing = ssp.get(url("intake_list")).content.decode()
    assert report.reference in listing and 'data-testid="anonymised"' in listing
    detail = ssp.get(url("intake_detail", report))
    assert detail.status_code == 200
    assert url("intake_identify", report) in detail.content.decode()

    # Identified later, by the SSP worker: the CPR number goes in the POST body only.
    number = fresh_cpr(14)
    assert ssp.get(url("intake_identify", report)).status_code == 200
    response = confirmed(ssp, url("intake_identify", report), {"cpr": number})
    assert response.status_code == 302 and response["Location"] == url("intake_detail", report)
    report.refresh_from_db()
    name = register_name(number)
    assert report.citizen is not None and report.citizen.name == name
    assert AuditEvent.objects.filter(
        actor__username="ssp.aalborg",
        action="change",
        object_id=str(report.pk),
        detail__change="identify",
        citizen_id=report.citizen_id,
    ).exists()
    # Identifying again is not offered, and a GET goes back to the report.
    again = ssp.get(url("intake_identify", report))
    assert again.status_code == 302 and again["Location"] == url("intake_detail", report)
    # A POST names nobody else (refused, without showing any name to confirm).
    refused = ssp.post(url("intake_identify", report), {"cpr": fresh_cpr(14)})
    assert refused.status_code == 400 and refused.context["confirm"] is None
    report.refresh_from_db()
    assert report.citizen.name == name

    # Screened: advice only; no case, back to the report.
    response = ssp.post(url("intake_screen", report), screen_data())
    assert response.status_code == 302 and response["Location"] == url("intake_detail", report)
    report.refresh_from_db()
    assert report.decision == "advice_only" and report.case is None
    assert not Case.objects.filter(citizen=report.citizen_id).exists()
    body = school.get(url("intake_detail", report)).content.decode()
    assert name in body
    for text in [body, listing, *event_texts()]:
        assert number not in text and f"{number[:6]}-{number[6:]}" not in text


def test_a_bad_cpr_number_and_other_bad_input_are_refused(client_as) -> None:
    client = client_as("politi.forebyg")
    before = (ConcernReport.objects.count(), Citizen.objects.count())
    for data, field in (
        (nomination_data("3213990000"), "cpr"),
        (nomination_data(fresh_cpr(16), urgency="purple"), "urgency"),
        (nomination_data(fresh_cpr(16), summary=""), "summary"),
        (nomination_data(fresh_cpr(16), forum=forum("PSP Hjørring").pk), "forum"),
    ):
        response = client.post(url("intake_new"), data)
        assert response.status_code == 400, data
        assert field in response.context["form"].errors
        assert response.context["confirm"] is None  # no name shown for a refused form
    assert (ConcernReport.objects.count(), Citizen.objects.count()) == before


def test_without_a_register_names_are_typed_and_a_name_needs_a_cpr_number(
    client_as, settings
) -> None:
    settings.CPR_REGISTER = "none"
    client = client_as("politi.forebyg")
    before = (ConcernReport.objects.count(), Citizen.objects.count())
    for data, field in (
        (nomination_data("", first_name="Kun", last_name="Navn"), "cpr"),
        (nomination_data(fresh_cpr(16)), "first_name"),
        (nomination_data(fresh_cpr(16), first_name="Oliver"), "last_name"),
    ):
        response = client.post(url("intake_new"), data)
        assert response.status_code == 400, data
        assert field in response.context["form"].errors
    assert (ConcernReport.objects.count(), Citizen.objects.count()) == before
    number = fresh_cpr(16)
    typed = nomination_data(number, first_name="Oliver", last_name="Nomineret")
    assert client.post(url("intake_new"), typed).status_code == 302  # no confirmation step
    assert Citizen.objects.by_cpr(number).get().name == "Oliver Nomineret"


def test_identifying_a_known_citizen_shows_and_stores_the_registers_name(
    client_as, anonymous: ConcernReport, open_case
) -> None:
    # ssp.aalborg names a citizen known from a Hjørring case: the page shows the register's
    # name, never the stored one, and the stored one is replaced by it (authoritative).
    hidden = open_case(
        "SSP Hjørring", "ssp.hjoerring", "SSP Hjørring", age=14, last_name="Skjultsen"
    ).citizen
    number = hidden.full_cpr()
    ssp = client_as("ssp.aalborg")
    first = ssp.post(url("intake_identify", anonymous), {"cpr": number})
    assert first.status_code == 200 and "Skjultsen" not in first.content.decode()
    assert first.context["confirm"].name == register_name(number)
    assert ConcernReport.objects.get(pk=anonymous.pk).citizen_id is None  # nothing yet
    response = confirmed(ssp, url("intake_identify", anonymous), {"cpr": number})
    assert response.status_code == 302
    anonymous.refresh_from_db()
    assert anonymous.citizen_id == hidden.pk
    detail = ssp.get(url("intake_detail", anonymous)).content.decode()
    assert "Skjultsen" not in detail and register_name(number) in detail


# --- Deadlines per urgency ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("urgency", "within"),
    [
        ("red", dt.timedelta(hours=24)),
        ("amber", dt.timedelta(days=3)),
        ("green", dt.timedelta(days=10)),
    ],
)
def test_the_screening_deadline_follows_the_urgency(client_as, urgency: str, within) -> None:
    client = client_as("politi.forebyg")
    response = client.post(url("intake_new"), nomination_data("", urgency=urgency))
    assert response.status_code == 302
    report = ConcernReport.objects.filter(urgency=urgency).latest("pk")
    assert report.screening_due_at - report.received_at == within
    page = client.get(url("intake_detail", report)).content.decode()
    assert 'data-testid="deadline"' in page and 'data-testid="overdue"' not in page


def test_an_overdue_report_is_marked_in_the_list_and_on_its_page(client_as) -> None:
    late = report_for(urgency="red", received_at=timezone.now() - dt.timedelta(hours=30))
    soon = report_for(urgency="green")
    client = client_as("ssp.aalborg")
    listing = client.get(url("intake_list"))
    unscreened = listing.context["unscreened"]
    assert unscreened.index(late) < unscreened.index(soon)
    rows = listing.content.decode().split('data-testid="report"')
    late_row = next(r for r in rows if late.reference in r)
    soon_row = next(r for r in rows if soon.reference in r)
    assert 'data-testid="overdue"' in late_row and "badge-error" in late_row
    assert 'data-testid="overdue"' not in soon_row and "badge-success" in soon_row
    assert 'data-testid="overdue"' in client.get(url("intake_detail", late)).content.decode()


# --- Feedback to the reporter --------------------------------------------------------------------


def test_feedback_is_recorded_once(client_as, nomination: ConcernReport, persona) -> None:
    client = client_as("ssp.aalborg")
    # Not before the screening.
    early = client.get(url("intake_feedback", nomination))
    assert early.status_code == 302 and early["Location"] == url("intake_detail", nomination)
    assert client.post(url("intake_feedback", nomination), {"note": "Tak"}).status_code == 400
    services.concern_report_screen(
        actor=persona("ssp.aalborg"), report=nomination, decision="no_action", note="Ikke nu."
    )
    assert client.get(url("intake_feedback", nomination)).status_code == 200
    response = client.post(url("intake_feedback", nomination), {"note": "Vi har vurderet sagen."})
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert nomination.feedback_given_at is not None
    assert nomination.feedback_note == "Vi har vurderet sagen."
    assert nomination.feedback_by.username == "ssp.aalborg"
    assert AuditEvent.objects.filter(
        actor__username="ssp.aalborg",
        action="change",
        object_id=str(nomination.pk),
        detail__change="feedback",
        outcome="ok",
    ).exists()
    detail = client.get(url("intake_detail", nomination)).content.decode()
    assert "Vi har vurderet sagen." in detail
    assert url("intake_feedback", nomination) not in detail
    # A second time: refused, and nothing changes.
    again = client.post(url("intake_feedback", nomination), {"note": "Igen"})
    assert again.status_code == 400
    assert again.context["form"].non_field_errors()
    nomination.refresh_from_db()
    assert nomination.feedback_note == "Vi har vurderet sagen."
    assert client.get(url("intake_feedback", nomination)).status_code == 302


def test_feedback_needs_a_note(client_as, nomination: ConcernReport, persona) -> None:
    services.concern_report_screen(
        actor=persona("ssp.aalborg"), report=nomination, decision="no_action"
    )
    response = client_as("ssp.aalborg").post(url("intake_feedback", nomination), {"note": ""})
    assert response.status_code == 400 and "note" in response.context["form"].errors
    nomination.refresh_from_db()
    assert nomination.feedback_given_at is None


def test_no_feedback_button_without_a_reporter(client_as, persona) -> None:
    report = report_for(reporter="", citizen=citizen())
    services.concern_report_screen(
        actor=persona("ssp.aalborg"), report=report, decision="no_action"
    )
    report.refresh_from_db()
    assert report.feedback_due_at is None
    body = client_as("ssp.aalborg").get(url("intake_detail", report)).content.decode()
    assert url("intake_feedback", report) not in body


# --- Screening refusals --------------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["open_case", "add_to_existing"])
def test_decisions_tied_to_a_case_need_an_identified_citizen(
    client_as, anonymous: ConcernReport, decision: str
) -> None:
    client = client_as("ssp.aalborg")
    page = client.get(url("intake_screen", anonymous))
    assert 'data-testid="identify-first"' in page.content.decode()
    response = client.post(
        url("intake_screen", anonymous),
        screen_data(decision=decision, lead_unit=unit("SSP Aalborg").pk, track="15-17"),
    )
    assert response.status_code == 400
    assert "decision" in response.context["form"].errors
    anonymous.refresh_from_db()
    assert anonymous.decision == "" and anonymous.case is None


def test_add_to_existing_takes_only_an_open_case_of_the_citizen(
    client_as, nomination: ConcernReport, open_case
) -> None:
    client = client_as("ssp.aalborg")
    other = open_case(KK, "ssp.aalborg", "SSP Aalborg", age=16, track="15-17")
    response = client.post(
        url("intake_screen", nomination), screen_data(decision="add_to_existing", case=other.pk)
    )
    assert response.status_code == 400 and "case" in response.context["form"].errors
    response = client.post(
        url("intake_screen", nomination), screen_data(decision="add_to_existing")
    )
    assert response.status_code == 400 and "case" in response.context["form"].errors
    nomination.refresh_from_db()
    assert nomination.decision == "" and nomination.case is None
    # The citizen's own case (in the SSP forum) is offered and taken.
    own = services.case_open(
        actor=User.objects.get(username="ssp.aalborg"),
        citizen=nomination.citizen,
        forum=forum("SSP Aalborg"),
        lead_unit=unit("SSP Aalborg"),
    )
    page = client.get(url("intake_screen", nomination))
    assert list(page.context["form"].fields["case"].queryset) == [own]
    response = client.post(
        url("intake_screen", nomination), screen_data(decision="add_to_existing", case=own.pk)
    )
    assert response.status_code == 302 and response["Location"] == url("intake_detail", nomination)
    nomination.refresh_from_db()
    assert nomination.case == own and nomination.decision == "add_to_existing"


def test_forward_needs_a_recipient(client_as, nomination: ConcernReport) -> None:
    client = client_as("ssp.aalborg")
    response = client.post(url("intake_screen", nomination), screen_data(decision="forward"))
    assert response.status_code == 400 and "forwarded_to" in response.context["form"].errors
    nomination.refresh_from_db()
    assert nomination.decision == ""
    response = client.post(
        url("intake_screen", nomination),
        screen_data(decision="forward", forwarded_to="Børn og Familie Rebild"),
    )
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert (nomination.decision, nomination.forwarded_to) == ("forward", "Børn og Familie Rebild")


def test_open_case_needs_a_lead_unit_and_a_decision_is_needed(
    client_as, nomination: ConcernReport
) -> None:
    client = client_as("ssp.aalborg")
    response = client.post(url("intake_screen", nomination), screen_data(decision="open_case"))
    assert response.status_code == 400 and "lead_unit" in response.context["form"].errors
    response = client.post(url("intake_screen", nomination), {"note": "x"})
    assert response.status_code == 400 and "decision" in response.context["form"].errors
    # A unit the user may not open cases for is not a choice.
    response = client.post(
        url("intake_screen", nomination),
        screen_data(decision="open_case", lead_unit=unit("Familiegrupperne").pk, track="15-17"),
    )
    assert response.status_code == 400 and "lead_unit" in response.context["form"].errors
    assert not Case.objects.filter(citizen=nomination.citizen_id).exists()


def test_a_screened_report_is_not_screened_again(
    client_as, nomination: ConcernReport, persona
) -> None:
    services.concern_report_screen(
        actor=persona("ssp.aalborg"), report=nomination, decision="no_action"
    )
    client = client_as("politi.forebyg")
    page = client.get(url("intake_screen", nomination))
    assert page.status_code == 302 and page["Location"] == url("intake_detail", nomination)
    response = client.post(url("intake_screen", nomination), screen_data())
    assert response.status_code == 400 and response.context["form"].non_field_errors()
    nomination.refresh_from_db()
    assert nomination.decision == "no_action"


def test_the_track_field_is_only_offered_in_knock_knock(client_as, persona) -> None:
    report = report_for(forum_name="SSP Aalborg", citizen=citizen(14))
    page = client_as("ssp.aalborg").get(url("intake_screen", report))
    assert "track" not in page.context["form"].fields


# --- Who sees and who may act --------------------------------------------------------------------


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsiders_get_404_and_do_not_see_the_report(
    client_as, nomination: ConcernReport, username: str
) -> None:
    client = client_as(username)
    for name in REPORT_PAGES:
        assert client.get(url(name, nomination)).status_code == 404, name
        if name != "intake_detail":
            assert client.post(url(name, nomination), screen_data()).status_code == 404, name
    listing = client.get(url("intake_list"))
    assert listing.status_code == 200
    assert nomination not in listing.context["unscreened"]
    assert nomination.reference not in listing.content.decode()
    assert "Oliver Nomineret" not in listing.content.decode()
    assert AuditEvent.objects.filter(
        actor__username=username,
        outcome="denied",
        detail__object_type="coordination.concernreport",
        detail__object_id=str(nomination.pk),
    ).count() >= len(REPORT_PAGES)
    nomination.refresh_from_db()
    assert nomination.decision == "" and nomination.feedback_given_at is None


@pytest.mark.parametrize("username", ["statistik", "revisor", "politi.efterforsk"])
def test_statistics_and_audit_users_see_no_report_and_may_record_none(
    client_as, nomination: ConcernReport, username: str
) -> None:
    client = client_as(username)
    listing = client.get(url("intake_list"))
    assert listing.status_code == 200
    assert listing.context["unscreened"] == [] and listing.context["screened"] == []
    assert reverse("coordination:intake_new") not in listing.content.decode()
    assert AuditEvent.objects.filter(
        actor__username=username, action="list", detail__view="intake_list", citizen_id=None
    ).exists()
    assert client.get(url("intake_detail", nomination)).status_code == 404
    assert client.get(url("intake_new")).status_code == 403
    assert client.post(url("intake_new"), nomination_data(fresh_cpr(16))).status_code == 403
    assert AuditEvent.objects.filter(
        actor__username=username, outcome="denied", detail__view="intake_new"
    ).exists()


@pytest.fixture
def reader() -> str:
    """A read-only member of SSP Aalborg: sees its forums' reports, may not screen them."""
    user = User.objects.create_user(username="laeser.aalborg", password="x")
    account_services.membership_add(
        actor=None, user=user, unit=unit("SSP Aalborg"), role=Membership.Role.READ_ONLY
    )
    return user.username


def test_a_read_only_member_sees_the_report_but_gets_403_on_acting(
    client_as, nomination: ConcernReport, reader: str, persona
) -> None:
    client = client_as(reader)
    detail = client.get(url("intake_detail", nomination))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert url("intake_screen", nomination) not in body
    assert url("intake_identify", nomination) not in body
    assert nomination in client.get(url("intake_list")).context["unscreened"]
    for name in ("intake_identify", "intake_screen", "intake_feedback"):
        assert client.get(url(name, nomination)).status_code == 403, name
        assert client.post(url(name, nomination), screen_data()).status_code == 403, name
    assert client.get(url("intake_new")).status_code == 403
    assert AuditEvent.objects.filter(
        actor__username=reader,
        outcome="denied",
        object_id=str(nomination.pk),
        detail__refused="screen",
    ).exists()
    nomination.refresh_from_db()
    assert nomination.decision == ""


def test_anonymous_users_go_to_login(nomination: ConcernReport) -> None:
    client = Client()
    assert_login_redirect(client.get(url("intake_list")))
    assert_login_redirect(client.get(url("intake_new")))
    for name in REPORT_PAGES:
        assert_login_redirect(client.get(url(name, nomination)))
        assert_login_redirect(client.post(url(name, nomination), screen_data()))


def test_the_list_shows_the_forums_reports_only(client_as) -> None:
    hjoerring = report_for(
        "ssp.hjoerring", forum_name="SSP Hjørring", received_by="SSP Hjørring", citizen=None
    )
    aalborg = report_for(citizen=None)
    listing = client_as("ssp.aalborg").get(url("intake_list")).context["unscreened"]
    assert aalborg in listing and hjoerring not in listing
    other = client_as("ssp.hjoerring").get(url("intake_list")).context["unscreened"]
    assert hjoerring in other and aalborg not in other
    # skole.aalborg's school sits in SSP Aalborg only: no Knock Knock nominations.
    assert aalborg not in client_as("skole.aalborg").get(url("intake_list")).context["unscreened"]
    assert client_as("skole.aalborg").get(url("intake_detail", aalborg)).status_code == 404


# --- The audit trail -----------------------------------------------------------------------------


def test_every_read_is_audited(client_as, nomination: ConcernReport) -> None:
    client = client_as("fam.aalborg")
    assert client.get(url("intake_detail", nomination)).status_code == 200
    assert AuditEvent.objects.filter(
        actor__username="fam.aalborg",
        action="view",
        outcome="ok",
        object_type="coordination.concernreport",
        object_id=str(nomination.pk),
        citizen_id=nomination.citizen_id,
        detail__view="intake_detail",
        purpose="prevention:knock_knock",
        legal_basis="RPL115_SSP",
    ).exists()
    assert client.get(url("intake_screen", nomination)).status_code == 200
    assert AuditEvent.objects.filter(
        actor__username="fam.aalborg",
        action="view",
        object_id=str(nomination.pk),
        detail__view="intake_screen",
    ).exists()
    assert client.post(url("intake_screen", nomination), {}).status_code == 400
    assert AuditEvent.objects.filter(
        actor__username="fam.aalborg",
        action="view",
        object_id=str(nomination.pk),
        detail__view="intake_screen",
        detail__invalid=True,
    ).exists()
    assert client.get(url("intake_new")).status_code == 200
    assert AuditEvent.objects.filter(
        actor__username="fam.aalborg", action="view", detail__view="intake_new"
    ).exists()
    missing = reverse("coordination:intake_detail", args=[999999999])
    assert client.get(missing).status_code == 404
    assert AuditEvent.objects.filter(
        actor__username="fam.aalborg", outcome="denied", detail__object_id="999999999"
    ).exists()


# --- Query counts --------------------------------------------------------------------------------


def _bulk_reports(count: int) -> None:
    forum_obj, received_by = forum(KK), unit("Forebyggelse Aalborg")
    police = User.objects.get(username="politi.forebyg")
    now = timezone.now()
    for n in range(count):
        who = citizen(16, "Bulk", f"Borger{n}") if n % 2 else None
        report = ConcernReport.objects.create(
            forum=forum_obj,
            received_by=received_by,
            recorded_by=police,
            channel="police_daily_report",
            urgency="amber",
            summary="x",
            citizen=who,
            screening_due_at=now + dt.timedelta(hours=n),
        )
        if n % 3 == 0:
            ConcernReport.objects.filter(pk=report.pk).update(
                decision="no_action", decided_at=now, decided_by=police
            )


def _list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("intake_list")).status_code == 200
    return len(queries)


def test_the_list_runs_a_constant_number_of_queries(client_as) -> None:
    client = client_as("ssp.aalborg")
    _bulk_reports(3)
    few = _list_queries(client)
    _bulk_reports(17)
    assert len(client.get(url("intake_list")).context["unscreened"]) >= 13
    assert _list_queries(client) == few


# --- Reminders -----------------------------------------------------------------------------------


def test_the_reminder_scan_picks_up_screening_and_feedback(persona) -> None:
    now = timezone.now()
    report = report_for(urgency="red", received_at=now - dt.timedelta(hours=20), citizen=citizen())
    far = report_for(urgency="green")
    reminders.reminders_scan(now=now, enqueue=False)
    screening = Reminder.objects.get(kind="concern_screening", concern_report=report)
    assert screening.recipient_unit.name == "Forebyggelse Aalborg"
    assert screening.deadline == report.screening_due_at
    assert not Reminder.objects.filter(concern_report=far).exists()

    services.concern_report_screen(
        actor=persona("ssp.aalborg"), report=report, decision="no_action"
    )
    report.refresh_from_db()
    reminders.reminders_scan(now=report.feedback_due_at - dt.timedelta(hours=1), enqueue=False)
    feedback = Reminder.objects.get(kind="concern_feedback", concern_report=report)
    assert feedback.recipient.username == "ssp.aalborg"
    assert feedback.deadline == report.feedback_due_at
    # Once the reporter has been told, what is still pending is dropped.
    services.concern_feedback_record(
        actor=persona("ssp.aalborg"), report=report, note="Svar givet."
    )
    feedback.refresh_from_db()
    assert feedback.state == Reminder.State.DROPPED
