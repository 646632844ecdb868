"""The units taking part in a case, and the django-guardian grants derived from them in the
same transaction (the only code that writes grant rows)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from coordination import access, audit, policy
from coordination.models import (
    Case,
    CaseGroupObjectPermission,
    CaseParticipant,
    CaseUserObjectPermission,
)
from coordination.services._common import acting_unit, check_categories
from coordination.services.consents import consent_covering


def expected_grants(participants: Iterable[CaseParticipant]) -> set[tuple[Any, ...]]:
    """The grant rows the participants justify: (kind, case, holder, codename, participant,
    starts, expires). Emergency participations grant to the user, the rest to the unit's group.
    Used by the sync below and by `manage.py verify_grants`."""
    now = timezone.now()
    rows: set[tuple[Any, ...]] = set()
    for participant in participants:
        if participant.valid_until is not None and participant.valid_until <= now:
            continue
        if participant.unit.unit_type in policy.INVESTIGATION:
            continue
        kind, holder = (
            ("user", participant.contact_user_id)
            if participant.emergency
            else ("group", participant.unit.group_id)
        )
        for codename in access.ROLE_ACTIONS[participant.role]:
            rows.add(
                (
                    kind,
                    participant.case_id,
                    holder,
                    str(codename),
                    participant.pk,
                    participant.valid_from,
                    participant.valid_until,
                )
            )
    return rows


def grants_sync(case: Case) -> None:
    """Rewrite the guardian rows of `case` from its participants, in the caller's transaction.

    This is the only code that writes CaseGroupObjectPermission / CaseUserObjectPermission."""
    access.forget_participations(case)
    participants = list(case.participants.select_related("unit"))
    permissions = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(Case),
            codename__in=[a.value for a in access.CaseAction],
        )
    }
    CaseGroupObjectPermission.objects.filter(content_object=case).delete()
    CaseUserObjectPermission.objects.filter(content_object=case).delete()
    groups, users = [], []
    for kind, _case, holder, codename, participant_id, starts, expires in expected_grants(
        participants
    ):
        fields = {
            "content_object": case,
            "permission": permissions[codename],
            "participant_id": participant_id,
            "starts_at": starts,
            "expires_at": expires,
        }
        if kind == "group":
            groups.append(CaseGroupObjectPermission(group_id=holder, **fields))
        else:
            users.append(CaseUserObjectPermission(user_id=holder, **fields))
    CaseGroupObjectPermission.objects.bulk_create(groups)
    CaseUserObjectPermission.objects.bulk_create(users)


@transaction.atomic
def participant_add(
    *,
    actor: User,
    case: Case,
    unit: Unit,
    role: str,
    legal_basis: str,
    categories: Iterable[str],
    valid_from: dt.datetime | None = None,
    valid_until: dt.datetime | None = None,
    contact_user: User | None = None,
) -> CaseParticipant:
    """Let `unit` take part in `case`, and grant its group the role's case permissions.

    Only member units of the forum whose type the law admits to such a forum qualify
    (sharing-rules.md 2, rule 1); investigation units never do."""
    actor_unit = acting_unit(actor, case, access.CaseAction.MANAGE, None)
    effort = case.forum.effort_type
    if unit.unit_type in policy.INVESTIGATION:
        raise ValidationError(
            {"unit": _("Investigation units cannot take part in prevention cases.")}
        )
    if not policy.may_take_part(effort, unit.unit_type):
        raise ValidationError({"unit": _("The law does not admit this unit type to the forum.")})
    if not case.forum.member_units.filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("Only member units of the forum can take part.")})
    if case.participants.active().filter(unit=unit, emergency=False).exists():
        raise ValidationError({"unit": _("The unit already takes part in the case.")})
    if legal_basis not in policy.participant_bases(effort):
        raise ValidationError({"legal_basis": _("This basis does not apply in this forum.")})
    if policy.rests_on_consent(effort, case.forum.consent_required) and (
        consent_covering(case.citizen, case.forum, unit) is None
    ):
        raise ValidationError(
            {"unit": _("The citizen's written consent does not cover this unit (yet).")}
        )
    if contact_user is not None and not contact_user.memberships.filter(unit=unit).exists():
        raise ValidationError({"contact_user": _("The contact person must work in the unit.")})
    # A unit whose participation ended takes part again on its one row (one per case and
    # unit); the earlier period stays in the audit log.
    participant = case.participants.filter(unit=unit, emergency=False).first() or CaseParticipant(
        case=case, unit=unit
    )
    renewed = participant.pk is not None
    participant.role = role
    participant.legal_basis = legal_basis
    participant.categories = check_categories(categories)
    participant.valid_from = valid_from or timezone.now()
    participant.valid_until = valid_until
    participant.contact_user = contact_user
    participant.legal_review = policy.needs_legal_review(effort, unit.unit_type)
    if participant.valid_until is not None and participant.valid_until <= participant.valid_from:
        raise ValidationError({"valid_until": _("The end must come after the start.")})
    participant.full_clean(exclude=["case", "unit", "contact_user"])
    participant.save()
    grants_sync(case)
    audit.write_event(
        actor=actor,
        action=audit.Action.GRANT_CHANGE,
        obj=participant,
        unit=actor_unit,
        legal_basis=legal_basis,
        detail={
            "change": "participant_add",
            "unit": unit.pk,
            "role": role,
            "categories": participant.categories,
            "legal_review": participant.legal_review,
            "renewed": renewed,
        },
    )
    return participant


@transaction.atomic
def participant_end(*, actor: User, participant: CaseParticipant) -> CaseParticipant:
    """End a unit's participation now: its access ends with this transaction."""
    case = participant.case
    actor_unit = acting_unit(actor, case, access.CaseAction.MANAGE, None)
    if participant.role == CaseParticipant.Role.LEAD and not participant.emergency:
        raise ValidationError({"unit": _("The lead unit cannot be removed from its case.")})
    now = timezone.now()
    if participant.valid_until is None or participant.valid_until > now:
        participant.valid_until = max(now, participant.valid_from + dt.timedelta(microseconds=1))
        participant.save(update_fields=["valid_until"])
    grants_sync(case)
    audit.write_event(
        actor=actor,
        action=audit.Action.GRANT_CHANGE,
        obj=participant,
        unit=actor_unit,
        detail={"change": "participant_end", "unit": participant.unit_id},
    )
    return participant


@transaction.atomic
def grants_repair(*, case_ids: Iterable[int]) -> None:
    """Re-derive the grants of the given cases from their participants (verify_grants)."""
    ids = sorted(set(case_ids))
    for case in Case.objects.filter(pk__in=ids):
        grants_sync(case)
    audit.write_event(
        actor=None,
        action=audit.Action.GRANT_CHANGE,
        detail={"change": "grants_repair", "cases": ids},
    )


@transaction.atomic
def grants_expire() -> int:
    """Delete grant rows whose participation has ended (the beat task calls this). Access
    already ended at `expires_at`; this keeps the tables small and verify_grants clean."""
    now = timezone.now()
    deleted = 0
    for model in (CaseGroupObjectPermission, CaseUserObjectPermission):
        count, _detail = model.objects.filter(expires_at__lte=now).delete()
        deleted += count
    if deleted:
        audit.write_event(
            actor=None,
            action=audit.Action.GRANT_CHANGE,
            detail={"change": "grants_expire", "rows": deleted},
        )
    return deleted
