"""Case conferences (sagsmøder): meetings of a forum, their agenda items with each case's
discussion, and the minutes' distribution."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from coordination.models.content import SharedContent
from coordination.models.fields import user_fk

# --- Case conferences: sagsmøder -------------------------------------------------------------


class Meeting(models.Model):
    """A case conference of a forum: who attended, which cases, what was decided."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Regular meeting")
        EMERGENCY = "emergency", _("Emergency meeting")

    forum = models.ForeignKey(
        "coordination.Forum",
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("forum"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REGULAR)
    starts_at = models.DateTimeField(_("time"))
    organiser = user_fk(_("organiser"))
    organiser_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("organising unit")
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("attendees")
    )
    held_at = models.DateTimeField(_("held"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["forum", "-starts_at"], name="meeting_forum_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class AgendaItem(SharedContent):
    """One case (or one nomination, a concern report to accept) on a meeting's agenda, with
    its discussion: the picture, the assessment and the decision. The agenda line is seen by
    whoever may view the case; the discussion is shared content, written by `author_unit`."""

    SHARED_AT_FIELD = "discussed_at"

    class Origin(models.TextChoices):
        REVIEW_DUE = "review_due", _("Review due")
        ADDED = "added", _("Added")
        NOMINATION = "nomination", _("Nomination")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="items", verbose_name=_("meeting")
    )
    case = models.ForeignKey(
        "coordination.Case",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("case"),
    )
    concern_report = models.ForeignKey(
        "coordination.ConcernReport",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("nomination"),
    )
    origin = models.CharField(_("on the agenda because"), max_length=20, choices=Origin.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    picture = models.TextField(_("the picture now"), blank=True)
    assessment = models.TextField(_("assessment"), blank=True)
    decision = models.TextField(_("decision"), blank=True)
    discussed_at = models.DateTimeField(_("discussed"), null=True, blank=True)
    discussed_by = user_fk(_("written by"), null=True)
    author_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written for"),
    )

    class Meta:
        ordering = ["meeting", "position", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(case__isnull=False) | models.Q(concern_report__isnull=False),
                name="agenda_item_has_a_subject",
            ),
            models.UniqueConstraint(
                fields=["meeting", "case"],
                condition=models.Q(case__isnull=False),
                name="agenda_item_case_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.case or self.concern_report}"


class MinutesDistribution(models.Model):
    """The minutes of a meeting sent to a unit: each sending is a disclosure (audited)."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="distributions", verbose_name=_("meeting")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    sent_by = user_fk(_("sent by"))

    class Meta:
        ordering = ["sent_at", "pk"]
        verbose_name = _("minutes distribution")
        verbose_name_plural = _("minutes distributions")

    def __str__(self) -> str:
        return f"{self.meeting} -> {self.unit}"
