"""The life of an open case (sharing-rules.md 6): reviews, the decision when the citizen
leaves the forum's band or track, the closing countdown without one, legal holds, and the
reminders that ask for each once, to the right people, with no personal data by e-mail."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from coordination import lifecycle, reminders, services
from coordination.models import AuditEvent, Case, CaseReview, Notification, Reminder
from coordination.workflows import add_months
from tests.helpers import forum, unit, user

pytestmark = pytest.mark.django_db

KK = ("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg")
PSP = ("PSP Aalborg", "politi.forebyg", "Forebyggelse Aalborg")
_numbers = itertools.count(500)


def born_on(day: dt.date) -> str:
    """A fictitious CPR number for someone born on `day` (2000 or later)."""
    return day.strftime("%d%m%y") + f"8{next(_numbers) % 1000:03d}"


def citizen_turning(age: int, in_days: int) -> Any:
    """A citizen who turns `age` in `in_days` days."""
    birthday = timezone.localdate() + dt.timedelta(days=in_days)
    return services.citizen_create(
        actor=user("ssp.aalborg"),
        cpr_number=born_on(add_months(birthday, -12 * age)),
        first_name="Ung",
        last_name="Testesen",
    )


def case_for(citizen: Any, forum_name: str, track: str = "", reason: str = "") -> Case:
    return services.case_open(
        actor=user("ssp.aalborg"),
        citizen=citizen,
        forum=forum(forum_name),
        lead_unit=unit("SSP Aalborg"),
        track=track,
        age_override_reason=reason,
    )


def scan(at: dt.datetime) -> int:
    return reminders.reminders_scan(now=at, enqueue=False)


def deliver_all() -> None:
    for pk in Reminder.objects.filter(state="pending").values_list("pk", flat=True):
        for note in reminders.reminder_deliver(reminder_id=pk):
            reminders.notification_email(notification_id=note)


def at(days: int, hour: int = 9) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


# --- Reviews --------------------------------------------------------------------------------


def test_a_case_is_opened_with_its_forums_review_date(open_case) -> None:
    case = open_case(*KK, age=16, track="15-17")
    assert case.next_review_at == add_months(timezone.localdate(), 6)
    psp = forum("PSP Aalborg")
    psp.review_months = 3
    psp.save()
    other = open_case(*PSP, age=40)
    assert other.next_review_at == add_months(timezone.localdate(), 3)


def test_the_lead_records_that_the_case_is_still_necessary(open_case) -> None:
    case = open_case(*KK, age=16, track="15-17", others=["Forebyggelse Aalborg"])
    ssp = user("ssp.aalborg")
    wanted = timezone.localdate() + dt.timedelta(days=60)
    review = services.case_review(
        actor=ssp, case=case, decision="continue", reason="Fortsat kontakt", next_review_at=wanted
    )
    case.refresh_from_db()
    assert case.next_review_at == wanted and review.kind == "review"
    assert AuditEvent.objects.filter(
        actor=ssp, case_id=case.pk, detail__change="case_review", detail__decision="continue"
    ).exists()
    # Without a date: the forum's interval.
    services.case_review(actor=ssp, case=case, decision="continue", reason="Stadig nødvendig")
    case.refresh_from_db()
    assert case.next_review_at == add_months(timezone.localdate(), 6)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"next_review_at": "today"}, "next_review_at"),
        ({"next_review_at": "far"}, "next_review_at"),
        ({"decision": "sometime"}, "decision"),
    ],
)
def test_a_review_needs_a_reason_and_a_date_within_the_interval(open_case, changes, field) -> None:
    case = open_case(*KK, age=16, track="15-17")
    before = case.next_review_at
    days = {"today": 0, "far": 400}
    body: dict[str, Any] = {"decision": "continue", "reason": "Fortsat", **changes}
    if "next_review_at" in changes:
        body["next_review_at"] = timezone.localdate() + dt.timedelta(
            days=days[changes["next_review_at"]]
        )
    with pytest.raises(ValidationError) as refused:
        services.case_review(actor=user("ssp.aalborg"), case=case, **body)
    assert field in refused.value.message_dict
    case.refresh_from_db()
    assert case.next_review_at == before and not CaseReview.objects.filter(case=case).exists()


def test_only_the_lead_reviews_and_a_closed_case_is_not_reviewed(open_case) -> None:
    case = open_case(*KK, age=16, track="15-17", others=["Forebyggelse Aalborg"])
    with pytest.raises(PermissionDenied):
        services.case_review(
            actor=user("politi.forebyg"), case=case, decision="continue", reason="x"
        )
    services.case_review(
        actor=user("ssp.aalborg"),
        case=case,
        decision="close",
        reason="Mål nået",
        code="goal_reached",
    )
    case.refresh_from_db()
    assert (case.status, case.closure_code) == ("closed", "goal_reached")
    assert case.retention_from == case.closed_at
    with pytest.raises(PermissionDenied):
        services.case_review(actor=user("ssp.aalborg"), case=case, decision="continue", reason="x")


def test_review_reminders_ahead_overdue_and_escalated_once_each(open_case) -> None:
    case = open_case(*KK, age=16, track="15-17")
    case.next_review_at = timezone.localdate() + dt.timedelta(days=5)
    case.save()
    kinds = ("case_review", "case_review_overdue", "case_review_escalation")

    def recorded() -> list[str]:
        return sorted(
            Reminder.objects.filter(case=case, kind__in=kinds).values_list("kind", flat=True)
        )

    scan(at(0))
    scan(at(0))
    assert recorded() == ["case_review"]
    scan(at(6))
    scan(at(6))
    assert recorded() == ["case_review", "case_review_overdue"]
    scan(at(5 + 14))
    scan(at(5 + 14, hour=15))
    assert recorded() == ["case_review", "case_review_escalation", "case_review_overdue"]
    lead = Reminder.objects.get(case=case, kind="case_review_overdue")
    assert lead.recipient == user("ssp.aalborg")  # the case's coordinator
    escalation = Reminder.objects.get(case=case, kind="case_review_escalation")
    assert escalation.recipient is None
    assert escalation.recipient_unit == forum("Knock Knock Aalborg").coordinating_unit
    mail.outbox.clear()
    deliver_all()
    told = Notification.objects.filter(reminder=escalation).values_list("user__username", flat=True)
    assert list(told) == ["politi.forebyg"]  # the coordinating unit's coordinator
    for message in mail.outbox:
        assert "Ung" not in message.body and "Testesen" not in message.subject
        assert case.citizen.full_cpr()[:6] not in message.body + message.subject


def test_a_new_review_date_drops_the_pending_reminders(open_case) -> None:
    case = open_case(*KK, age=16, track="15-17")
    case.next_review_at = timezone.localdate() - dt.timedelta(days=1)
    case.save()
    scan(at(0))
    services.case_review(actor=user("ssp.aalborg"), case=case, decision="continue", reason="Videre")
    deliver_all()
    assert not Notification.objects.filter(reminder__case=case).exists()
    assert set(Reminder.objects.filter(case=case).values_list("state", flat=True)) == {"dropped"}


# --- Leaving the band or track --------------------------------------------------------------


def test_turning_18_on_the_15_17_track_asks_the_lead_once_and_moving_track_settles_it() -> None:
    citizen = citizen_turning(18, in_days=20)
    case = case_for(citizen, "Knock Knock Aalborg", track="15-17")
    case = Case.objects.select_related("citizen", "forum").get(pk=case.pk)
    assert lifecycle.leaves_on(case) == timezone.localdate() + dt.timedelta(days=20)
    assert lifecycle.handover_pending(case) and not lifecycle.aged_out(case)
    scan(at(0))
    scan(at(1))
    assert list(Reminder.objects.filter(case=case).values_list("kind", flat=True)) == ["age_band"]
    review = services.case_handover(
        actor=user("ssp.aalborg"), case=case, decision="move_track", reason="Fortsætter i 18-25"
    )
    case.refresh_from_db()
    assert case.track == "18-25" and review.kind == "handover"
    case = Case.objects.select_related("citizen", "forum").get(pk=case.pk)
    assert not lifecycle.handover_pending(case)
    deliver_all()
    assert not Notification.objects.filter(reminder__case=case).exists()  # dropped: decided
    scan(at(21))
    assert not Reminder.objects.filter(case=case, kind="aged_out").exists()


def test_an_ssp_case_is_transferred_to_ssp_plus_at_18() -> None:
    citizen = citizen_turning(18, in_days=10)
    case = case_for(citizen, "SSP Aalborg")
    review = services.case_handover(
        actor=user("ssp.aalborg"),
        case=case,
        decision="transfer",
        reason="Fortsat indsats i SSP+",
        to_forum=forum("SSP+ Aalborg"),
        lead_unit=unit("SSP Aalborg"),
    )
    case.refresh_from_db()
    new = review.transferred_to
    assert (case.status, case.closure_code) == ("closed", "other_effort")
    assert new.forum == forum("SSP+ Aalborg") and new.citizen_id == citizen.pk
    assert new.status == "active" and new.age_override_reason  # taken over ahead of the day
    # Nothing of the old case moves with it.
    assert not new.entries.exists()


def test_a_transfer_to_a_forum_the_citizen_does_not_fit_is_refused() -> None:
    citizen = citizen_turning(18, in_days=10)
    case = case_for(citizen, "SSP Aalborg")
    with pytest.raises(ValidationError) as refused:
        services.case_handover(
            actor=user("ssp.aalborg"),
            case=case,
            decision="transfer",
            reason="x",
            to_forum=forum("SSP Aalborg"),
            lead_unit=unit("SSP Aalborg"),
        )
    assert "to_forum" in refused.value.message_dict
    case.refresh_from_db()
    assert case.status == "active"


def test_continuing_past_the_band_needs_a_reason_and_stops_the_countdown() -> None:
    citizen = citizen_turning(18, in_days=-3)  # left the SSP band three days ago
    case = case_for(citizen, "SSP Aalborg", reason="Åbnet sent")
    case = Case.objects.select_related("citizen", "forum").get(pk=case.pk)
    assert lifecycle.aged_out(case)
    with pytest.raises(ValidationError):
        services.case_handover(actor=user("ssp.aalborg"), case=case, decision="continue", reason="")
    services.case_handover(
        actor=user("ssp.aalborg"), case=case, decision="continue", reason="Afslutter forløbet"
    )
    case = Case.objects.select_related("citizen", "forum").get(pk=case.pk)
    assert not lifecycle.aged_out(case) and case.age_override_reason == "Afslutter forløbet"


def test_without_a_decision_the_case_closes_when_the_countdown_has_run() -> None:
    citizen = citizen_turning(18, in_days=5)
    case = case_for(citizen, "SSP Aalborg")
    birthday = timezone.localdate() + dt.timedelta(days=5)
    scan(at(5))
    assert set(Reminder.objects.filter(case=case).values_list("kind", flat=True)) == {
        "age_band",
        "aged_out",
    }
    with time_machine.travel(at(5 + 29)):
        services.apply_retention()
        assert Case.objects.get(pk=case.pk).status == "active"
    with time_machine.travel(at(5 + 30)):
        summary = services.apply_retention()
    assert summary.closed_aged_out >= 1
    case.refresh_from_db()
    assert (case.status, case.closure_code) == ("closed", "aged_out")
    # The retention clock started on the birthday, not on the closing.
    assert timezone.localtime(case.retention_from).date() == birthday
    case = Case.objects.select_related("forum").get(pk=case.pk)
    assert lifecycle.deletion_due(case) == add_months(birthday, 12)
    with time_machine.travel(
        timezone.make_aware(dt.datetime.combine(add_months(birthday, 12), dt.time(9)))
    ):
        services.apply_retention()
    assert not Case.objects.filter(pk=case.pk).exists()


def test_only_the_lead_decides_at_the_band() -> None:
    citizen = citizen_turning(18, in_days=5)
    case = case_for(citizen, "Knock Knock Aalborg", track="15-17")
    services.participant_add(
        actor=user("ssp.aalborg"),
        case=case,
        unit=unit("Forebyggelse Aalborg"),
        role="participant",
        legal_basis="RPL115_SSP",
        categories=["general"],
    )
    with pytest.raises(PermissionDenied):
        services.case_handover(
            actor=user("politi.forebyg"), case=case, decision="move_track", reason="x"
        )


# --- Legal holds ----------------------------------------------------------------------------


def test_who_may_put_a_case_on_hold(open_case) -> None:
    case = open_case(*PSP, age=40, others=["Almenpsykiatrisk Afdeling Syd"])
    until = timezone.localdate() + dt.timedelta(days=90)
    with pytest.raises(PermissionDenied):  # a caseworker of a unit taking part
        services.legal_hold_place(actor=user("psyk.syd"), case=case, reason="x", until=until)
    with pytest.raises(PermissionDenied):  # an outsider
        services.legal_hold_place(actor=user("ssp.hjoerring"), case=case, reason="x", until=until)
    hold = services.legal_hold_place(
        actor=user("politi.forebyg"), case=case, reason="Klagesag", until=until
    )
    by_admin = services.legal_hold_place(
        actor=user("admin"), case=case, reason="Retssag", until=until + dt.timedelta(days=1)
    )
    assert AuditEvent.objects.filter(
        case_id=case.pk, detail__change="legal_hold", detail__hold=hold.pk
    ).exists()
    assert AuditEvent.objects.filter(actor__username="admin", detail__hold=by_admin.pk).exists()


@pytest.mark.parametrize(
    ("days", "reason", "field"), [(0, "x", "until"), (6 * 366, "x", "until"), (30, " ", "reason")]
)
def test_a_hold_needs_a_reason_and_a_date_ahead(open_case, days, reason, field) -> None:
    case = open_case(*PSP, age=40)
    with pytest.raises(ValidationError) as refused:
        services.legal_hold_place(
            actor=user("politi.forebyg"),
            case=case,
            reason=reason,
            until=timezone.localdate() + dt.timedelta(days=days),
        )
    assert field in refused.value.message_dict
    assert not case.legal_holds.exists()
