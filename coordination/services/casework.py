"""The work on a case beyond contacts and entries: Knock Knock offers, referrals, PSP
incidents and outcome snapshots."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from coordination import access, audit, policy, reminders, workflows
from coordination.models import (
    Case,
    Category,
    Consent,
    Contact,
    Incident,
    LegalBasis,
    Offer,
    OutcomeSnapshot,
    Referral,
    Reminder,
)
from coordination.services import governance
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
    category: str = Category.GENERAL,
    legal_basis: str = "",
    audience: Iterable[Unit] = (),
    consent: Consent | None = None,
) -> Offer:
    """Record an offer made to the young person (at a contact, when given) and, if they
    answered at once, their answer. The offer is shared content (its note)."""
    actor_unit = acting_unit(actor, case, access.CaseAction.LOG_CONTACT, None)
    errors = {}
    if contact is not None and contact.case_id != case.pk:
        errors["contact"] = _("That contact belongs to another case.")
    share = governance.Share(category, legal_basis, list(audience), consent)
    resolved = governance.check(case=case, author_unit=actor_unit, share=share, errors=errors)
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
    recipients = governance.save_shared(
        offer,
        case=case,
        author_unit=actor_unit,
        resolved=resolved,
        actor=actor,
        exclude=["case", "made_by", "unit", "contact"],
    )
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=offer,
        unit=actor_unit,
        categories=[offer.category],
        legal_basis=offer.legal_basis,
        detail={"kind": kind, "status": status, "recipients": recipients},
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
    category: str = Category.GENERAL,
    legal_basis: str = "",
    audience: Iterable[Unit] = (),
    consent: Consent | None = None,
) -> Referral:
    """Refer the citizen to a unit (of the forum) or a named service. A referral passes
    information on: it is a disclosure, audited with its recipient and its own basis. To a
    unit taking part in the case it travels on the cooperation's basis (and that unit
    always receives it); outside the case (a service, a unit not taking part) it rests on
    a basis of its own, consent unless the author chooses ordinary disclosure between
    authorities (never for health information)."""
    from_unit = acting_unit(actor, case, access.CaseAction.ADD_ENTRY, None)
    service = (to_service or "").strip()
    errors: dict[str, Any] = {}
    if (to_unit is None) == (not service):
        errors["to_unit"] = _("Choose a unit or name a service (one of them).")
    elif to_unit is not None and (
        to_unit.unit_type in policy.INVESTIGATION
        or not case.forum.member_units.filter(pk=to_unit.pk).exists()
    ):
        errors["to_unit"] = _("A referral goes to a member unit of the forum.")
    inside = to_unit is not None and access.audience_units(case).filter(pk=to_unit.pk).exists()
    named = list(audience)
    if inside and named and to_unit is not None and to_unit not in named:
        named.append(to_unit)  # the unit referred to always receives the referral
    share = governance.Share(
        category, legal_basis or ("" if inside else LegalBasis.CONSENT), named, consent
    )
    resolved = governance.check(
        case=case,
        author_unit=from_unit,
        share=share,
        allow=None if inside else policy.REFERRAL_OUTSIDE_BASES,
        errors=errors,
    )
    referral = Referral(
        case=case,
        from_unit=from_unit,
        to_unit=to_unit,
        to_service=service,
        purpose=(purpose or "").strip(),
        sent_by=actor,
    )
    recipients = governance.save_shared(
        referral,
        case=case,
        author_unit=from_unit,
        resolved=resolved,
        actor=actor,
        exclude=["case", "from_unit", "to_unit", "sent_by"],
    )
    audit.write_event(
        actor=actor,
        action=audit.Action.DISCLOSE,
        obj=referral,
        unit=from_unit,
        categories=[referral.category],
        legal_basis=referral.legal_basis,
        purpose=referral.purpose[:200],
        detail={
            "referral_to_unit": to_unit.pk if to_unit else None,
            "to_service": service,
            "outside_the_case": not inside,
            "recipients": recipients,
        },
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
    legal_basis: str = "",
    audience: Iterable[Unit] = (),
    consent: Consent | None = None,
) -> Incident:
    """Record an incident on a PSP case, with its date and source (a unit taking part; the
    actor's own by default). Incidents before enrolment may be recorded too: PSP counts the
    12 months before and after. An incident is shared content of the category its kind is
    (a forced admission is health information, a use of force or a charge police)."""
    actor_unit = acting_unit(actor, case, access.CaseAction.LOG_CONTACT, None)
    errors: dict[str, Any] = {}
    if case.forum.effort_type not in workflows.INCIDENT_FORUMS:
        errors["kind"] = _("Incidents are recorded on PSP cases.")
    if occurred_on > timezone.localdate():
        errors["occurred_on"] = _("An incident cannot lie in the future.")
    earliest = workflows.add_months(
        timezone.localdate(case.opened_at), -workflows.INCIDENT_COUNT_WINDOW_MONTHS
    )
    if occurred_on < earliest:
        errors["occurred_on"] = _("Record incidents from 12 months before enrolment on.")
    if kind not in Incident.CATEGORY:
        errors["kind"] = _("Choose the kind of incident.")
    elif Incident.CATEGORY[kind] not in access.categories_seen(actor, case):
        # A unit records no category of information it may not receive on the case.
        errors["kind"] = _("Your unit does not receive this kind of information on the case.")
    source = source_unit or actor_unit
    if not access.audience_units(case).filter(pk=source.pk).exists():
        errors["source_unit"] = _("The source is a unit taking part in the case.")
    category = Incident.CATEGORY.get(kind, Category.GENERAL)
    share = governance.Share(category, legal_basis, list(audience), consent)
    resolved = governance.check(case=case, author_unit=actor_unit, share=share, errors=errors)
    incident = Incident(
        case=case,
        kind=kind,
        occurred_on=occurred_on,
        source_unit=source,
        recorded_by=actor,
        author_unit=actor_unit,
        note=(note or "").strip(),
    )
    recipients = governance.save_shared(
        incident,
        case=case,
        author_unit=actor_unit,
        resolved=resolved,
        actor=actor,
        exclude=["case", "source_unit", "recorded_by", "author_unit", "category"],
    )
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=incident,
        unit=actor_unit,
        categories=[incident.category],
        legal_basis=incident.legal_basis,
        detail={"kind": kind, "recipients": recipients},
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
    category: str = Category.GENERAL,
    legal_basis: str = "",
    audience: Iterable[Unit] = (),
    consent: Consent | None = None,
) -> OutcomeSnapshot:
    """Record where the citizen stands at a milestone (3, 6 or 12 months after enrolment);
    its pending reminder is dropped. The snapshot is shared content (its note, and a new
    police contact)."""
    actor_unit = acting_unit(actor, case, access.CaseAction.LOG_CONTACT, None)
    errors: dict[str, Any] = {}
    if case.forum.effort_type not in workflows.OUTCOME_FORUMS:
        errors["milestone"] = _("This forum does not take outcome snapshots.")
    elif case.outcomes.filter(milestone=milestone).exists():
        errors["milestone"] = _("That milestone has been recorded.")
    share = governance.Share(category, legal_basis, list(audience), consent)
    resolved = governance.check(case=case, author_unit=actor_unit, share=share, errors=errors)
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
    recipients = governance.save_shared(
        snapshot,
        case=case,
        author_unit=actor_unit,
        resolved=resolved,
        actor=actor,
        exclude=["case", "recorded_by", "unit"],
    )
    due = workflows.outcome_due_on(timezone.localtime(case.opened_at).date(), milestone)
    reminders.reminders_drop(case=case, kind=Reminder.Kind.OUTCOME_DUE, due_on=due)
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=snapshot,
        unit=actor_unit,
        categories=[snapshot.category],
        legal_basis=snapshot.legal_basis,
        detail={"milestone": milestone, "recipients": recipients},
    )
    return snapshot
