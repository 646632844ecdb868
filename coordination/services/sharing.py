"""What participants share on a case: contacts, entries (disclosures), consents and the
decisions to go on without consent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from coordination import access, audit, policy
from coordination.models import (
    Action,
    Case,
    Consent,
    ConsentDecision,
    Contact,
    Entry,
    LegalBasis,
    RelatedPerson,
)
from coordination.services._common import CLOCK_SKEW, acting_unit, check_categories


@transaction.atomic
def contact_log(
    *,
    actor: User,
    case: Case,
    kind: str,
    result: str,
    occurred_at: dt.datetime,
    note: str = "",
    unit: Unit | None = None,
    partner: User | None = None,
    related_person: RelatedPerson | None = None,
) -> Contact:
    """Record one contact attempt on `case` by the actor (and an optional partner)."""
    actor_unit = acting_unit(actor, case, access.CaseAction.LOG_CONTACT, unit)
    errors: dict[str, str] = {}
    if occurred_at > timezone.now() + CLOCK_SKEW:
        errors["occurred_at"] = _("A contact cannot lie in the future.")
    if partner is not None and (
        partner == actor or not access.cases_for(partner).filter(pk=case.pk).exists()
    ):
        errors["partner"] = _("The partner must be another person taking part in the case.")
    if related_person is not None and related_person.citizen_id != case.citizen_id:
        errors["related_person"] = _("That person is not related to this citizen.")
    if errors:
        raise ValidationError(errors)
    contact = Contact(
        case=case,
        kind=kind,
        result=result,
        occurred_at=occurred_at,
        note=(note or "").strip(),
        logged_by=actor,
        unit=actor_unit,
        partner=partner,
        related_person=related_person,
    )
    contact.full_clean(exclude=["case", "logged_by", "unit", "partner", "related_person"])
    contact.save()
    audit.write_event(actor=actor, action=audit.Action.CREATE, obj=contact, unit=actor_unit)
    return contact


# Who must tell the patient about a SUL43_2_2 disclosure, and by when.
INFORM_PATIENT_WITHIN = dt.timedelta(days=14)


def _named_refusals(case: Case, category: str, legal_basis: str, units: list[Unit]) -> list[str]:
    refusals = []
    for unit in units:
        reason = policy.recipient_refusal(
            effort_type=case.forum.effort_type,
            unit_type=unit.unit_type,
            category=category,
            legal_basis=legal_basis,
            named=True,
        )
        if reason:
            refusals.append(f"{unit.name}: {reason}")
    return refusals


def _check_consent(
    case: Case, consent: Consent | None, category: str, units: list[Unit]
) -> dict[str, str]:
    if consent is None:
        return {"consent": _("This legal basis needs the citizen's consent: choose it.")}
    if (
        consent.citizen_id != case.citizen_id
        or consent.forum_id != case.forum_id
        or not consent.is_active
    ):
        return {"consent": _("The consent is not an active consent of this citizen.")}
    if category not in consent.scope_categories:
        return {"consent": _("The consent does not cover this category.")}
    covered = set(consent.scope_units.values_list("pk", flat=True))
    outside = [u.name for u in units if u.pk not in covered]
    if outside:
        return {
            "audience": _("The consent does not cover: %(units)s.") % {"units": ", ".join(outside)}
        }
    return {}


@transaction.atomic
def entry_share(
    *,
    actor: User,
    case: Case,
    category: str,
    legal_basis: str,
    justification: str,
    text: str,
    audience: Iterable[Unit] = (),
    unit: Unit | None = None,
    consent: Consent | None = None,
    deciding_professional: User | None = None,
) -> Entry:
    """Share an entry with all participants or with named participating units.

    The category, basis and audience are checked against the policy table (sharing-rules.md 3);
    consent-based entries need an active consent covering the category and every named
    unit; a SUL43_2_2 disclosure records the deciding health professional and creates an
    action to inform the patient."""
    author_unit = acting_unit(actor, case, access.CaseAction.ADD_ENTRY, unit)
    audience_units = list(audience)
    errors: dict[str, Any] = {}
    participating = set(access.audience_units(case).values_list("pk", flat=True))
    if any(u.pk not in participating for u in audience_units):
        errors["audience"] = _("Only units taking part in the case can receive it.")
    bases = policy.share_bases(case.forum.effort_type, author_unit.unit_type, category)
    if legal_basis not in bases:
        errors["legal_basis"] = _("This basis does not allow sharing this category here.")
    refusals = _named_refusals(case, category, legal_basis, audience_units)
    if refusals and "audience" not in errors:
        errors["audience"] = refusals
    if legal_basis == LegalBasis.UNDERRETNING and not audience_units:
        errors["audience"] = _("A notification must name the child-welfare unit.")
    if legal_basis in policy.CONSENT_BASES:
        errors = {**_check_consent(case, consent, category, audience_units), **errors}
    elif consent is not None:
        errors["consent"] = _("Only consent-based entries rest on a consent.")
    if legal_basis in policy.INFORM_PATIENT_BASES and (
        deciding_professional is None
        or not access.health_professionals(case).filter(pk=deciding_professional.pk).exists()
    ):
        errors["deciding_professional"] = _(
            "Name the health professional who decided on the disclosure."
        )
    entry = Entry(
        case=case,
        author=actor,
        author_unit=author_unit,
        category=category,
        legal_basis=legal_basis,
        justification=(justification or "").strip(),
        text=(text or "").strip(),
        audience_all=not audience_units,
        consent=consent if legal_basis in policy.CONSENT_BASES else None,
        deciding_professional=deciding_professional
        if legal_basis in policy.INFORM_PATIENT_BASES
        else None,
    )
    try:
        entry.full_clean(
            exclude=["case", "author", "author_unit", "consent", "deciding_professional"]
        )
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    entry.save()
    entry.audience.set(audience_units)
    if legal_basis in policy.INFORM_PATIENT_BASES and deciding_professional is not None:
        Action.objects.create(
            case=case,
            title=_("Inform the patient about the disclosure of health information"),
            responsible=deciding_professional,
            responsible_unit=author_unit,
            due_at=timezone.now() + INFORM_PATIENT_WITHIN,
            created_by=actor,
        )
    recipients = sorted(
        participating - {author_unit.pk} if not audience_units else {u.pk for u in audience_units}
    )
    audit.write_event(
        actor=actor,
        action=audit.Action.DISCLOSE,
        obj=entry,
        unit=author_unit,
        categories=[category],
        legal_basis=legal_basis,
        purpose=entry.justification[:200],
        detail={"recipients": recipients, "audience_all": entry.audience_all},
    )
    return entry


# --- Consent ---------------------------------------------------------------------------


@transaction.atomic
def consent_register(
    *,
    actor: User,
    case: Case,
    given_by: str,
    scope_units: Iterable[Unit],
    scope_categories: Iterable[str],
    purpose: str,
    form: str,
    valid_until: dt.datetime | None = None,
    guardian_name: str = "",
    document_reference: str = "",
) -> Consent:
    """Record the citizen's consent, scoped to units of the case's forum and categories."""
    actor_unit = acting_unit(actor, case, access.CaseAction.ADD_ENTRY, None)
    units = list(scope_units)
    errors: dict[str, Any] = {}
    if not units:
        errors["scope_units"] = _("Choose the units the consent covers.")
    elif access.consent_scope_units(case).filter(pk__in=[u.pk for u in units]).count() != len(
        set(units)
    ):
        errors["scope_units"] = _("A consent can cover only member units of the forum.")
    try:
        categories = check_categories(scope_categories)
    except ValidationError:
        errors["scope_categories"] = _("Choose one or more known categories.")
        categories = []
    if valid_until is not None and valid_until <= timezone.now():
        errors["valid_until"] = _("The end must lie in the future.")
    if policy.FORUM_RULES[case.forum.effort_type].consent_required and form not in (
        policy.WRITTEN_CONSENT_FORMS
    ):
        errors["form"] = _("This forum rests on written consent (sharing-rules.md 2).")
    if given_by in (Consent.GivenBy.GUARDIAN, Consent.GivenBy.BOTH) and not guardian_name.strip():
        errors["guardian_name"] = _("Name the guardian who gave consent.")
    consent = Consent(
        citizen=case.citizen,
        forum=case.forum,
        given_by=given_by,
        guardian_name=guardian_name.strip(),
        scope_categories=categories,
        purpose=(purpose or "").strip(),
        form=form,
        document_reference=document_reference.strip(),
        valid_until=valid_until,
        recorded_by=actor,
    )
    try:
        consent.full_clean(exclude=["citizen", "forum", "recorded_by", "scope_categories"])
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    consent.save()
    consent.scope_units.set(units)
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=consent,
        unit=actor_unit,
        case_id=case.pk,
        citizen_id=case.citizen_id,
        categories=categories,
        legal_basis=LegalBasis.CONSENT,
        detail={"scope_units": sorted(u.pk for u in units)},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, case: Case, consent: Consent) -> Consent:
    """Withdraw a consent: every entry shared on it is hidden from the next request on."""
    actor_unit = acting_unit(actor, case, access.CaseAction.VIEW, None)
    if consent.citizen_id != case.citizen_id or consent.forum_id != case.forum_id:
        raise PermissionDenied
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_by = actor
        consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=consent,
        unit=actor_unit,
        case_id=case.pk,
        citizen_id=case.citizen_id,
        detail={"change": "consent_withdraw"},
    )
    return consent


@transaction.atomic
def consent_decision_record(
    *, actor: User, case: Case, situation: str, reasoning: str
) -> ConsentDecision:
    """Record the decision to go on without consent where § 115 applies (sharing-rules.md 4)."""
    actor_unit = acting_unit(actor, case, access.CaseAction.ADD_ENTRY, None)
    if policy.FORUM_RULES[case.forum.effort_type].consent_required:
        raise ValidationError(
            {"situation": _("This forum rests on consent: it cannot go on without it.")}
        )
    decision = ConsentDecision(
        case=case, situation=situation, reasoning=(reasoning or "").strip(), decided_by=actor
    )
    decision.full_clean(exclude=["case", "decided_by"])
    decision.save()
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=decision,
        unit=actor_unit,
        legal_basis=case.forum.default_legal_basis,
        detail={"situation": situation},
    )
    return decision
