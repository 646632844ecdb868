"""Reminders, with time travel: every kind fires in its window, once, to the right person;
delivery is idempotent and e-mails carry no personal data. (Real worker, beat and Redis:
tests/integration/test_reminders_celery.py.)"""

from __future__ import annotations

import datetime as dt
import smtplib
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import Unit, User
from coordination import reminders, services, tasks
from coordination.models import ALL_CATEGORIES, Action, Case, Notification, Reminder

pytestmark = pytest.mark.django_db

Kind = Reminder.Kind
T0 = dt.datetime(2027, 3, 10, 12, 0, tzinfo=dt.UTC)  # a Wednesday, well after the seed


@pytest.fixture(autouse=True)
def clock():
    """Tests run a few hours before T0; scans and fixtures travel further themselves."""
    with time_machine.travel(T0 - dt.timedelta(hours=3), tick=False):
        yield


@pytest.fixture
def case(open_case) -> Case:
    with time_machine.travel(T0 - dt.timedelta(days=30), tick=False):
        return open_case(
            "Knock Knock Aalborg",
            "ssp.aalborg",
            "SSP Aalborg",
            age=16,
            others=["Forebyggelse Aalborg", "Familiegrupperne"],
            track="15-17",
        )


@pytest.fixture
def action(case: Case, persona) -> Action:
    with time_machine.travel(T0 - dt.timedelta(days=2), tick=False):
        return services.action_create(
            actor=persona("ssp.aalborg"),
            case=case,
            title="Ring til Mikkel om fritidsjobbet",
            responsible=persona("politi.forebyg"),
            due_at=T0,
        )


def scan_at(moment: dt.datetime) -> list[Reminder]:
    with time_machine.travel(moment, tick=False):
        before = set(Reminder.objects.values_list("pk", flat=True))
        reminders.reminders_scan(enqueue=False)
    return list(Reminder.objects.exclude(pk__in=before).order_by("pk"))


def deliver(found: list[Reminder]) -> int:
    return tasks.deliver_reminders([r.pk for r in found])


def kinds(found: list[Reminder], action: Action | None = None) -> set[str]:
    return {r.kind for r in found if action is None or r.action_id == action.pk}


# --- Every kind, in its window --------------------------------------------------------


def test_nothing_before_the_due_soon_window(action: Action) -> None:
    assert kinds(scan_at(T0 - dt.timedelta(hours=25)), action) == set()


def test_due_soon_goes_to_the_responsible_person(action: Action, persona) -> None:
    found = [r for r in scan_at(T0 - dt.timedelta(hours=23)) if r.action_id == action.pk]
    assert kinds(found) == {Kind.ACTION_DUE_SOON}
    assert found[0].recipient == persona("politi.forebyg")
    assert found[0].deadline == T0


def test_due_then_overdue(action: Action) -> None:
    assert kinds(scan_at(T0 + dt.timedelta(minutes=1)), action) == {Kind.ACTION_DUE}
    assert kinds(scan_at(T0 + dt.timedelta(hours=25)), action) == {Kind.ACTION_OVERDUE}


def test_escalation_to_the_coordinator_then_the_unit_lead(action: Action, case: Case) -> None:
    found = [r for r in scan_at(T0 + dt.timedelta(days=3, minutes=1)) if r.action_id == action.pk]
    assert kinds(found) == {Kind.ACTION_ESCALATION}
    assert found[0].recipient_id == case.coordinator_id
    later = [r for r in scan_at(T0 + dt.timedelta(days=6, minutes=1)) if r.action_id == action.pk]
    assert kinds(later) == {Kind.ACTION_ESCALATION_UNIT}
    assert later[0].recipient is None and later[0].recipient_unit == action.responsible_unit


def test_an_action_found_late_gets_only_the_kinds_of_its_window(action: Action) -> None:
    # The scanner was down for four days: no stale "due soon" or "due" now.
    assert kinds(scan_at(T0 + dt.timedelta(days=4)), action) == {Kind.ACTION_ESCALATION}


def test_case_review_reminds_the_coordinator(case: Case) -> None:
    review = case.next_review_at
    assert review is not None
    midnight = dt.datetime.combine(review, dt.time.min, tzinfo=timezone.get_current_timezone())
    early = scan_at(midnight - dt.timedelta(days=9))
    assert not [r for r in early if r.case_id == case.pk and r.kind == Kind.CASE_REVIEW]
    found = [r for r in scan_at(midnight - dt.timedelta(days=6)) if r.case_id == case.pk]
    reminder = next(r for r in found if r.kind == Kind.CASE_REVIEW)
    assert reminder.recipient_id == case.coordinator_id and reminder.deadline == midnight


