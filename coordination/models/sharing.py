"""Consent, emergency access and the object permissions derived from case participants."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import Unit
from coordination.models.choices import Category
from coordination.models.citizens import Citizen


class ConsentQuerySet(models.QuerySet["Consent"]):
    def active(self) -> ConsentQuerySet:
        now = timezone.now()
        return self.filter(withdrawn_at__isnull=True, given_at__lte=now).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=now)
        )


class Consent(models.Model):
    """A citizen's (or guardian's) consent: which units may receive which categories, why.

    The scope never changes after registration; withdrawal is the only change, and it takes
    effect at once for every entry shared on the consent."""

    class GivenBy(models.TextChoices):
        CITIZEN = "citizen", _("The citizen")
        GUARDIAN = "guardian", _("Guardian")
        BOTH = "both", _("The citizen and a guardian")

    class Form(models.TextChoices):
        WRITTEN = "written", _("Written")
        ORAL = "oral", _("Oral")
        DIGITAL = "digital", _("Digital")

    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="consents", verbose_name=_("citizen")
    )
    # The forum whose cooperation the consent is for: its member units are the scope's
    # candidates, and only that forum's cases show it (a consent to Exit must not tell a
    # Knock Knock participant that the citizen is in Exit).
    forum = models.ForeignKey(
        "coordination.Forum",
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("forum"),
    )
    given_by = models.CharField(_("given by"), max_length=10, choices=GivenBy.choices)
    guardian_name = models.CharField(_("guardian's name"), max_length=200, blank=True)
    # The guardian as recorded on the citizen (a parent with custody), when they gave it.
    guardian = models.ForeignKey(
        "coordination.RelatedPerson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name=_("guardian"),
    )
    scope_units = models.ManyToManyField(
        Unit, related_name="consents", verbose_name=_("units covered")
    )
    scope_categories = models.JSONField(_("categories covered"), default=list)
    purpose = models.CharField(_("purpose"), max_length=300)
    form = models.CharField(_("form"), max_length=10, choices=Form.choices)
    document_reference = models.CharField(_("document reference"), max_length=200, blank=True)
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawal recorded by"),
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_at", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{_('Consent')} {self.given_at:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return (
            self.withdrawn_at is None
            and self.given_at <= now
            and (self.valid_until is None or self.valid_until > now)
        )

    @property
    def category_labels(self) -> list[str]:
        labels = dict(Category.choices)
        return [str(labels[c]) for c in self.scope_categories if c in labels]


class ConsentDecision(models.Model):
    """Where § 115 applies, missing or refused consent does not block sharing, but the
    decision to go on without it is recorded with who decided (sharing-rules.md 4)."""

    class Situation(models.TextChoices):
        REFUSED = "refused", _("Consent was refused")
        NOT_OBTAINABLE = "not_obtainable", _("Consent could not be obtained")
        NOT_SOUGHT = "not_sought", _("Consent was not sought")

    case = models.ForeignKey(
        "coordination.Case",
        on_delete=models.CASCADE,
        related_name="consent_decisions",
        verbose_name=_("case"),
    )
    situation = models.CharField(_("situation"), max_length=20, choices=Situation.choices)
    reasoning = models.TextField(_("why the cooperation goes on without consent"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    # The unit the decider acted for: the reasoning is its text, seen by it alone; the
    # others see the situation, who decided and when.
    author_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("unit")
    )
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        verbose_name = _("decision to proceed without consent")
        verbose_name_plural = _("decisions to proceed without consent")

    def __str__(self) -> str:
        return f"{self.get_situation_display()} {self.decided_at:%Y-%m-%d}"


class EmergencyAccess(models.Model):
    """Nødadgang: time-limited access to a case taken by one user with a typed reason; it
    expires by itself and is reviewed afterwards by the lead of the user's unit."""

    case = models.ForeignKey(
        "coordination.Case",
        on_delete=models.CASCADE,
        related_name="emergency_accesses",
        verbose_name=_("case"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="emergency_accesses",
        verbose_name=_("user"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    participant = models.OneToOneField(
        "coordination.CaseParticipant", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")

    def __str__(self) -> str:
        return f"{self.user} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.started_at <= timezone.now() < self.expires_at


class _GrantValidity(models.Model):
    """Grants carry the validity of the participation they come from, so that an expired
    grant stops working at its second, before the beat task deletes the row."""

    participant = models.ForeignKey(
        "coordination.CaseParticipant", on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class CaseUserObjectPermission(UserObjectPermissionBase, _GrantValidity):
    """A named or temporary grant to one user (emergency access)."""

    content_object = models.ForeignKey("coordination.Case", on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [
            models.Index(
                fields=["user", "permission"],
                include=["content_object", "starts_at", "expires_at"],
                name="grant_user_perm_cover_idx",
            )
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} {self.permission_id} case {self.content_object_id}"


class CaseGroupObjectPermission(GroupObjectPermissionBase, _GrantValidity):
    """A grant to a unit's group, derived from the unit's participation in the case."""

    content_object = models.ForeignKey("coordination.Case", on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        # The unique constraint already indexes (group, permission, case); this one lets a
        # case-list filter read a unit's grants without visiting the table (PostgreSQL).
        indexes = [
            models.Index(
                fields=["group", "permission"],
                include=["content_object", "starts_at", "expires_at"],
                name="grant_group_perm_cover_idx",
            )
        ]

    def __str__(self) -> str:
        return f"group {self.group_id} {self.permission_id} case {self.content_object_id}"
