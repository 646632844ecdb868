"""The audit log: one row per use of personal data. Rows are only ever inserted.

On PostgreSQL, triggers (django-pgtrigger) refuse UPDATE, DELETE and TRUNCATE on the event
and seal tables; on SQLite, triggers created by migration 0005 refuse UPDATE and DELETE. The
only way round them is the retention purge in `coordination.audit`, which writes a receipt.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coordination.querysets import AuditEventQuerySet


def _no_truncate(name: str) -> pgtrigger.Trigger:
    # pgtrigger's Protect has no statement-level form for TRUNCATE; this is that form.
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.Before,
        operation=pgtrigger.Truncate,
        level=pgtrigger.Statement,
        func="RAISE EXCEPTION 'pgtrigger: Cannot truncate % table', TG_TABLE_NAME;",
    )


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
        PURGE = "purge", _("Retention purge")

    class Outcome(models.TextChoices):
        OK = "ok", _("Allowed")
        DENIED = "denied", _("Denied")

    occurred_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # No database-level foreign keys: events must outlive what they describe, and the
    # table is append-only, so nothing may cascade into it. No single-column indexes either:
    # the (column, -occurred_at) indexes below lead with them (one index write less each).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    actor_unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
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
        db_index=False,
        null=True,
        related_name="+",
        verbose_name=_("citizen"),
    )
    case = models.ForeignKey(
        "coordination.Case",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
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
    # Keyed HMAC over the row's content, computed before the insert with a key kept outside
    # the database (AUDIT_HMAC_KEY): a changed row no longer matches it, and nobody holding
    # only the database can forge a new one. Seals chain these digests window by window.
    digest = models.CharField(_("digest"), max_length=64, default="", editable=False)
    # Signed with the rest, so that every digest is unique: a copied row is refused by the
    # unique constraint, and one slipped in with the constraint dropped is named by verify.
    uid = models.UUIDField(_("event uid"), default=uuid.uuid4, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["citizen", "-occurred_at"], name="audit_citizen_time_idx"),
            models.Index(fields=["actor", "-occurred_at"], name="audit_actor_time_idx"),
            models.Index(fields=["case", "-occurred_at"], name="audit_case_time_idx"),
            models.Index(fields=["action", "-occurred_at"], name="audit_action_time_idx"),
            # The auditor filters by username (the API's and the log's `user`), newest first.
            models.Index(fields=["actor_username", "-occurred_at"], name="audit_username_time_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["digest"], name="audit_event_digest_unique"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="audit_event_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
            _no_truncate("audit_event_no_truncate"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"


class AuditSeal(models.Model):
    """A sealed window of committed events, chained to the seal before it.

    `events_hash` is an HMAC over the window's (id, digest) pairs in id order; `hash` is an
    HMAC over this seal's fields and the previous seal's hash. A seal never changes and is
    kept after its events are purged, so the chain still verifies."""

    sealed_at = models.DateTimeField(_("sealed"), default=timezone.now)
    first_event_id = models.BigIntegerField(_("first event"))
    last_event_id = models.BigIntegerField(_("last event"))
    event_count = models.PositiveIntegerField(_("number of events"))
    # The ids sealed, as [first, last] runs: a sequence may skip values (rolled-back
    # inserts), so the window's range alone would not say which ids belong to it.
    id_runs = models.JSONField(_("event ids"), default=list)
    last_event_at = models.DateTimeField(_("newest event"))
    events_hash = models.CharField(_("events hash"), max_length=64)
    # Unique: two sealing runs at once cannot fork the chain; the second insert fails.
    previous_hash = models.CharField(_("previous seal"), max_length=64, unique=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_event_id__gte=models.F("first_event_id")),
                name="audit_seal_window_ordered",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="audit_seal_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
            _no_truncate("audit_seal_no_truncate"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}: {self.first_event_id}-{self.last_event_id}"


class AuditSample(models.Model):
    """A random draw of events for review (stikprøve), as Datatilsynet expects logs to be
    checked."""

    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("drawn by"),
    )
    drawn_at = models.DateTimeField(_("drawn"), default=timezone.now)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    action = models.CharField(
        _("action"), max_length=20, choices=AuditEvent.Action.choices, blank=True
    )
    size = models.PositiveSmallIntegerField(_("size"))

    class Meta:
        ordering = ["-drawn_at", "-pk"]
        verbose_name = _("audit sample")
        verbose_name_plural = _("audit samples")

    def __str__(self) -> str:
        return f"{self.drawn_at:%Y-%m-%d} ({self.size})"


class AuditSampleItem(models.Model):
    """One drawn event and the reviewer's conclusion about it."""

    class Conclusion(models.TextChoices):
        PENDING = "pending", _("Not reviewed")
        JUSTIFIED = "justified", _("Justified")
        FOLLOW_UP = "follow_up", _("Needs follow-up")
        UNJUSTIFIED = "unjustified", _("Not justified")

    sample = models.ForeignKey(
        AuditSample, on_delete=models.CASCADE, related_name="items", verbose_name=_("sample")
    )
    event = models.ForeignKey(
        AuditEvent,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("event"),
    )
    conclusion = models.CharField(
        _("conclusion"), max_length=20, choices=Conclusion.choices, default=Conclusion.PENDING
    )
    note = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        ordering = ["sample", "event_id"]
        verbose_name = _("sample item")
        verbose_name_plural = _("sample items")
        constraints = [
            models.UniqueConstraint(fields=["sample", "event"], name="audit_sample_item_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sample_id}/{self.event_id}"


class InsightException(models.Model):
    """One item held about a citizen that an auditor left out of the citizen's insight report
    (databeskyttelsesloven § 22, e.g. an ongoing police matter), with the written reasoning.
    Decided item by item: there is no blanket refusal (sharing-rules.md 7). The document
    counts the withheld items; the auditor sees them with the reasoning."""

    # The kinds of item that can be withheld (model labels): what units wrote about the
    # citizen. Cases, consents, related persons and look-ups are always reported.
    KINDS: ClassVar[tuple[str, ...]] = (
        "coordination.entry",
        "coordination.contact",
        "coordination.agendaitem",
        "coordination.action",
        "coordination.offer",
        "coordination.referral",
        "coordination.incident",
        "coordination.outcomesnapshot",
        "coordination.concernreport",
        "coordination.consentdecision",
    )

    citizen = models.ForeignKey(
        "coordination.Citizen",
        on_delete=models.PROTECT,
        related_name="insight_exceptions",
        verbose_name=_("citizen"),
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    reasoning = models.TextField(_("reasoning"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)

    class Meta:
        ordering = ["decided_at", "pk"]
        verbose_name = _("insight exception")
        verbose_name_plural = _("insight exceptions")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="insight_exception_once_per_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id}"

    @staticmethod
    def of_citizen(kind: str, citizen_id: int) -> models.Q:
        """The rows of `kind` (one of KINDS) held about the citizen: through their case, or
        (a concern report, a nomination on an agenda) through the citizen named."""
        if kind == "coordination.concernreport":
            return models.Q(citizen_id=citizen_id)
        if kind == "coordination.agendaitem":
            return models.Q(case__citizen_id=citizen_id) | models.Q(
                case__isnull=True, concern_report__citizen_id=citizen_id
            )
        return models.Q(case__citizen_id=citizen_id)