def test_expiring_consent_reminds_who_recorded_it(case: Case, persona) -> None:
    with time_machine.travel(T0 - dt.timedelta(days=20), tick=False):
        consent = services.consent_register(
            actor=persona("ssp.aalborg"),
            case=case,
            given_by="both",  # a young person (15-17) and a guardian
            guardian_name="Forælder",
            scope_units=list(Unit.objects.filter(name__in=["SSP Aalborg"])),
            scope_categories=ALL_CATEGORIES,
            purpose="Samarbejde om fritidsjob",
            form="written",
            valid_until=T0 + dt.timedelta(days=10),
        )
    assert not [r for r in scan_at(T0 - dt.timedelta(days=5)) if r.consent_id == consent.pk]
    found = [r for r in scan_at(T0) if r.consent_id == consent.pk]
    assert kinds(found) == {Kind.CONSENT_EXPIRING}
    assert found[0].recipient == persona("ssp.aalborg")


def test_leaving_the_age_band_is_flagged(case: Case) -> None:
    # The 15-17 track ends at 18 (the handover decision, sharing-rules.md 6), well before the
    # forum's band ends at 26.
    born = case.citizen.birth_date
    leaves = dt.datetime.combine(
        born.replace(year=born.year + 18), dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    assert not [
        r
        for r in scan_at(leaves - dt.timedelta(days=40))
        if r.kind == Kind.AGE_BAND and r.case_id == case.pk
    ]
    found = [r for r in scan_at(leaves - dt.timedelta(days=20)) if r.case_id == case.pk]
    age = next(r for r in found if r.kind == Kind.AGE_BAND)
    assert age.deadline == leaves and age.recipient_id == case.coordinator_id


# --- Once, and only while relevant ------------------------------------------------------


def test_a_second_scan_records_nothing_new(action: Action) -> None:
    assert kinds(scan_at(T0 + dt.timedelta(minutes=1)), action) == {Kind.ACTION_DUE}
    assert kinds(scan_at(T0 + dt.timedelta(minutes=2)), action) == set()


def test_delivery_notifies_once_and_e_mails_once(action: Action, persona) -> None:
    officer = persona("politi.forebyg")
    officer.email = "officer@example.org"
    officer.save(update_fields=["email"])
    found = [r for r in scan_at(T0 + dt.timedelta(minutes=1)) if r.action_id == action.pk]
    assert deliver(found) == 1
    assert deliver(found) == 0  # redelivered message: nothing more
    notes = Notification.objects.filter(reminder__action=action, user=officer)
    assert notes.count() == 1 and notes.get().emailed_at is not None
    sent = [m for m in mail.outbox if "officer@example.org" in m.to]
    assert len(sent) == 1
    message = sent[0].subject + sent[0].body
    assert action.case.reference in message
    # No personal data: not the action's title, not the citizen's name.
    assert "Mikkel" not in message and action.case.citizen.last_name not in message
    assert reminders.reminder_deliver(reminder_id=found[0].pk) == []


def test_a_finished_action_is_not_reminded(action: Action, persona) -> None:
    found = scan_at(T0 + dt.timedelta(minutes=1))
    services.action_complete(actor=persona("ssp.aalborg"), action=action, note="Done")
    deliver(found)
    assert not Notification.objects.filter(reminder__action=action).exists()
    assert Reminder.objects.get(pk=found[0].pk).state == Reminder.State.DROPPED
    assert kinds(scan_at(T0 + dt.timedelta(days=4)), action) == set()


def test_a_moved_deadline_drops_the_old_reminder_and_gets_new_ones(action: Action) -> None:
    found = scan_at(T0 - dt.timedelta(hours=2))
    Action.objects.filter(pk=action.pk).update(due_at=T0 + dt.timedelta(days=7))
    deliver(found)
    assert Reminder.objects.get(pk=found[0].pk).state == Reminder.State.DROPPED
    later = scan_at(T0 + dt.timedelta(days=7, minutes=1))
    assert kinds(later, action) == {Kind.ACTION_DUE}


def test_reassigning_moves_pending_reminders_to_the_new_person(action: Action, persona) -> None:
    found = scan_at(T0 - dt.timedelta(hours=2))
    services.action_reassign(
        actor=persona("ssp.aalborg"), action=action, responsible=persona("fam.aalborg")
    )
    deliver(found)
    users = set(
        Notification.objects.filter(reminder__action=action).values_list(
            "user__username", flat=True
        )
    )
    assert users == {"fam.aalborg"}
    # And the reminders still to come follow the new person too.
    due = [r for r in scan_at(T0 + dt.timedelta(minutes=1)) if r.action_id == action.pk]
    assert due[0].recipient == persona("fam.aalborg")


def test_unit_reminders_reach_the_units_coordinators(action: Action) -> None:
    found = [
        r
        for r in scan_at(T0 + dt.timedelta(days=6, minutes=1))
        if r.kind == Kind.ACTION_ESCALATION_UNIT
    ]
    deliver(found)
    notified = set(
        Notification.objects.filter(reminder__in=found).values_list("user_id", flat=True)
    )
    coordinators = set(
        User.objects.filter(
            memberships__unit=action.responsible_unit, memberships__role="coordinator"
        ).values_list("pk", flat=True)
    )
    assert notified == coordinators


def test_a_digest_user_gets_one_e_mail_a_day(action: Action, persona) -> None:
    officer = persona("politi.forebyg")
    officer.email, officer.reminder_email = "officer@example.org", User.ReminderEmail.DIGEST
    officer.save(update_fields=["email", "reminder_email"])
    deliver([r for r in scan_at(T0 - dt.timedelta(hours=2)) if r.action_id == action.pk])
    deliver([r for r in scan_at(T0 + dt.timedelta(minutes=1)) if r.action_id == action.pk])
    assert not [m for m in mail.outbox if "officer@example.org" in m.to]
    assert tasks.send_digests() >= 2
    digests = [m for m in mail.outbox if "officer@example.org" in m.to]
    assert len(digests) == 1 and "Mikkel" not in digests[0].body
    assert tasks.send_digests() == 0


def test_an_smtp_failure_is_retried_and_sends_once(action: Action, persona) -> None:
    officer = persona("politi.forebyg")
    officer.email = "officer@example.org"
    officer.save(update_fields=["email"])
    found = [r for r in scan_at(T0 + dt.timedelta(minutes=1)) if r.action_id == action.pk]
    with (
        mock.patch(
            "coordination.reminders.send_mail",
            side_effect=smtplib.SMTPConnectError(421, b"try later"),
        ),
        pytest.raises(smtplib.SMTPConnectError),
    ):
        tasks.deliver_reminders.run([r.pk for r in found])
    note = Notification.objects.get(reminder__action=action, user=officer)
    assert note.emailed_at is None  # released for the retry
    tasks.deliver_reminders.run([r.pk for r in found])  # the retry
    assert len([m for m in mail.outbox if "officer@example.org" in m.to]) == 1


def test_the_scan_enqueues_after_commit_in_batches(
    action: Action, django_capture_on_commit_callbacks
) -> None:
    with (
        time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False),
        mock.patch.object(reminders, "enqueue_delivery") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        reminders.reminders_scan()
    assert delay.called
    sent = [pk for call in delay.call_args_list for pk in call.args[0]]
    assert len(sent) == len(set(sent))
    assert Reminder.objects.filter(action=action).values_list("pk", flat=True).first() in sent


def test_a_broker_outage_loses_nothing(action: Action, django_capture_on_commit_callbacks) -> None:
    with (
        time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False),
        mock.patch.object(reminders, "enqueue_delivery", side_effect=ConnectionError) as down,
        django_capture_on_commit_callbacks(execute=True),
    ):
        reminders.reminders_scan()
    assert down.called
    reminder = Reminder.objects.get(action=action)
    assert reminder.state == Reminder.State.PENDING
    # Later, the broker is back: the next scan finds the stale pending reminder again.
    with (
        time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False),
        mock.patch.object(reminders, "enqueue_delivery") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert reminders.reminders_scan() == 0  # nothing new recorded
    assert reminder.pk in [pk for call in delay.call_args_list for pk in call.args[0]]


def test_the_beat_schedule_scans_every_minute(settings) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["scan-reminders"]
    assert entry["task"] == "coordination.tasks.scan_reminders" and entry["schedule"] == 60.0


def test_an_e_mail_that_may_have_gone_out_is_not_sent_again(action: Action, persona) -> None:
    officer = persona("politi.forebyg")
    officer.email = "officer@example.org"
    officer.save(update_fields=["email"])
    found = [r for r in scan_at(T0 + dt.timedelta(minutes=1)) if r.action_id == action.pk]
    with mock.patch("coordination.reminders.send_mail", side_effect=TimeoutError):
        assert tasks.deliver_reminders.run([r.pk for r in found]) == 0  # not raised: no retry
    note = Notification.objects.get(reminder__action=action, user=officer)
    assert note.emailed_at is not None  # the claim stays: never twice
    tasks.deliver_reminders.run([r.pk for r in found])
    assert not [m for m in mail.outbox if "officer@example.org" in m.to]
