"""The audit log: one row per use of personal data. Rows are only ever inserted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Who did what to whose data, when, from where, and on which basis."""

    class Action(models.TextChoices):
        VIEW = "view", _("View")
        LIST = "list", _("List")
        SEARCH = "search", _("Search")
        CREATE = "create", _("Create")
        CHANGE = "change", _("Change")
        DELETE = "delete", _("Delete")
        EXPORT = "export", _("Export")
        PRINT = "print", _("Print")
        DISCLOSE = "disclose", _("Disclose")
        LOGIN = "login", _("Login")
        LOGOUT = "logout", _("Logout")
        LOGIN_FAILED = "login_failed", _("Failed login")
        GRANT_CHANGE = "grant_change", _("Permission change")
        EMERGENCY_ACCESS = "emergency_access", _("Emergency access")

    class Outcome(models.TextChoices):
        OK = "ok", _("Allowed")
        DENIED = "denied", _("Denied")

    occurred_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # No database-level foreign keys: events must outlive what they describe, and the
    # table is append-only, so nothing may cascade into it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    actor_unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("actor unit"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.OK
    )
    object_type = models.CharField(_("object type"), max_length=50, blank=True)
    object_id = models.CharField(_("object id"), max_length=50, blank=True)
    citizen = models.ForeignKey(
        "coordination.Citizen",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("citizen"),
    )
    case = models.ForeignKey(
        "coordination.Case",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("case"),
    )
    categories = models.JSONField(_("categories shown"), default=list, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=20, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=36, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["citizen", "-occurred_at"], name="audit_citizen_time_idx"),
            models.Index(fields=["actor", "-occurred_at"], name="audit_actor_time_idx"),
            models.Index(fields=["case", "-occurred_at"], name="audit_case_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"
