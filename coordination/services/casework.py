"""The work on a case beyond contacts and entries: Knock Knock offers, referrals, PSP
incidents and outcome snapshots."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from coordination import access, audit, policy, reminders, workflows
from coordination.models import (
    Case,
    Contact,
    Incident,
    Offer,
    OutcomeSnapshot,
    Referral,
    Reminder,
)
from coordination.services._common import acting_unit


@transaction.atomic
def offer_make(
    *,
    actor: User,
    case: Case,
    kind: str,
    note: str = "",
    contact: Contact | None = None,
    status: str = Offer.Status.MADE,
) -> Offer:
    """Record an offer made to the young person (at a contact, when given) and, if they
    answered at once, their answer."""
    actor_unit = acting_unit(actor, case, access.CaseAction.LOG_CONTACT, None)
    if contact is not None and contact.case_id != case.pk:
        raise ValidationError({"contact": _("That contact belongs to another case.")})
    now = timezone.now()
    offer = Offer(
        case=case,
        kind=kind,
        status=status,
        made_by=actor,
        unit=actor_unit,
        contact=contact,
        note=(note or "").strip(),
        answered_at=None if status == Offer.Status.MADE else now,
    )
    offer.full_clean(exclude=["case", "made_by", "unit", "contact"])
    offer.save()
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=offer,
        unit=actor_unit,
        detail={"kind": kind, "status": status},
    )
    return offer


@transaction.atomic
def offer_answer(*, actor: User, offer: Offer, status: str) -> Offer:
    """The young person's answer to an offer: accepted or declined."""
    actor_unit = acting_unit(actor, offer.case, access.CaseAction.LOG_CONTACT, None)
    if status not in (Offer.Status.ACCEPTED, Offer.Status.DECLINED):
        raise ValidationError({"status": _("Choose accepted or declined.")})
    if offer.status != Offer.Status.MADE:
        raise ValidationError({"status": _("The offer has already been answered.")})
    offer.status, offer.answered_at = status, timezone.now()
    offer.save(update_fields=["status", "answered_at"])
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=offer,
        unit=actor_unit,
        detail={"change": "answer", "status": status},
    )
    return offer


# --- Referrals ----------------------------------------------------------------------------------


@transaction.atomic
def referral_send(
    *,
    actor: User,
    case: Case,
    purpose: str,
    to_unit: Unit | None = None,
    to_service: str = "",
) -> Referral:
    """Refer the citizen to a unit (of the forum) or a named service. A referral passes
    information on: it is a disclosure, audited with its recipient."""
    from_unit = acting_unit(actor, case, access.CaseAction.ADD_ENTRY, None)
    service = (to_service or "").strip()
    errors: dict[str, str] = {}
    if (to_unit is None) == (not service):
        errors["to_unit"] = _("Choose a unit or name a service (one of them).")
    elif to_unit is not None and (
        to_unit.unit_type in policy.INVESTIGATION
        or not case.forum.member_units.filter(pk=to_unit.pk).exists()
    ):
        errors["to_unit"] = _("A referral goes to a member unit of the forum.")
    if errors:
        raise ValidationError(errors)
    referral = Referral(
        case=case,
        from_unit=from_unit,
        to_unit=to_unit,
        to_service=service,
        purpose=(purpose or "").strip(),
        sent_by=actor,
    )
    referral.full_clean(exclude=["case", "from_unit", "to_unit", "sent_by"])
    referral.save()
    audit.write_event(
        actor=actor,
        action=audit.Action.DISCLOSE,
        obj=referral,
        unit=from_unit,
        legal_basis=case.forum.default_legal_basis,
        purpose=referral.purpose[:200],
        detail={"referral_to_unit": to_unit.pk if to_unit else None, "to_service": service},
    )
    return referral


