"""The life of a case (sharing-rules.md 6): its reviews and the decisions taken when the
citizen leaves the forum's band, legal holds that stop its deletion, and the anonymous
counts kept of what the retention run deleted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit


class CaseReview(models.Model):
    """The lead unit's decision that a case is still necessary (with the next review date),
    or a handover decision when the citizen leaves the forum's age band or track. The reason
    is written about the citizen: only the lead unit reads it (like the closure note)."""

    class Kind(models.TextChoices):
        REVIEW = "review", _("Review")
        HANDOVER = "handover", _("Age band decision")

    class Decision(models.TextChoices):
        CONTINUE = "continue", _("Still necessary")
        MOVE_TRACK = "move_track", _("Moved to the 18-25 track")
        TRANSFER = "transfer", _("Transferred to another forum")
        CLOSE = "close", _("Closed")

    case = models.ForeignKey(
        "coordination.Case",
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("case"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices)
    reason = models.CharField(_("reason"), max_length=500)
    next_review_at = models.DateField(_("next review"), null=True, blank=True)
    # A transfer names the case opened in the other forum.
    transferred_to = models.ForeignKey(
        "coordination.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("transferred to"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        verbose_name = _("case review")
        verbose_name_plural = _("case reviews")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reviewed_at:%Y-%m-%d}"


class LegalHold(models.Model):
    """A hold that stops a case's deletion until a date (a complaint, a court case, a
    request for insight being handled). It lapses by itself on `until`, or is lifted."""

    case = models.ForeignKey(
        "coordination.Case",
        on_delete=models.CASCADE,
        related_name="legal_holds",
        verbose_name=_("case"),
    )
    reason = models.CharField(_("reason"), max_length=300)
    until = models.DateField(_("until"))
    placed_at = models.DateTimeField(_("placed"), default=timezone.now)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("placed by"),
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )

    class Meta:
        ordering = ["-placed_at", "-pk"]
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        indexes = [models.Index(fields=["case", "until"], name="legalhold_case_until_idx")]

    def __str__(self) -> str:
        return f"{_('Legal hold')} {self.until:%Y-%m-%d}"

    def is_active_on(self, day: object) -> bool:
        return self.lifted_at is None and self.until >= day  # type: ignore[operator]


class RetiredCount(models.Model):
    """What deleted cases and concern reports contributed to the statistics, as anonymous
    counts per month, forum, indicator and breakdown (coordination/statistics.py). The
    statistics are the live counts plus the sum of these, so deleting old cases changes no
    figure. Append-only: each retention chunk adds its rows (no read-modify-write)."""

    month = models.DateField(_("month"))
    forum = models.ForeignKey(
        "coordination.Forum", on_delete=models.PROTECT, related_name="+", verbose_name=_("forum")
    )
    indicator = models.CharField(_("indicator"), max_length=40)
    breakdown = models.CharField(_("breakdown"), max_length=60, blank=True)
    value = models.PositiveIntegerField(_("count"))
    retired_at = models.DateTimeField(_("retired"), default=timezone.now)

    class Meta:
        ordering = ["month", "forum", "indicator", "breakdown"]
        verbose_name = _("retired count")
        verbose_name_plural = _("retired counts")
        indexes = [models.Index(fields=["month", "forum"], name="retiredcount_month_idx")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.month:%Y-%m}: {self.value}"
