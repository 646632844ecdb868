"""Reminders: the scan that records them and the delivery that sends them, exactly once.

The scan (a beat task, every minute) finds every deadline that has come into a reminder's
window (`reminder_finders.FINDERS`, one finder per kind) and inserts one `Reminder` row
per (kind, thing, deadline): the unique constraints make a second scan, an overlapping scan
or a scan after an outage insert nothing new. Only
after the rows are committed is their delivery enqueued (`transaction.on_commit`), in
batches. Pending reminders whose delivery was enqueued long ago are enqueued again, so a
broker outage or a dead worker loses nothing. Delivery locks the row and does nothing if it
is no longer pending, so a message delivered twice notifies once; e-mails are claimed before
they are sent, so none goes out twice (at worst, a worker killed mid-send loses one e-mail,
while the in-app notification stays).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import Membership, User
from config.celery import app as celery_app
from coordination import audit, lifecycle, workflows
from coordination.models import (
    Action,
    Case,
    ConcernReport,
    Consent,
    Notification,
    Reminder,
)
from coordination.reminder_finders import FINDERS, OPEN_ACTION, case_reminders, open_cases

logger = logging.getLogger(__name__)

Kind = Reminder.Kind
BATCH = 100  # reminder ids per delivery task
# Reminders that follow the action's responsible person (moved on reassignment).
PERSONAL_KINDS = (Kind.ACTION_DUE_SOON, Kind.ACTION_DUE, Kind.ACTION_OVERDUE)
# SMTP failures where the server certainly did not take the message: safe to send again.
SAFE_TO_RETRY = (
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPRecipientsRefused,
    ConnectionRefusedError,
)
# One scan at a time on PostgreSQL (an advisory lock for the scan's transaction), so that
# overlapping beat runs neither double-enqueue nor miscount what they recorded.
SCAN_LOCK = 0x5A4D_7244
# Reminders about a case's review date, and about leaving its band or track.
REVIEW_KINDS = (Kind.CASE_REVIEW, Kind.CASE_REVIEW_OVERDUE, Kind.CASE_REVIEW_ESCALATION)
BAND_KINDS = (Kind.AGE_BAND, Kind.AGED_OUT)
# The Celery task that delivers a batch of reminders (coordination.tasks).
DELIVERY_TASK = "coordination.tasks.deliver_reminders"


# --- The scan -----------------------------------------------------------------------------


def reminders_scan(*, now: dt.datetime | None = None, enqueue: bool = True) -> int:
    """Record every reminder that has fallen due and enqueue the pending ones; returns the
    number of reminders recorded by this scan. Safe to run twice at once."""
    now = now or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCAN_LOCK])
        # Counted by id range, not by counting the whole (ever-growing) table twice.
        before = Reminder.objects.aggregate(last=Max("pk"))["last"] or 0
        for finder in FINDERS:
            Reminder.objects.bulk_create(finder(now), batch_size=2000, ignore_conflicts=True)
        recorded = Reminder.objects.filter(pk__gt=before).count()
        if recorded:
            audit.write_event(
                actor=None,
                action=audit.Action.CREATE,
                purpose="reminders",
                detail={"reminders_recorded": recorded},
            )
        if enqueue:
            _enqueue_pending(now)
    return recorded


def _enqueue_pending(now: dt.datetime) -> None:
    stale = now - dt.timedelta(seconds=settings.REMINDER_REENQUEUE_AFTER_SECONDS)
    pending = Reminder.objects.filter(state=Reminder.State.PENDING).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale)
    )
    ids = list(pending.order_by("pk").values_list("pk", flat=True)[:50_000])
    if not ids:
        return
    Reminder.objects.filter(pk__in=ids).update(enqueued_at=now)

    def send() -> None:
        for start in range(0, len(ids), BATCH):
            try:
                enqueue_delivery(ids[start : start + BATCH])
            except Exception:  # noqa: BLE001 - the broker is down: the next scan retries
                logger.warning("Could not enqueue reminder delivery; the next scan retries.")
                return

    transaction.on_commit(send)


def enqueue_delivery(reminder_ids: list[int]) -> None:
    """Ask a worker to deliver these reminders. The task is named, not imported: tasks call
    this module, so this module does not import them."""
    celery_app.send_task(DELIVERY_TASK, args=[reminder_ids])


# --- Delivery -----------------------------------------------------------------------------


def _recipients(reminder: Reminder) -> list[User]:
    if reminder.recipient_id:
        user = User.objects.filter(pk=reminder.recipient_id, is_active=True).first()
        return [user] if user else []
    if reminder.recipient_unit_id:
        # A lokalråd's secretariat: everyone in it (it works with statistics, not cases);
        # any other unit: its coordinators.
        roles = (
            {} if reminder.action_plan_id else {"memberships__role": Membership.Role.COORDINATOR}
        )
        return list(
            User.objects.filter(
                is_active=True, memberships__unit_id=reminder.recipient_unit_id, **roles
            ).distinct()
        )
    return []


def _still_relevant(reminder: Reminder) -> bool:
    if reminder.action_id:
        action = reminder.action
        return bool(
            action
            and action.status in OPEN_ACTION
            and action.due_at == reminder.deadline
            and action.case.status != Case.Status.CLOSED
        )
    if reminder.consent_id:
        consent = reminder.consent
        return bool(
            consent and consent.withdrawn_at is None and consent.valid_until == reminder.deadline
        )
    if reminder.concern_report_id:
        report = reminder.concern_report
        if report is None:
            return False
        if reminder.kind == Kind.CONCERN_SCREENING:
            return not report.decision and report.screening_due_at == reminder.deadline
        return report.feedback_given_at is None and report.feedback_due_at == reminder.deadline
    if reminder.action_plan_id:
        plan = reminder.action_plan
        return bool(plan and plan.status == plan.Status.DRAFT)
    case = reminder.case
    if case is None or case.status == Case.Status.CLOSED:
        return False
    day = timezone.localtime(reminder.deadline).date()
    if reminder.kind in REVIEW_KINDS:
        return case.next_review_at == day
    if reminder.kind in BAND_KINDS:
        return lifecycle.leaves_on(case) == day and case.band_decision_for != day
    if reminder.kind == Kind.OUTCOME_DUE:
        return not any(
            workflows.outcome_due_on(timezone.localtime(case.opened_at).date(), m) == day
            for m in case.outcomes.values_list("milestone", flat=True)
        )
    return True


def reminder_deliver(*, reminder_id: int) -> list[int]:
    """Turn one pending reminder into notifications (once); returns the notification ids
    whose e-mail is still to be sent."""
    with transaction.atomic():
        reminder = (
            # of=("self",): the joins are outer (nullable keys), which PostgreSQL cannot lock.
            Reminder.objects.select_for_update(of=("self",))
            .select_related("action", "action__case", "consent", "case", "concern_report")
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None:
            return []
        if reminder.state == Reminder.State.PENDING:
            reminder.attempts += 1
            now = timezone.now()
            if not _still_relevant(reminder):
                reminder.state = Reminder.State.DROPPED
                reminder.save(update_fields=["state", "attempts"])
                return []
            users = _recipients(reminder)
            Notification.objects.bulk_create(
                [Notification(reminder=reminder, user=user, created_at=now) for user in users],
                ignore_conflicts=True,
            )
            reminder.state, reminder.delivered_at = Reminder.State.DELIVERED, now
            reminder.save(update_fields=["state", "delivered_at", "attempts"])
            audit.write_event(
                actor=None,
                action=audit.Action.CREATE,
                obj=reminder,
                case_id=reminder.case_id,
                purpose="reminders",
                detail={"kind": reminder.kind, "recipients": [u.pk for u in users]},
            )
    return list(
        Notification.objects.filter(
            reminder_id=reminder_id,
            emailed_at__isnull=True,
            user__reminder_email=User.ReminderEmail.IMMEDIATE,
        )
        .exclude(user__email="")
        .values_list("pk", flat=True)
    )


def _subject_reference(reminder: Reminder) -> str:
    """The reference an e-mail may carry: the case's, or the concern report's (BH-...)."""
    if reminder.concern_report_id:
        return reminder.concern_report.reference  # type: ignore[union-attr]
    if reminder.action_plan_id:
        plan = reminder.action_plan
        return f"{plan.council.municipality} {plan.year}" if plan else ""
    case = reminder.case or (reminder.action.case if reminder.action_id else None)  # type: ignore[union-attr]
    return case.reference if case else ""


def _link() -> str:
    return settings.SITE_URL + reverse("coordination:notifications")


def notification_email(*, notification_id: int) -> bool:
    """Send one notification's e-mail, at most once: the row is claimed before sending and
    released again if the SMTP server refuses (so the task's retry sends it)."""
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    note = Notification.objects.select_related(
        "user",
        "reminder",
        "reminder__case",
        "reminder__action__case",
        "reminder__concern_report",
        "reminder__action_plan__council",
    ).get(pk=notification_id)
    reminder = note.reminder
    try:
        with override(settings.LANGUAGE_CODE):
            reference = _subject_reference(reminder)
            subject = _("Samråd: %(kind)s %(reference)s") % {
                "kind": reminder.get_kind_display().lower(),
                "reference": reference,
            }
            # No name, no title, no note: a kind, a case reference and a link (sharing-rules.md).
            body = _(
                "You have a new reminder in Samråd (%(reference)s).\n\nSee it here: %(link)s\n"
            ) % {
                "reference": reference or "-",
                "link": _link(),
            }
        send_mail(subject.strip(), body, None, [note.user.email])
    except SAFE_TO_RETRY:
        # Refused before the server took the message: release it, and the task retries.
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    except (smtplib.SMTPException, OSError):
        # It may or may not have gone out (a timeout, a dropped connection after DATA):
        # keep the claim, so it is never sent twice; the notification is in the app anyway.
        logger.warning("Reminder e-mail %s may not have been sent; not retried.", notification_id)
        return False
    return True


def digest_send(*, user_id: int, now: dt.datetime | None = None) -> int:
    """The daily e-mail of a user who chose a digest: how many reminders are new, a link."""
    now = now or timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        pending = Notification.objects.filter(user=user, emailed_at__isnull=True)
        count = pending.update(emailed_at=now)
    if count and user.email:
        with override(settings.LANGUAGE_CODE):
            send_mail(
                _("Samråd: %(n)d new reminders") % {"n": count},
                _("You have %(n)d new reminders in Samråd.\n\nSee them here: %(link)s\n")
                % {"n": count, "link": _link()},
                None,
                [user.email],
            )
    return count


def digest_recipients() -> Iterable[int]:
    return (
        Notification.objects.filter(
            emailed_at__isnull=True, user__reminder_email=User.ReminderEmail.DIGEST
        )
        .values_list("user_id", flat=True)
        .distinct()
    )


def reminders_follow(*, action: Action) -> int:
    """After a reassignment: pending personal reminders go to the new responsible person."""
    return Reminder.objects.filter(
        action=action, kind__in=PERSONAL_KINDS, state=Reminder.State.PENDING
    ).update(
        recipient=action.responsible,
        recipient_unit=None if action.responsible_id else action.responsible_unit,
    )


def consent_withdrawn(*, consent: Consent) -> list[int]:
    """Tell the lead of every open case of the consent's citizen in its forum that the
    consent was withdrawn (what rested on it is hidden already): a reminder each, recorded
    in the caller's transaction and delivered by the next scan (within a minute), like any
    other. Returns the case ids."""
    when = consent.withdrawn_at or timezone.now()
    rows = (
        open_cases()
        .filter(citizen=consent.citizen_id, forum=consent.forum_id)
        .values_list("pk", "coordinator_id", "lead_unit")
    )
    found = case_reminders(Kind.CONSENT_WITHDRAWN, [(pk, when, c, u) for pk, c, u in rows])
    Reminder.objects.bulk_create(found, ignore_conflicts=True)
    return [r.case_id for r in found if r.case_id is not None]


def reminders_drop(
    *,
    action: Action | None = None,
    concern_report: ConcernReport | None = None,
    case: Case | None = None,
    kind: str | None = None,
    due_on: dt.date | None = None,
) -> int:
    """Drop the pending reminders about something that has just been done (an action
    completed, a reporter told, an outcome snapshot recorded: `case`, `kind` and the day it
    was `due_on`), in the caller's transaction, so none of them is delivered."""
    pending = Reminder.objects.filter(state=Reminder.State.PENDING)
    if action is not None:
        pending = pending.filter(action=action)
    if concern_report is not None:
        pending = pending.filter(concern_report=concern_report)
    if case is not None:
        pending = pending.filter(case=case)
    if kind is not None:
        pending = pending.filter(kind=kind)
    if due_on is not None:
        pending = pending.filter(deadline=lifecycle.local_midnight(due_on))
    if action is None and concern_report is None and case is None:
        raise ValueError("reminders_drop needs the thing whose reminders to drop")
    return pending.update(state=Reminder.State.DROPPED)
