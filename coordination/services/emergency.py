"""Emergency access (nødadgang): personal, time-limited access with a typed reason, and the
unit lead's review of it afterwards."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from coordination import access, audit, policy
from coordination.models import (
    ALL_CATEGORIES,
    Case,
    CaseParticipant,
    EmergencyAccess,
)
from coordination.services.participants import grants_sync

EMERGENCY_ACCESS_DURATION = dt.timedelta(hours=4)
EMERGENCY_REASON_MIN_LENGTH = 20


@transaction.atomic
def emergency_access_open(*, actor: User, case: Case, reason: str) -> EmergencyAccess:
    """Give `actor` read access to `case` for a few hours, because they typed why."""
    unit = access.emergency_units(actor, case).order_by("name").first()
    if unit is None:
        raise PermissionDenied
    reason = (reason or "").strip()
    if len(reason) < EMERGENCY_REASON_MIN_LENGTH:
        raise ValidationError(
            {
                "reason": _("Explain the emergency in at least %(n)d characters.")
                % {"n": EMERGENCY_REASON_MIN_LENGTH}
            }
        )
    now = timezone.now()
    expires = now + EMERGENCY_ACCESS_DURATION
    participant = CaseParticipant.objects.create(
        case=case,
        unit=unit,
        contact_user=actor,
        role=CaseParticipant.Role.INFORMED,
        legal_basis=case.forum.default_legal_basis,
        emergency=True,
        valid_from=now,
        valid_until=expires,
        categories=sorted(
            c for c in ALL_CATEGORIES if policy.receives_by_default(unit.unit_type, c)
        ),
    )
    record = EmergencyAccess.objects.create(
        case=case,
        user=actor,
        unit=unit,
        participant=participant,
        reason=reason,
        started_at=now,
        expires_at=expires,
    )
    grants_sync(case)
    audit.write_event(
        actor=actor,
        action=audit.Action.EMERGENCY_ACCESS,
        obj=case,
        unit=unit,
        purpose=reason[:200],
        detail={"emergency_access": record.pk, "expires_at": record.expires_at.isoformat()},
    )
    return record


@transaction.atomic
def emergency_access_review(
    *, actor: User, record: EmergencyAccess, review_note: str
) -> EmergencyAccess:
    """The unit lead's review of an emergency access, with their conclusion."""
    if not access.emergency_reviews_for(actor).filter(pk=record.pk).exists():
        raise PermissionDenied
    note = (review_note or "").strip()
    if not note:
        raise ValidationError({"review_note": _("Write your conclusion.")})
    record.reviewed_by, record.reviewed_at, record.review_note = actor, timezone.now(), note
    record.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=record,
        case_id=record.case_id,
        detail={"change": "emergency_access_review"},
    )
    return record
