"""Follow-up actions (opgaver) on a case."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from coordination.models.content import SharedContent


class Action(SharedContent):
    """Something someone must do by a date: from a meeting decision, a rule, or by hand. Its
    title and result are shared content: the responsible unit is always among its
    recipients."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(
        "coordination.Case",
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("case"),
    )
    title = models.CharField(_("what"), max_length=300)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("responsible"),
    )
    responsible_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="actions", verbose_name=_("responsible unit")
    )
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    result_note = models.TextField(_("result"), blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # The meeting decision the action came from, if it did.
    agenda_item = models.ForeignKey(
        "coordination.AgendaItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("decided at"),
    )
    author_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("created for"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        indexes = [models.Index(fields=["status", "due_at"], name="action_status_due_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.IN_PROGRESS)

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()
