"""Reviewing the audit log by sampling (stikprøver, sharing-rules.md 5)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from coordination import access, audit
from coordination.models import (
    AuditEvent,
    AuditSample,
    AuditSampleItem,
)

SAMPLE_MAX = 100


def _draw(events: Any, size: int) -> list[int]:
    """`size` events drawn uniformly from `events` without sorting the whole log: random ids
    between its smallest and largest id, kept where an event matches (ids have few gaps)."""
    bounds = events.aggregate(low=models.Min("pk"), high=models.Max("pk"), n=models.Count("pk"))
    if not bounds["n"]:
        return []
    if bounds["n"] <= size:
        return list(events.values_list("pk", flat=True))
    draw = secrets.SystemRandom()
    chosen: set[int] = set()
    for _attempt in range(20):
        wanted = (size - len(chosen)) * 4
        candidates = {draw.randint(bounds["low"], bounds["high"]) for _ in range(wanted)}
        found = list(events.filter(pk__in=candidates - chosen).values_list("pk", flat=True))
        draw.shuffle(found)
        chosen.update(found[: size - len(chosen)])
        if len(chosen) >= size:
            break
    return sorted(chosen)


@transaction.atomic
def audit_sample_draw(
    *, actor: User, period_start: dt.date, period_end: dt.date, action: str = "", size: int
) -> AuditSample:
    """Draw `size` random events of the period (optionally of one action) for review."""
    events = access.audit_events_for(actor)
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period must end after it starts.")})
    if not 1 <= size <= SAMPLE_MAX:
        raise ValidationError(
            {"size": _("Draw between 1 and %(max)d events.") % {"max": SAMPLE_MAX}}
        )
    if action and action not in AuditEvent.Action.values:
        raise ValidationError({"action": _("Choose an action from the list.")})
    zone = timezone.get_current_timezone()
    since = dt.datetime.combine(period_start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(period_end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    events = events.filter(occurred_at__gte=since, occurred_at__lt=until)
    if action:
        events = events.filter(action=action)
    # The auditors' own reviewing is not what a sample is meant to check.
    events = events.exclude(purpose__startswith="audit")
    ids = _draw(events, size)
    if not ids:
        raise ValidationError(_("The period holds no events to draw from."))
    sample = AuditSample.objects.create(
        drawn_by=actor,
        period_start=period_start,
        period_end=period_end,
        action=action,
        size=len(ids),
    )
    AuditSampleItem.objects.bulk_create(AuditSampleItem(sample=sample, event_id=pk) for pk in ids)
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=sample,
        purpose="audit:sample",
        detail={"events": ids, "action": action, "period": [str(period_start), str(period_end)]},
    )
    return sample


@transaction.atomic
def audit_sample_conclude(
    *, actor: User, item: AuditSampleItem, conclusion: str, note: str = ""
) -> AuditSampleItem:
    """Record the reviewer's conclusion on one drawn event."""
    if not access.audit_samples_for(actor).filter(pk=item.sample_id).exists():
        raise PermissionDenied
    if item.reviewed_at is not None:
        raise ValidationError(_("This event has already been reviewed."))
    if conclusion not in AuditSampleItem.Conclusion.values or conclusion == "pending":
        raise ValidationError({"conclusion": _("Choose a conclusion.")})
    note = (note or "").strip()
    if conclusion != AuditSampleItem.Conclusion.JUSTIFIED and not note:
        raise ValidationError({"note": _("Explain what needs following up or was wrong.")})
    item.conclusion, item.note = conclusion, note
    item.reviewed_by, item.reviewed_at = actor, timezone.now()
    item.save(update_fields=["conclusion", "note", "reviewed_by", "reviewed_at"])
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=item,
        purpose="audit:sample",
        detail={"sample": item.sample_id, "event": item.event_id, "conclusion": conclusion},
    )
    return item
