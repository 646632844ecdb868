"""Intake: concern reports (bekymringshenvendelser), screened by a deadline set by their
urgency. The local rules they follow are tables in coordination/workflows.py."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from coordination.models.content import SharedContent
from coordination.models.fields import user_fk

# --- Intake: bekymringshenvendelser -------------------------------------------------------


class ConcernReport(SharedContent):
    """A concern about someone, received by a unit of a forum, screened by a deadline set by
    its urgency. It may be discussed anonymised before the citizen is identified. Its texts
    (the concern, the reasoning, the feedback) are shared content of the forum's intake:
    the receiving unit wrote them, the forum's member units of that moment received them."""

    SHARED_AT_FIELD = "received_at"

    AUTHOR_UNIT_FIELD = "received_by"

    class Channel(models.TextChoices):
        POLICE_DAILY_REPORT = "police_daily_report", _("Police daily report (døgnrapport)")
        SCHOOL = "school", _("School")
        PARENT = "parent", _("Parent")
        HOTLINE = "hotline", _("Hotline")
        JOBCENTER = "jobcenter", _("Jobcenter")
        PSYCHIATRY = "psychiatry", _("Psychiatry")
        CLUB = "club", _("Club")
        SELF = "self", _("The person themselves")

    class Urgency(models.TextChoices):
        RED = "red", _("Red: acute")
        AMBER = "amber", _("Amber: soon")
        GREEN = "green", _("Green: when possible")

    class Decision(models.TextChoices):
        OPEN_CASE = "open_case", _("Open a case")
        ADD_TO_EXISTING = "add_to_existing", _("Add to an existing case")
        ADVICE_ONLY = "advice_only", _("Advice only")
        FORWARD = "forward", _("Forward to another authority")
        NOTIFY_CHILD_WELFARE = "notify_child_welfare", _("Notify child welfare (underretning)")
        NO_ACTION = "no_action", _("No action")

    forum = models.ForeignKey(
        "coordination.Forum",
        on_delete=models.PROTECT,
        related_name="concern_reports",
        verbose_name=_("forum"),
    )
    received_by = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("received by")
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    recorded_by = user_fk(_("recorded by"))
    channel = models.CharField(_("channel"), max_length=30, choices=Channel.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    reporter = models.CharField(
        _("reporter"), max_length=200, blank=True, help_text=_("Who raised the concern.")
    )
    reporter_contact = models.CharField(_("reporter's contact"), max_length=200, blank=True)
    summary = models.TextField(_("the concern"))
    # None while the concern is discussed anonymised.
    citizen = models.ForeignKey(
        "coordination.Citizen",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="concern_reports",
        verbose_name=_("citizen"),
    )
    screening_due_at = models.DateTimeField(_("screening deadline"))
    decision = models.CharField(
        _("screening decision"), max_length=30, choices=Decision.choices, blank=True
    )
    decision_note = models.TextField(_("reasoning"), blank=True)
    forwarded_to = models.CharField(_("forwarded to"), max_length=200, blank=True)
    decided_at = models.DateTimeField(_("screened"), null=True, blank=True)
    decided_by = user_fk(_("screened by"), null=True)
    case = models.ForeignKey(
        "coordination.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="concern_reports",
        verbose_name=_("case"),
    )
    feedback_due_at = models.DateTimeField(_("feedback due"), null=True, blank=True)
    feedback_given_at = models.DateTimeField(_("feedback given"), null=True, blank=True)
    feedback_note = models.CharField(_("what the reporter was told"), max_length=500, blank=True)
    feedback_by = user_fk(_("feedback given by"), null=True)

    class Meta:
        ordering = ["screening_due_at", "pk"]
        verbose_name = _("concern report")
        verbose_name_plural = _("concern reports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision="") | models.Q(decided_at__isnull=False),
                name="concern_decision_has_a_time",
            ),
        ]
        indexes = [
            models.Index(fields=["received_by", "screening_due_at"], name="concern_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{_('Concern')} {self.reference}"

    @property
    def reference(self) -> str:
        return f"BH-{self.pk:06d}" if self.pk else "BH-NY"

    @property
    def is_screened(self) -> bool:
        return bool(self.decision)

    @property
    def is_anonymous(self) -> bool:
        return self.citizen_id is None
