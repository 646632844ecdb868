"""The citizen's consents (sharing-rules.md 4): who may give one at which age, its scope,
its end (a guardian's ends when the citizen turns 18), its withdrawal (which hides what
rests on it at once and tells the case's lead), and the decisions to go on without one
where § 115 applies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Unit, User
from coordination import access, audit, lifecycle, policy, reminders
from coordination.models import (
    Case,
    Citizen,
    Consent,
    ConsentDecision,
    Forum,
    LegalBasis,
    RelatedPerson,
)
from coordination.models.citizens import birthday
from coordination.services._common import acting_unit, check_categories

GIVER_REFUSALS = {
    "young": gettext_lazy("A citizen under 15 cannot consent alone: a guardian gives it."),
    "teen": gettext_lazy(
        "From 15 the young person's own consent counts: a guardian may sign with them, not "
        "instead of them."
    ),
    "adult": gettext_lazy("The citizen is of age: only their own consent counts."),
}


def coming_of_age(citizen: Citizen) -> dt.datetime:
    """The moment a guardian's consent ends: the citizen's 18th birthday, local midnight."""
    return lifecycle.local_midnight(birthday(citizen.birth_date, policy.GUARDIAN_CONSENT_UNTIL_AGE))


def _giver_errors(
    citizen: Citizen, given_by: str, guardian: RelatedPerson | None, guardian_name: str
) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    age = citizen.age_on(timezone.localdate())
    if given_by not in Consent.GivenBy.values:
        errors["given_by"] = _("Say who gave the consent.")
    elif given_by not in policy.consent_givers(age):
        if age < policy.OWN_CONSENT_FROM_AGE:
            errors["given_by"] = GIVER_REFUSALS["young"]
        elif age < policy.GUARDIAN_CONSENT_UNTIL_AGE:
            errors["given_by"] = GIVER_REFUSALS["teen"]
        else:
            errors["given_by"] = GIVER_REFUSALS["adult"]
    if given_by in (Consent.GivenBy.GUARDIAN, Consent.GivenBy.BOTH) and "given_by" not in errors:
        if guardian is not None and guardian.citizen_id != citizen.pk:
            errors["guardian"] = _("That person is not related to this citizen.")
        elif guardian is None and not guardian_name.strip():
            errors["guardian_name"] = _("Record the guardian who gave the consent.")
    return errors


@transaction.atomic
def consent_record(
    *,
    actor: User,
    actor_unit: Unit,
    citizen: Citizen,
    forum: Forum,
    given_by: str,
    scope_units: Iterable[Unit],
    scope_categories: Iterable[str],
    purpose: str,
    form: str,
    valid_until: dt.datetime | None = None,
    guardian: RelatedPerson | None = None,
    guardian_name: str = "",
    document_reference: str = "",
    case: Case | None = None,
) -> Consent:
    """Record a consent of `citizen` to the cooperation of `forum`, scoped to member units
    of the forum and categories (on a case, or together with opening one). The caller has
    checked that the actor may do so for `actor_unit`."""
    units = list(dict.fromkeys(scope_units))
    errors: dict[str, Any] = _giver_errors(citizen, given_by, guardian, guardian_name)
    scope = forum.member_units.exclude(unit_type__in=policy.INVESTIGATION)
    if not units:
        errors["scope_units"] = _("Choose the units the consent covers.")
    elif scope.filter(pk__in=[u.pk for u in units]).count() != len(units):
        errors["scope_units"] = _("A consent can cover only member units of the forum.")
    try:
        categories = check_categories(scope_categories)
    except ValidationError:
        errors["scope_categories"] = _("Choose one or more known categories.")
        categories = []
    if valid_until is not None and valid_until <= timezone.now():
        errors["valid_until"] = _("The end must lie in the future.")
    if policy.rests_on_consent(forum.effort_type, forum.consent_required) and form not in (
        policy.WRITTEN_CONSENT_FORMS
    ):
        errors["form"] = _("This forum rests on written consent (sharing-rules.md 2).")
    if given_by == Consent.GivenBy.GUARDIAN:
        # A guardian's consent ends when the citizen comes of age (sharing-rules.md 4).
        ends = coming_of_age(citizen)
        valid_until = min(valid_until, ends) if valid_until is not None else ends
    consent = Consent(
        citizen=citizen,
        forum=forum,
        given_by=given_by,
        guardian=guardian if given_by != Consent.GivenBy.CITIZEN else None,
        guardian_name=(guardian.name if guardian is not None else guardian_name).strip()
        if given_by != Consent.GivenBy.CITIZEN
        else "",
        scope_categories=categories,
        purpose=(purpose or "").strip(),
        form=form,
        document_reference=(document_reference or "").strip(),
        valid_until=valid_until,
        recorded_by=actor,
    )
    try:
        consent.full_clean(
            exclude=["citizen", "forum", "recorded_by", "scope_categories", "guardian"]
        )
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    consent.save()
    consent.scope_units.set(units)
    if case is not None:
        access.forget_participations(case)
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=consent,
        unit=actor_unit,
        case_id=case.pk if case is not None else None,
        citizen_id=citizen.pk,
        categories=categories,
        legal_basis=LegalBasis.CONSENT,
        detail={"scope_units": sorted(u.pk for u in units), "given_by": given_by},
    )
    return consent


@transaction.atomic
def consent_for_opening(
    *,
    actor: User,
    citizen: Citizen,
    forum: Forum,
    lead_unit: Unit,
    given_by: str,
    scope_units: Iterable[Unit],
    scope_categories: Iterable[str],
    purpose: str,
    form: str,
    valid_until: dt.datetime | None = None,
    guardian_name: str = "",
    document_reference: str = "",
) -> Consent:
    """Record the consent a case in a forum resting on consent is opened on (in the same
    transaction as the opening): by someone who may open cases there for `lead_unit`."""
    if not access.may_act_for(actor, forum, lead_unit):
        raise PermissionDenied(_("You cannot open cases in this forum for that unit."))
    return consent_record(
        actor=actor,
        actor_unit=lead_unit,
        citizen=citizen,
        forum=forum,
        given_by=given_by,
        scope_units=scope_units,
        scope_categories=scope_categories,
        purpose=purpose,
        form=form,
        valid_until=valid_until,
        guardian_name=guardian_name,
        document_reference=document_reference,
    )


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
    guardian: RelatedPerson | None = None,
    guardian_name: str = "",
    document_reference: str = "",
) -> Consent:
    """Record the citizen's consent on a case, scoped to units of the case's forum and
    categories."""
    actor_unit = acting_unit(actor, case, access.CaseAction.ADD_ENTRY, None)
    return consent_record(
        actor=actor,
        actor_unit=actor_unit,
        citizen=case.citizen,
        forum=case.forum,
        given_by=given_by,
        scope_units=scope_units,
        scope_categories=scope_categories,
        purpose=purpose,
        form=form,
        valid_until=valid_until,
        guardian=guardian,
        guardian_name=guardian_name,
        document_reference=document_reference,
        case=case,
    )


@transaction.atomic
def consent_withdraw(*, actor: User, case: Case, consent: Consent) -> Consent:
    """Withdraw a consent: everything shared on it is hidden from the next request on, and
    the lead of every open case of the citizen in the forum is told."""
    actor_unit = acting_unit(actor, case, access.CaseAction.VIEW, None)
    if consent.citizen_id != case.citizen_id or consent.forum_id != case.forum_id:
        raise PermissionDenied
    told: list[int] = []
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_by = actor
        consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
        access.forget_participations(case)  # what rests on it is hidden from now on
        told = reminders.consent_withdrawn(consent=consent)
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=consent,
        unit=actor_unit,
        case_id=case.pk,
        citizen_id=case.citizen_id,
        detail={"change": "consent_withdraw", "cases_told": told},
    )
    return consent


@transaction.atomic
def consent_decision_record(
    *, actor: User, case: Case, situation: str, reasoning: str
) -> ConsentDecision:
    """Record the decision to go on without consent where § 115 applies (sharing-rules.md 4).
    The reasoning is the deciding unit's text; the others see the situation and who
    decided when."""
    actor_unit = acting_unit(actor, case, access.CaseAction.ADD_ENTRY, None)
    if policy.rests_on_consent(case.forum.effort_type, case.forum.consent_required):
        raise ValidationError(
            {"situation": _("This forum rests on consent: it cannot go on without it.")}
        )
    decision = ConsentDecision(
        case=case,
        situation=situation,
        reasoning=(reasoning or "").strip(),
        decided_by=actor,
        author_unit=actor_unit,
    )
    decision.full_clean(exclude=["case", "decided_by", "author_unit"])
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


def consent_covering(citizen: Citizen, forum: Forum, unit: Unit) -> Consent | None:
    """An active, written consent of the citizen to the forum's cooperation that covers
    `unit` (a forum resting on consent admits no case, participant or content without)."""
    return (
        Consent.objects.active()
        .filter(
            citizen=citizen,
            forum=forum,
            form__in=policy.WRITTEN_CONSENT_FORMS,
            scope_units=unit,
        )
        .order_by("-given_at", "-pk")
        .first()
    )
