"""Reminders of the workflows (issue 8), with time travel: a concern report to screen by
its deadline (to the receiving unit's coordinators), the reporter's feedback (to whoever
screened), and outcome snapshots 3, 6 and 12 months after enrolment (to the coordinator);
each once, and dropped when the thing is done before delivery."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Unit
from coordination import reminders, services, tasks, workflows
from coordination.models import Case, ConcernReport, Forum, Notification, Reminder

pytestmark = pytest.mark.django_db

Kind = Reminder.Kind
T0 = dt.datetime(2027, 3, 10, 12, 0, tzinfo=dt.UTC)


def scan_at(moment: dt.datetime) -> list[Reminder]:
    with time_machine.travel(moment, tick=False):
        before = set(Reminder.objects.values_list("pk", flat=True))
        reminders.reminders_scan(enqueue=False)
    return list(Reminder.objects.exclude(pk__in=before).order_by("pk"))


def deliver_at(moment: dt.datetime, found: list[Reminder]) -> int:
    with time_machine.travel(moment, tick=False):
        return tasks.deliver_reminders([r.pk for r in found])


@pytest.fixture
def report(persona) -> ConcernReport:
    with time_machine.travel(T0, tick=False):
        return services.concern_report_create(
            actor=persona("politi.forebyg"),
            forum=Forum.objects.get(name="Knock Knock Aalborg"),
            received_by=Unit.objects.get(name="Forebyggelse Aalborg"),
            channel=ConcernReport.Channel.POLICE_DAILY_REPORT,
            urgency=ConcernReport.Urgency.AMBER,
            summary="Set sammen med ældre gruppe ved stationen",
            reporter="Vagtchef",
        )


def ours(found: list[Reminder], report: ConcernReport) -> list[Reminder]:
    return [r for r in found if r.concern_report_id == report.pk]


def test_screening_reminder_before_the_deadline_to_the_receiving_unit(report) -> None:
    deadline = T0 + workflows.SCREENING_DEADLINES[ConcernReport.Urgency.AMBER]
    assert report.screening_due_at == deadline
    assert ours(scan_at(deadline - dt.timedelta(hours=13)), report) == []
    [reminder] = ours(scan_at(deadline - dt.timedelta(hours=11)), report)
    assert reminder.kind == Kind.CONCERN_SCREENING and reminder.deadline == deadline
    assert reminder.recipient_unit == report.received_by and reminder.recipient is None
    assert ours(scan_at(deadline - dt.timedelta(hours=10)), report) == []  # once


def test_a_report_screened_before_delivery_is_not_reminded(report, persona) -> None:
    deadline = report.screening_due_at
    found = ours(scan_at(deadline - dt.timedelta(hours=11)), report)
    with time_machine.travel(deadline - dt.timedelta(hours=10), tick=False):
        services.concern_report_screen(
            actor=persona("ssp.aalborg"), report=report, decision="advice_only", note="Råd"
        )
    deliver_at(deadline - dt.timedelta(hours=9), found)
    found[0].refresh_from_db()
    assert found[0].state == Reminder.State.DROPPED
    assert not Notification.objects.filter(reminder=found[0]).exists()


def test_feedback_reminder_goes_to_who_screened_and_stops_with_the_feedback(
    report, persona
) -> None:
    screened_at = T0 + dt.timedelta(hours=5)
    with time_machine.travel(screened_at, tick=False):
        services.concern_report_screen(
            actor=persona("ssp.aalborg"), report=report, decision="advice_only", note="Råd"
        )
    report.refresh_from_db()
    assert report.feedback_due_at == screened_at + workflows.FEEDBACK_WITHIN
    found = [
        r
        for r in ours(scan_at(report.feedback_due_at - dt.timedelta(hours=1)), report)
        if r.kind == Kind.CONCERN_FEEDBACK
    ]
    assert [r.recipient for r in found] == [persona("ssp.aalborg")]
    assert deliver_at(report.feedback_due_at, found) >= 0
    assert Notification.objects.filter(reminder=found[0], user=persona("ssp.aalborg")).exists()


def test_no_feedback_reminder_without_a_reporter(persona) -> None:
    with time_machine.travel(T0, tick=False):
        report = services.concern_report_create(
            actor=persona("politi.forebyg"),
            forum=Forum.objects.get(name="Knock Knock Aalborg"),
            received_by=Unit.objects.get(name="Forebyggelse Aalborg"),
            channel=ConcernReport.Channel.SELF,
            urgency=ConcernReport.Urgency.GREEN,
            summary="Henvendte sig selv",
        )
        services.concern_report_screen(
            actor=persona("ssp.aalborg"), report=report, decision="no_action"
        )
    later = ours(scan_at(T0 + dt.timedelta(days=30)), report)
    assert [r for r in later if r.kind == Kind.CONCERN_FEEDBACK] == []


@pytest.fixture
def kk_case(open_case) -> Case:
    with time_machine.travel(T0, tick=False):
        return open_case("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg", age=16)


def outcome_reminders(found: list[Reminder], case: Case) -> list[Reminder]:
    return [r for r in found if r.kind == Kind.OUTCOME_DUE and r.case_id == case.pk]


def test_outcome_snapshots_are_reminded_at_3_6_and_12_months(kk_case: Case) -> None:
    opened = timezone.localtime(kk_case.opened_at).date()
    seen = []
    for months in workflows.OUTCOME_MILESTONES:
        due = workflows.outcome_due_on(opened, months)
        noon = dt.datetime.combine(due, dt.time(12), tzinfo=timezone.get_current_timezone())
        early = outcome_reminders(scan_at(noon - dt.timedelta(days=8)), kk_case)
        assert [r for r in early if timezone.localtime(r.deadline).date() == due] == []
        [reminder] = outcome_reminders(scan_at(noon - dt.timedelta(days=6)), kk_case)
        assert timezone.localtime(reminder.deadline).date() == due
        assert reminder.recipient == kk_case.coordinator
        seen.append(months)
    assert seen == [3, 6, 12]


def test_a_recorded_snapshot_is_not_reminded(kk_case: Case, persona) -> None:
    opened = timezone.localtime(kk_case.opened_at).date()
    due = workflows.outcome_due_on(opened, 3)
    with time_machine.travel(
        dt.datetime.combine(due, dt.time(9), tzinfo=timezone.get_current_timezone()), tick=False
    ):
        services.outcome_record(
            actor=persona("ssp.aalborg"),
            case=kk_case,
            milestone=3,
            education="enrolled",
            job="leisure",
            housing="stable",
        )
    moment = dt.datetime.combine(due, dt.time(12), tzinfo=timezone.get_current_timezone())
    assert outcome_reminders(scan_at(moment), kk_case) == []


def test_outcomes_are_not_reminded_in_forums_that_take_none(open_case) -> None:
    with time_machine.travel(T0, tick=False):
        case = open_case("SSP Aalborg", "ssp.aalborg", "SSP Aalborg", age=14)
    assert case.forum.effort_type not in workflows.OUTCOME_FORUMS
    due = workflows.outcome_due_on(timezone.localtime(case.opened_at).date(), 3)
    moment = dt.datetime.combine(due, dt.time(12), tzinfo=timezone.get_current_timezone())
    assert outcome_reminders(scan_at(moment), case) == []


def test_a_screening_reminder_links_the_report_and_its_email_carries_only_the_reference(
    report, persona, client_as, settings
) -> None:
    from django.core import mail
    from django.urls import reverse

    from accounts.models import Membership

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    coordinator = (
        Membership.objects.filter(unit=report.received_by, role="coordinator")
        .select_related("user")
        .first()
    )
    if coordinator is None:  # the demo gives every unit a coordinator; make sure anyway
        pytest.skip("no coordinator in the receiving unit")
    user = coordinator.user
    user.email, user.reminder_email = "koordinator@example.org", "immediate"
    user.save(update_fields=["email", "reminder_email"])
    found = ours(scan_at(report.screening_due_at - dt.timedelta(hours=11)), report)
    mail.outbox.clear()
    deliver_at(report.screening_due_at - dt.timedelta(hours=10), found)
    [message] = [m for m in mail.outbox if user.email in m.to]
    assert report.reference in message.subject
    assert "Set sammen" not in message.body and "Vagtchef" not in message.body
    page = client_as(user.username).get(reverse("coordination:notifications"))
    link = reverse("coordination:intake_detail", args=[report.pk])
    assert f'href="{link}"' in page.content.decode()
