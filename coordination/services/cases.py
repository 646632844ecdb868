"""Opening, staging and closing a case."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from coordination import access, audit, lifecycle, policy, workflows
from coordination.models import (
    ALL_CATEGORIES,
    Case,
    CaseParticipant,
    Citizen,
    EffortType,
    Forum,
)
from coordination.services._common import acting_unit
from coordination.services.consents import consent_covering
from coordination.services.participants import grants_sync


@transaction.atomic
def case_open(
    *,
    actor: User,
    citizen: Citizen,
    forum: Forum,
    lead_unit: Unit,
    track: str = "",
    age_override_reason: str = "",
    ksp_basis: str = "",
    next_review_at: dt.date | None = None,
) -> Case:
    """Open a case for `citizen` in `forum`, led by `lead_unit` (one of the actor's units).

    A § 115 meeting's cases are led by SSP, which chairs it; in a forum that rests on
    consent the citizen's active, written consent must cover the lead unit first
    (`consent_for_opening` records one together with the opening)."""
    if not access.may_act_for(actor, forum, lead_unit):
        raise PermissionDenied(_("You cannot open cases in this forum for that unit."))
    if not policy.may_take_part(forum.effort_type, lead_unit.unit_type):
        raise ValidationError(
            {"lead_unit": _("The law does not admit this unit type to the forum.")}
        )
    if not policy.may_chair(forum.effort_type, lead_unit.unit_type):
        raise ValidationError(
            {"lead_unit": _("SSP chairs a § 115 meeting: an SSP unit leads its cases.")}
        )
    if policy.rests_on_consent(forum.effort_type, forum.consent_required) and (
        consent_covering(citizen, forum, lead_unit) is None
    ):
        raise ValidationError(
            {
                "consent": _(
                    "This forum rests on the citizen's written consent: record one that "
                    "covers the lead unit before the case is opened."
                )
            }
        )
    today = timezone.localdate()
    age = citizen.age_on(today)
    reason = (age_override_reason or "").strip()
    if track and forum.effort_type != EffortType.KNOCK_KNOCK:
        raise ValidationError({"track": _("Only Knock Knock cases have a track.")})
    if not forum.age_in_band(age) and not reason:
        raise ValidationError(
            {
                "age_override_reason": _(
                    "The citizen is outside the forum's age band; give a reason to go on."
                )
            }
        )
    youngest, oldest = Case.TRACK_AGES.get(track, (0, 200))
    if not youngest <= age <= oldest and not reason:
        raise ValidationError(
            {"track": _("The citizen's age does not fit the track; give a reason to go on.")}
        )
    if forum.effort_type == EffortType.KSP and ksp_basis not in policy.KSP_BASES:
        raise ValidationError(
            {"ksp_basis": _("A KSP case must record which of nr. 3 a, b or c applies.")}
        )
    if ksp_basis and forum.effort_type != EffortType.KSP:
        raise ValidationError({"ksp_basis": _("Only KSP cases record a nr. 3 status.")})
    if Case.objects.open().filter(citizen=citizen, forum=forum).exists():
        raise ValidationError({"forum": _("The citizen already has an open case in this forum.")})
    case = Case(
        citizen=citizen,
        forum=forum,
        status=Case.Status.ACTIVE,
        track=track,
        coordinator=actor,
        age_override_reason=reason,
        ksp_basis=ksp_basis,
        next_review_at=next_review_at or lifecycle.next_review(forum, today),
    )
    case.full_clean(exclude=["citizen", "forum"])
    case.save()
    lead = CaseParticipant(
        case=case,
        unit=lead_unit,
        valid_from=case.opened_at,  # the lead takes part from the opening
        contact_user=actor,
        role=CaseParticipant.Role.LEAD,
        legal_basis=ksp_basis or forum.default_legal_basis,
        categories=list(ALL_CATEGORIES),
        legal_review=policy.needs_legal_review(forum.effort_type, lead_unit.unit_type),
    )
    lead.save()
    grants_sync(case)
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=case,
        unit=lead_unit,
        legal_basis=forum.default_legal_basis,
    )
    audit.write_event(
        actor=actor,
        action=audit.Action.GRANT_CHANGE,
        obj=lead,
        unit=lead_unit,
        case_id=case.pk,
        citizen_id=citizen.pk,
        detail={"change": "participant_add", "unit": lead_unit.pk, "role": lead.role},
    )
    return case


@transaction.atomic
def case_set_stage(*, actor: User, case: Case, stage: str) -> Case:
    """Move a case to one of its forum type's stages (workflows.STAGES)."""
    actor_unit = acting_unit(actor, case, access.CaseAction.MANAGE, None)
    if stage not in dict(workflows.stages(case.forum.effort_type)):
        raise ValidationError({"stage": _("Choose one of the forum's stages.")})
    previous, case.stage = case.stage, stage
    case.save(update_fields=["stage"])
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=case,
        unit=actor_unit,
        detail={"change": "stage", "from": previous, "to": stage},
    )
    return case


@transaction.atomic
def case_close(*, actor: User, case: Case, reason: str, code: str = "other") -> Case:
    """Close a case with one of its forum type's closure reasons (`code`, for statistics;
    workflows.CLOSURE_REASONS) and a note; it stays readable to its participants but takes
    no more work. The retention clock starts (sharing-rules.md 6)."""
    actor_unit = acting_unit(actor, case, access.CaseAction.CLOSE, None)
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("Give the reason for closing the case.")
    if code not in dict(workflows.closure_reasons(case.forum.effort_type)):
        errors["code"] = _("Choose one of the forum's closure reasons.")
    if errors:
        raise ValidationError(errors)
    case.status, case.closed_at = Case.Status.CLOSED, timezone.now()
    case.retention_from = case.closed_at
    case.closure_reason, case.closure_code = reason, code
    case.save(
        update_fields=["status", "closed_at", "retention_from", "closure_reason", "closure_code"]
    )
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=case,
        unit=actor_unit,
        detail={"change": "case_close", "code": code},
    )
    return case