@transaction.atomic
def referral_update(
    *, actor: User, referral: Referral, status: str, feedback: str = ""
) -> Referral:
    """Follow a referral: its new status and the feedback that came back."""
    actor_unit = acting_unit(actor, referral.case, access.CaseAction.LOG_CONTACT, None)
    if status not in Referral.Status.values or status == Referral.Status.SENT:
        raise ValidationError({"status": _("Choose the referral's new status.")})
    if not referral.is_open:
        raise ValidationError(_("The referral is closed."))
    referral.status = status
    text = (feedback or "").strip()
    if text:
        referral.feedback = f"{referral.feedback}\n{text}".strip()
    referral.updated_at = timezone.now()
    referral.save(update_fields=["status", "feedback", "updated_at"])
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=referral,
        unit=actor_unit,
        detail={"change": "status", "status": status},
    )
    return referral


# --- PSP incidents ----------------------------------------------------------------------------


@transaction.atomic
def incident_record(
    *,
    actor: User,
    case: Case,
    kind: str,
    occurred_on: dt.date,
    source_unit: Unit | None = None,
    note: str = "",
) -> Incident:
    """Record an incident on a PSP case, with its date and source (a unit taking part; the
    actor's own by default). Incidents before enrolment may be recorded too: PSP counts the
    12 months before and after."""
    actor_unit = acting_unit(actor, case, access.CaseAction.LOG_CONTACT, None)
    errors: dict[str, str] = {}
    if case.forum.effort_type not in workflows.INCIDENT_FORUMS:
        errors["kind"] = _("Incidents are recorded on PSP cases.")
    if occurred_on > timezone.localdate():
        errors["occurred_on"] = _("An incident cannot lie in the future.")
    earliest = workflows.add_months(
        timezone.localdate(case.opened_at), -workflows.INCIDENT_COUNT_WINDOW_MONTHS
    )
    if occurred_on < earliest:
        errors["occurred_on"] = _("Record incidents from 12 months before enrolment on.")
    if Incident.CATEGORY.get(kind) not in access.categories_seen(actor, case):
        # Recording what one's own unit may not see would hide it from the recorder.
        errors["kind"] = _("Your unit does not receive this kind of information on the case.")
    source = source_unit or actor_unit
    if not access.audience_units(case).filter(pk=source.pk).exists():
        errors["source_unit"] = _("The source is a unit taking part in the case.")
    if errors:
        raise ValidationError(errors)
    incident = Incident(
        case=case,
        kind=kind,
        occurred_on=occurred_on,
        source_unit=source,
        recorded_by=actor,
        note=(note or "").strip(),
    )
    incident.full_clean(exclude=["case", "source_unit", "recorded_by", "category"])
    incident.save()
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=incident,
        unit=actor_unit,
        categories=[incident.category],
        legal_basis=case.forum.default_legal_basis,
        detail={"kind": kind},
    )
    return incident


# --- Outcome snapshots ---------------------------------------------------------------------------


@transaction.atomic
def outcome_record(
    *,
    actor: User,
    case: Case,
    milestone: int,
    education: str,
    job: str,
    housing: str,
    leisure: bool = False,
    new_police_contact: bool = False,
    note: str = "",
) -> OutcomeSnapshot:
    """Record where the citizen stands at a milestone (3, 6 or 12 months after enrolment);
    its pending reminder is dropped."""
    actor_unit = acting_unit(actor, case, access.CaseAction.LOG_CONTACT, None)
    if case.forum.effort_type not in workflows.OUTCOME_FORUMS:
        raise ValidationError({"milestone": _("This forum does not take outcome snapshots.")})
    if case.outcomes.filter(milestone=milestone).exists():
        raise ValidationError({"milestone": _("That milestone has been recorded.")})
    snapshot = OutcomeSnapshot(
        case=case,
        milestone=milestone,
        education=education,
        job=job,
        housing=housing,
        leisure=leisure,
        new_police_contact=new_police_contact,
        note=(note or "").strip(),
        recorded_by=actor,
        unit=actor_unit,
    )
    snapshot.full_clean(exclude=["case", "recorded_by", "unit"])
    snapshot.save()
    due = workflows.outcome_due_on(timezone.localtime(case.opened_at).date(), milestone)
    reminders.reminders_drop(case=case, kind=Reminder.Kind.OUTCOME_DUE, due_on=due)
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=snapshot,
        unit=actor_unit,
        detail={"milestone": milestone},
    )
    return snapshot
