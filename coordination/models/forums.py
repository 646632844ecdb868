"""Forums: one running cooperation (PSP Aalborg, Knock Knock Aalborg, ...)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from coordination.models.choices import EffortType, LegalBasis


class Forum(models.Model):
    """A samarbejdsforum: its effort type, member units and local rules (age band)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    effort_type = models.CharField(_("effort type"), max_length=20, choices=EffortType.choices)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    member_units = models.ManyToManyField(
        Unit, related_name="forums", blank=True, verbose_name=_("member units")
    )
    default_legal_basis = models.CharField(
        _("default legal basis"), max_length=20, choices=LegalBasis.choices
    )
    age_min = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    consent_required = models.BooleanField(_("consent required"), default=False)
    # The life of its cases (sharing-rules.md 6); empty: the RETENTION_* settings apply.
    review_months = models.PositiveSmallIntegerField(
        _("review interval (months)"),
        null=True,
        blank=True,
        help_text=_("How often an open case is reviewed. Empty: the system default."),
    )
    retention_months = models.PositiveSmallIntegerField(
        _("kept after closing (months)"),
        null=True,
        blank=True,
        help_text=_("How long a closed case is kept before it is deleted. Empty: the default."),
    )
    # The unit running the forum (its tovholder): an overdue review escalates to its
    # coordinators.
    coordinating_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coordinated_forums",
        verbose_name=_("coordinating unit"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("forum")
        verbose_name_plural = _("forums")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age_min__isnull=True)
                | models.Q(age_max__isnull=True)
                | models.Q(age_min__lte=models.F("age_max")),
                name="forum_age_band_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(review_months__isnull=True) | models.Q(review_months__gte=1),
                name="forum_review_months_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise ValidationError({"age_max": _("The upper age must not be below the lower age.")})

    def age_in_band(self, age: int) -> bool:
        if self.age_min is not None and age < self.age_min:
            return False
        return self.age_max is None or age <= self.age_max
