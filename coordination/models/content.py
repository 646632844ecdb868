"""What everything a person writes about a citizen has in common (sharing-rules.md 3): a
category, a legal basis, an audience fixed when it was shared, and, where it rests on
consent, the consent. Entries, contacts, meeting discussions, offers, referrals,
incidents, outcome snapshots, actions and concern reports all carry these fields, and
access.py reads all of them through one compiled filter."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from coordination.models.choices import Category, LegalBasis


class Recipient(models.Model):
    """A unit that received a piece of content: fixed when the content was shared ("all
    participants" means the participants of that moment), and added to only by a later,
    deliberate disclosure (with its own basis and justification). This is the disclosure
    log of the content; the audit log holds the same facts without the content."""

    class Via(models.TextChoices):
        ALL = "all", _("All participants when it was shared")
        NAMED = "named", _("Named by the author")
        LATER = "later", _("Shared later")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    # The case the content belongs to (none for a concern report not tied to a case): the
    # rows go with the case.
    case = models.ForeignKey(
        "coordination.Case",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="received", verbose_name=_("unit")
    )
    via = models.CharField(_("received as"), max_length=10, choices=Via.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    justification = models.TextField(_("necessity justification"), blank=True)
    shared_at = models.DateTimeField(_("shared"), default=timezone.now)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shared by"),
    )

    class Meta:
        ordering = ["shared_at", "pk"]
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "unit"], name="recipient_once_per_unit"
            ),
        ]
        indexes = [models.Index(fields=["case", "unit"], name="recipient_case_unit_idx")]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} -> {self.unit_id}"

    @property
    def named(self) -> bool:
        """Whether the unit was named (by the author, or in a later disclosure): it then sees
        categories its unit type receives only when named (sharing-rules.md 3)."""
        return self.via != self.Via.ALL


class SharedContent(models.Model):
    """Content about a citizen, governed like an entry (sharing-rules.md 3): its category,
    the basis it was shared on, whether it went to all participants or to named units
    (the units themselves are its `recipients`), and the consent it rests on, if any."""

    # The field naming the unit that wrote the content (it always sees what it wrote), and
    # the field with the time it was shared.
    AUTHOR_UNIT_FIELD: ClassVar[str] = "author_unit"
    SHARED_AT_FIELD: ClassVar[str] = "created_at"

    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.GENERAL
    )
    legal_basis = models.CharField(
        _("legal basis"), max_length=20, choices=LegalBasis.choices, blank=True
    )
    audience_all = models.BooleanField(_("all participants"), default=True)
    consent = models.ForeignKey(
        "coordination.Consent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent"),
    )
    recipients = GenericRelation(Recipient)

    class Meta:
        abstract = True

    @property
    def named_units(self) -> list[Unit]:
        """The units the author named (empty: all participants); prefetch
        `recipients__unit` with the rows."""
        return [r.unit for r in self.recipients.all() if r.via == Recipient.Via.NAMED]
