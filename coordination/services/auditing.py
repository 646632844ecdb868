"""Reviewing the audit log by sampling (stikprøver, sharing-rules.md 5), and the auditors'
item-by-item exceptions to a citizen's right of access (sharing-rules.md 7)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
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
    Citizen,
    InsightException,
)

SAMPLE_MAX = 100
# A withheld item's reasoning is read by the next auditor and by Datatilsynet: a sentence.
INSIGHT_REASONING_MIN_LENGTH = 20
INSIGHT_REASONING_MAX_LENGTH = 4000


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


@transaction.atomic
def insight_exception_add(
    *, actor: User, citizen: Citizen, kind: str, object_id: int, reasoning: str
) -> InsightException:
    """Withhold one item held about `citizen` (`kind`, a model label of
    InsightException.KINDS, and its id) from the citizen's insight report, with the
    auditor's written reasoning (databeskyttelsesloven § 22). Auditors only; the event
    names the item, never the reasoning (it may describe the police matter)."""
    access.require_auditor(actor, "insight_exception")
    reasoning = (reasoning or "").strip()
    if kind not in InsightException.KINDS:
        raise ValidationError({"item": _("This kind of item cannot be withheld.")})
    model = apps.get_model(kind)
    item = None
    if isinstance(object_id, int) and 0 < object_id <= access.MAX_ID:
        item = (
            model._default_manager.filter(InsightException.of_citizen(kind, citizen.pk))
            .filter(pk=object_id)
            .first()
        )
    if item is None:
        raise ValidationError({"item": _("No such item is held about this citizen.")})
    if len(reasoning) < INSIGHT_REASONING_MIN_LENGTH:
        raise ValidationError(
            {
                "reasoning": _("Write the reasoning: at least %(n)d characters.")
                % {"n": INSIGHT_REASONING_MIN_LENGTH}
            }
        )
    if len(reasoning) > INSIGHT_REASONING_MAX_LENGTH:
        raise ValidationError(
            {
                "reasoning": _("Keep the reasoning to %(n)d characters.")
                % {"n": INSIGHT_REASONING_MAX_LENGTH}
            }
        )
    content_type = ContentType.objects.get_for_model(model)
    if InsightException.objects.filter(content_type=content_type, object_id=item.pk).exists():
        raise ValidationError({"item": _("This item is already withheld.")})
    exception = InsightException.objects.create(
        citizen=citizen,
        content_type=content_type,
        object_id=item.pk,
        reasoning=reasoning,
        decided_by=actor,
    )
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=exception,
        case_id=getattr(item, "case_id", None),
        purpose="audit:insight",
        detail={"insight_exception": exception.pk, "item": kind, "item_id": item.pk},
    )
    return exception
