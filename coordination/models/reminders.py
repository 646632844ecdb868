"""Reminders and notifications. The database is the source of truth: a reminder is a row
with a unique key (kind, the thing, its deadline) written by the scan before anything is
enqueued, so it is created once, survives a broker outage and is delivered once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit


class Reminder(models.Model):
    """One reminder about one deadline of one thing; delivered as notifications (+ e-mail)."""

    class Kind(models.TextChoices):
        ACTION_DUE_SOON = "action_due_soon", _("Action due soon")
        ACTION_DUE = "action_due", _("Action due")
        ACTION_OVERDUE = "action_overdue", _("Action overdue")
        ACTION_ESCALATION = "action_escalation", _("Overdue action (to the case coordinator)")
        ACTION_ESCALATION_UNIT = "action_escalation_unit", _("Overdue action (to the unit lead)")
        CASE_REVIEW = "case_review", _("Case review due")
        CASE_REVIEW_OVERDUE = "case_review_overdue", _("Case review overdue")
        CASE_REVIEW_ESCALATION = (
            "case_review_escalation",
            _("Overdue case review (to the forum's coordinator)"),
        )
        CONSENT_EXPIRING = "consent_expiring", _("Consent expiring")
        AGE_BAND = "age_band", _("Citizen leaving the forum's age band")
        AGED_OUT = "aged_out", _("Citizen left the age band: the case closes unless decided")
        CONCERN_SCREENING = "concern_screening", _("Concern report to screen")
        CONCERN_FEEDBACK = "concern_feedback", _("Feedback to the reporter due")
        OUTCOME_DUE = "outcome_due", _("Outcome snapshot due")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
        ACTION_PLAN_DUE = "action_plan_due", _("Handleplan to be fixed by 1 February")
        ACTION_PLAN_DEADLINE = "action_plan_deadline", _("Handleplan deadline today")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        DROPPED = "dropped", _("Dropped")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # The thing reminded about: exactly one of these (see the check constraint).
    action = models.ForeignKey(
        "coordination.Action",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("action"),
    )
    consent = models.ForeignKey(
        "coordination.Consent",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("consent"),
    )
    case = models.ForeignKey(
        "coordination.Case",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("case"),
    )
    concern_report = models.ForeignKey(
        "coordination.ConcernReport",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("concern report"),
    )
    # A lokalråd's handleplan not yet approved as its deadline nears (councils.py).
    action_plan = models.ForeignKey(
        "coordination.ActionPlan",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("action plan"),
    )
    deadline = models.DateTimeField(_("deadline"))
    # Who is told: a person, or (when no person is named) the coordinators of a unit.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    recipient_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient unit"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    enqueued_at = models.DateTimeField(_("enqueued"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            # The unique key: one reminder per kind, thing and deadline, however many scans
            # run, overlap or repeat after an outage.
            models.UniqueConstraint(
                fields=["kind", "action", "deadline"],
                condition=models.Q(action__isnull=False),
                name="reminder_unique_action",
            ),
            models.UniqueConstraint(
                fields=["kind", "consent", "deadline"],
                condition=models.Q(consent__isnull=False),
                name="reminder_unique_consent",
            ),
            models.UniqueConstraint(
                fields=["kind", "case", "deadline"],
                condition=models.Q(
                    action__isnull=True,
                    consent__isnull=True,
                    concern_report__isnull=True,
                    action_plan__isnull=True,
                ),
                name="reminder_unique_case",
            ),
            models.UniqueConstraint(
                fields=["kind", "action_plan", "deadline"],
                condition=models.Q(action_plan__isnull=False),
                name="reminder_unique_action_plan",
            ),
            models.UniqueConstraint(
                fields=["kind", "concern_report", "deadline"],
                condition=models.Q(concern_report__isnull=False),
                name="reminder_unique_concern",
            ),
            models.CheckConstraint(
                condition=models.Q(action__isnull=False)
                | models.Q(consent__isnull=False)
                | models.Q(case__isnull=False)
                | models.Q(concern_report__isnull=False)
                | models.Q(action_plan__isnull=False),
                name="reminder_has_a_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "enqueued_at"], name="reminder_state_enqueued_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.deadline:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """What a user sees under the bell (and, unless they chose a digest, gets by e-mail)."""

    reminder = models.ForeignKey(
        Reminder, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("reminder")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["reminder", "user"], name="notification_once"),
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.reminder}"
