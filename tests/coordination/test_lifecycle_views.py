"""The pages of a case's life: the review, the decision at the band's end and legal holds,
with their denials (outsiders 404, participants without the right 403, both audited) and the
dates the case page and the case list show."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Unit
from coordination import services
from coordination.models import AuditEvent, Case, Forum, LegalHold
from coordination.workflows import add_months
from tests.coordination.test_reviews import case_for, citizen_turning
from tests.helpers import token_client, user

pytestmark = pytest.mark.django_db

KK = ("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg")
PSP = ("PSP Aalborg", "politi.forebyg", "Forebyggelse Aalborg")


def url(name: str, *args: Any) -> str:
    return reverse(f"coordination:{name}", args=args)


def denied(username: str, case: Case) -> bool:
    """A refusal about the case is in the audit log (a 403 names the case; a 404 the id
    that was asked for)."""
    events = AuditEvent.objects.filter(actor__username=username, outcome="denied")
    return (
        events.filter(case_id=case.pk).exists()
        or events.filter(
            detail__object_type="coordination.case", detail__object_id=str(case.pk)
        ).exists()
    )


@pytest.fixture
def kk(open_case) -> Case:
    return open_case(*KK, age=16, track="15-17", others=["Forebyggelse Aalborg"])


# --- The review -----------------------------------------------------------------------------


def test_the_lead_reviews_on_its_page(client_as, kk) -> None:
    client = client_as("ssp.aalborg")
    page = client.get(url("case_review", kk.pk))
    assert page.status_code == 200
    assert AuditEvent.objects.filter(
        actor__username="ssp.aalborg", action="view", case_id=kk.pk, detail__view="case_review"
    ).exists()
    day = timezone.localdate() + dt.timedelta(days=40)
    done = client.post(
        url("case_review", kk.pk),
        {"decision": "continue", "reason": "Stadig kontakt", "next_review_at": day.isoformat()},
    )
    assert done.status_code == 302
    kk.refresh_from_db()
    assert kk.next_review_at == day
    body = client.get(url("case_detail", kk.pk)).content.decode()
    assert 'data-testid="reviews"' in body and "Stadig kontakt" in body
    # Another participant sees the decision, not the lead's reason.
    other = client_as("politi.forebyg").get(url("case_detail", kk.pk)).content.decode()
    assert 'data-testid="reviews"' in other and "Stadig kontakt" not in other


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "continue", "reason": ""}, "reason"),
        ({"decision": "continue", "reason": "x", "next_review_at": "2001-01-01"}, "next_review_at"),
        ({"decision": "continue", "reason": "x", "next_review_at": "nonsense"}, "next_review_at"),
        ({"decision": "close", "reason": "x"}, "code"),
        ({"decision": "maybe", "reason": "x"}, "decision"),
    ],
)
def test_a_bad_review_is_a_form_error(client_as, kk, body, field) -> None:
    before = kk.next_review_at
    response = client_as("ssp.aalborg").post(url("case_review", kk.pk), body)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    kk.refresh_from_db()
    assert kk.next_review_at == before and kk.status == "active"


def test_the_review_page_refuses_others(client_as, kk) -> None:
    assert client_as("politi.forebyg").get(url("case_review", kk.pk)).status_code == 403
    assert denied("politi.forebyg", kk)
    assert client_as("ssp.hjoerring").get(url("case_review", kk.pk)).status_code == 404
    assert denied("ssp.hjoerring", kk)
    response = client_as("politi.forebyg").post(
        url("case_review", kk.pk), {"decision": "close", "reason": "x", "code": "other"}
    )
    assert response.status_code == 403
    kk.refresh_from_db()
    assert kk.status == "active"


def test_a_review_can_close_the_case_and_the_page_then_shows_its_deletion_date(client_as, kk):
    client = client_as("ssp.aalborg")
    response = client.post(
        url("case_review", kk.pk),
        {"decision": "close", "reason": "Mål nået", "code": "goal_reached"},
    )
    assert response.status_code == 302
    body = client.get(url("case_detail", kk.pk)).content.decode()
    deletion = add_months(timezone.localdate(), 12)
    assert 'data-testid="deletion-date"' in body
    assert deletion.strftime("%d.%m.%Y") in body or deletion.strftime("%d-%m-%Y") in body
    # A closed case is not reviewed any more.
    assert client.get(url("case_review", kk.pk)).status_code == 403


def test_an_overdue_review_shows_on_the_case_and_in_the_list(client_as, kk) -> None:
    Case.objects.filter(pk=kk.pk).update(next_review_at=timezone.localdate() - dt.timedelta(days=2))
    client = client_as("ssp.aalborg")
    assert 'data-testid="review-overdue"' in client.get(url("case_detail", kk.pk)).content.decode()
    rows = client.post(url("case_list"), {"q": kk.reference}, HTTP_HX_REQUEST="true")
    assert "Overdue" in rows.content.decode() or "Overskredet" in rows.content.decode()


# --- The age band's end ---------------------------------------------------------------------


def test_the_handover_is_decided_on_its_page(client_as) -> None:
    case = case_for(citizen_turning(18, in_days=12), "Knock Knock Aalborg", track="15-17")
    client = client_as("ssp.aalborg")
    body = client.get(url("case_detail", case.pk)).content.decode()
    assert 'data-testid="handover-flag"' in body and url("case_handover", case.pk) in body
    page = client.get(url("case_handover", case.pk))
    assert page.status_code == 200 and 'value="move_track"' in page.content.decode()
    bad = client.post(url("case_handover", case.pk), {"decision": "transfer", "reason": "x"})
    assert bad.status_code == 400 and "to_forum" in bad.context["form"].errors
    done = client.post(
        url("case_handover", case.pk), {"decision": "move_track", "reason": "Videre i 18-25"}
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.track == "18-25"
    assert (
        'data-testid="handover-flag"'
        not in client.get(url("case_detail", case.pk)).content.decode()
    )


def test_an_aged_out_case_is_flagged_with_its_closing_day(client_as) -> None:
    case = case_for(citizen_turning(18, in_days=-2), "SSP Aalborg", reason="Sent åbnet")
    body = client_as("ssp.aalborg").get(url("case_detail", case.pk)).content.decode()
    assert 'data-testid="aged-out-flag"' in body
    closes = timezone.localdate() - dt.timedelta(days=2) + dt.timedelta(days=30)
    assert closes.strftime("%d.%m.%Y") in body or closes.strftime("%d-%m-%Y") in body


def test_the_handover_page_refuses_others(client_as) -> None:
    case = case_for(citizen_turning(18, in_days=12), "Knock Knock Aalborg", track="15-17")
    assert client_as("ssp.hjoerring").get(url("case_handover", case.pk)).status_code == 404
    assert denied("ssp.hjoerring", case)


# --- Legal holds ----------------------------------------------------------------------------


def test_a_coordinator_places_and_lifts_a_hold(client_as, open_case) -> None:
    case = open_case(*PSP, age=40, others=["Almenpsykiatrisk Afdeling Syd"])
    services.case_close(actor=user("politi.forebyg"), case=case, reason="Slut", code="other")
    client = client_as("politi.forebyg")
    assert (
        f'href="{url("legal_holds", case.pk)}"'
        in client.get(url("case_detail", case.pk)).content.decode()
    )
    page = client.get(url("legal_holds", case.pk))
    assert page.status_code == 200 and 'data-testid="deletion-date"' in page.content.decode()
    until = timezone.localdate() + dt.timedelta(days=500)
    done = client.post(
        url("legal_holds", case.pk), {"reason": "Klagesag", "until": until.isoformat()}
    )
    assert done.status_code == 302
    hold = LegalHold.objects.get(case=case)
    assert (hold.reason, hold.until, hold.placed_by.username) == (
        "Klagesag",
        until,
        "politi.forebyg",
    )
    assert AuditEvent.objects.filter(
        actor__username="politi.forebyg", detail__change="legal_hold"
    ).exists()
    body = client.get(url("case_detail", case.pk)).content.decode()
    assert 'data-testid="hold-flag"' in body
    # The psychiatry participant sees that the case is held, not why.
    psych = client_as("psyk.syd").get(url("case_detail", case.pk)).content.decode()
    assert 'data-testid="hold-flag"' in psych and "Klagesag" not in psych
    assert client.post(url("legal_hold_lift", case.pk, hold.pk)).status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_at is not None and hold.lifted_by.username == "politi.forebyg"


def test_the_hold_pages_refuse_others(client_as, open_case) -> None:
    case = open_case(*PSP, age=40, others=["Almenpsykiatrisk Afdeling Syd"])
    hold = services.legal_hold_place(
        actor=user("politi.forebyg"),
        case=case,
        reason="Klagesag",
        until=timezone.localdate() + dt.timedelta(days=30),
    )
    psych = client_as("psyk.syd")
    assert psych.get(url("legal_holds", case.pk)).status_code == 403
    assert denied("psyk.syd", case)
    assert psych.post(url("legal_hold_lift", case.pk, hold.pk)).status_code == 403
    outsider = client_as("ssp.hjoerring")
    assert outsider.get(url("legal_holds", case.pk)).status_code == 404
    assert outsider.post(url("legal_hold_lift", case.pk, hold.pk)).status_code == 404
    assert denied("ssp.hjoerring", case)
    # A hold of another case is not found through this one.
    other = open_case(*PSP, age=41)
    assert (
        client_as("politi.forebyg").post(url("legal_hold_lift", other.pk, hold.pk)).status_code
        == 404
    )
    hold.refresh_from_db()
    assert hold.lifted_at is None


@pytest.mark.parametrize(
    ("days", "reason", "field"), [(0, "x", "until"), (40, "", "reason"), (None, "x", "until")]
)
def test_a_bad_hold_is_a_form_error(client_as, open_case, days, reason, field) -> None:
    case = open_case(*PSP, age=40)
    until = "" if days is None else (timezone.localdate() + dt.timedelta(days=days)).isoformat()
    response = client_as("politi.forebyg").post(
        url("legal_holds", case.pk), {"reason": reason, "until": until}
    )
    assert response.status_code == 400 and field in response.context["form"].errors
    assert not LegalHold.objects.filter(case=case).exists()


def test_an_administrator_places_a_hold_in_the_admin(client_as, open_case) -> None:
    case = open_case(*PSP, age=40)
    admin = client_as("admin")
    until = timezone.localdate() + dt.timedelta(days=60)
    add = reverse("admin:coordination_legalhold_add")
    bad = admin.post(add, {"case": case.pk, "reason": "Retssag", "until": "2001-01-01"})
    assert bad.status_code == 200 and not LegalHold.objects.filter(case=case).exists()
    done = admin.post(add, {"case": case.pk, "reason": "Retssag", "until": until.isoformat()})
    assert done.status_code == 302
    hold = LegalHold.objects.get(case=case)
    assert hold.placed_by.username == "admin"
    assert AuditEvent.objects.filter(actor__username="admin", detail__change="legal_hold").exists()
    changelist = reverse("admin:coordination_legalhold_changelist")
    admin.post(changelist, {"action": "lift", "_selected_action": [hold.pk]})
    hold.refresh_from_db()
    assert hold.lifted_at is not None


def test_the_api_gives_the_cases_dates(open_case) -> None:
    case = open_case(*PSP, age=40)
    police = user("politi.forebyg")
    until = timezone.localdate() + dt.timedelta(days=800)
    services.legal_hold_place(actor=police, case=case, reason="Klagesag", until=until)
    services.case_close(actor=police, case=case, reason="Slut", code="other")
    body = token_client("politi.forebyg").get(f"/api/v1/cases/{case.pk}/").json()
    assert body["life"]["held_until"] == until.isoformat()
    # Deleted the day after the hold, which runs longer than the retention period.
    assert body["life"]["deletion_due"] == (until + dt.timedelta(days=1)).isoformat()
    assert body["life"]["next_review"] is None
    assert token_client("ssp.hjoerring").get(f"/api/v1/cases/{case.pk}/").status_code == 404


# --- The citizen's insight report -----------------------------------------------------------


def test_the_insight_report_says_when_each_case_is_reviewed_and_deleted(
    client_as, open_case
) -> None:
    """One open case (its next review), one closed (its deletion day) and one closed on hold
    (the deletion day after the hold, and the hold itself): in Danish dates."""
    from django.utils.formats import date_format
    from django.utils.translation import override

    kk = open_case(*KK, age=16, track="15-17", others=["Forebyggelse Aalborg"])
    police = user("politi.forebyg")
    psp = services.case_open(
        actor=police,
        citizen=kk.citizen,
        forum=Forum.objects.get(name="PSP Aalborg"),
        lead_unit=Unit.objects.get(name="Forebyggelse Aalborg"),
        age_override_reason="Test",
    )
    services.case_close(actor=police, case=psp, reason="Slut", code="other")
    until = timezone.localdate() + dt.timedelta(days=500)
    services.legal_hold_place(actor=police, case=psp, reason="Klagesag", until=until)
    response = client_as("revisor").post(url("audit_insight"), {"cpr": kk.citizen.full_cpr()})
    assert response.status_code == 200
    body = response.content.decode()

    def danish(day: dt.date) -> str:
        with override("da"):
            return date_format(day, "SHORT_DATE_FORMAT")

    reviews = re.findall(r'data-testid="insight-review">([^<]*)<', body)
    deletions = re.findall(r'data-testid="insight-deletion">([^<]*)<', body)
    assert danish(kk.next_review_at) in reviews
    # Open: deleted a retention period after it is closed; closed on hold: after the hold.
    assert any("12 måneder efter lukningen" in cell for cell in deletions)
    assert any(danish(until + dt.timedelta(days=1)) in cell for cell in deletions)
    assert f"slettestop til og med {danish(until)}" in body


def test_the_retention_run_is_a_nightly_beat_task(settings, open_case) -> None:
    from coordination import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == "coordination.tasks.apply_retention"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {30})
    old = open_case(*PSP, age=40)
    services.case_close(actor=user("politi.forebyg"), case=old, reason="Slut", code="other")
    Case.objects.filter(pk=old.pk).update(retention_from=timezone.now() - dt.timedelta(days=400))
    assert tasks.apply_retention() >= 1
    assert not Case.objects.filter(pk=old.pk).exists()
