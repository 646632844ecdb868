"""What participants share on a case: contacts and entries (disclosures), and earlier
content shared again with a unit that did not receive it. Every piece goes through the
governance step (services.governance): category, basis, audience, consent, recipients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from coordination import access, audit, policy
from coordination.models import Action, Case, Category, Consent, Contact, Entry, RelatedPerson
from coordination.services import governance
from coordination.services._common import CLOCK_SKEW, acting_unit


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
    category: str = Category.GENERAL,
    legal_basis: str = "",
    audience: Iterable[Unit] = (),
    consent: Consent | None = None,
) -> Contact:
    """Record one contact attempt on `case` by the actor (and an optional partner). The
    contact is shared content: its note may carry personal details, so it has a category
    and an audience like an entry (all participants of this moment by default)."""
    actor_unit = acting_unit(actor, case, access.CaseAction.LOG_CONTACT, unit)
    errors: dict[str, Any] = {}
    if occurred_at > timezone.now() + CLOCK_SKEW:
        errors["occurred_at"] = _("A contact cannot lie in the future.")
    if partner is not None and (
        partner == actor or not access.cases_for(partner).filter(pk=case.pk).exists()
    ):
        errors["partner"] = _("The partner must be another person taking part in the case.")
    if related_person is not None and related_person.citizen_id != case.citizen_id:
        errors["related_person"] = _("That person is not related to this citizen.")
    share = governance.Share(category, legal_basis, list(audience), consent)
    resolved = governance.check(case=case, author_unit=actor_unit, share=share, errors=errors)
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
    resolved.apply(contact)
    contact.full_clean(
        exclude=["case", "logged_by", "unit", "partner", "related_person", "consent"]
    )
    contact.save()
    recipients = governance.record_recipients(
        contact, case=case, author_unit=actor_unit, resolved=resolved, actor=actor
    )
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=contact,
        unit=actor_unit,
        categories=[contact.category],
        legal_basis=contact.legal_basis,
        detail={"recipients": recipients, "audience_all": contact.audience_all},
    )
    return contact


# Who must tell the patient about a SUL43_2_2 disclosure, and by when.
INFORM_PATIENT_WITHIN = dt.timedelta(days=14)


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
    """Share an entry with all participants (those of this moment) or with named
    participating units.

    The category, basis and audience are checked against the policy (sharing-rules.md 3);
    consent-based entries rest on an active consent covering the category and every named
    unit (the one that does, when the author names none); a SUL43_2_2 disclosure records
    the deciding health professional and creates an action to inform the patient."""
    author_unit = acting_unit(actor, case, access.CaseAction.ADD_ENTRY, unit)
    share = governance.Share(category, legal_basis, list(audience), consent)
    resolved, errors = governance.resolve(
        case=case, author_unit=author_unit, share=share, entry=True
    )
    if resolved.legal_basis in policy.INFORM_PATIENT_BASES and (
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
        justification=(justification or "").strip(),
        text=(text or "").strip(),
        deciding_professional=deciding_professional
        if resolved.legal_basis in policy.INFORM_PATIENT_BASES
        else None,
    )
    resolved.apply(entry)
    try:
        entry.full_clean(
            exclude=["case", "author", "author_unit", "consent", "deciding_professional"]
        )
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    entry.save()
    recipients = governance.record_recipients(
        entry, case=case, author_unit=author_unit, resolved=resolved, actor=actor
    )
    if resolved.legal_basis in policy.INFORM_PATIENT_BASES and deciding_professional is not None:
        # The task names no detail: a generic title, seen by the author's unit alone.
        task = Action(
            case=case,
            title=_("Inform the patient about the disclosure of health information"),
            responsible=deciding_professional,
            responsible_unit=author_unit,
            author_unit=author_unit,
            due_at=timezone.now() + INFORM_PATIENT_WITHIN,
            created_by=actor,
            category=Category.GENERAL,
            legal_basis=resolved.legal_basis,
            audience_all=False,
        )
        task.save()
    audit.write_event(
        actor=actor,
        action=audit.Action.DISCLOSE,
        obj=entry,
        unit=author_unit,
        categories=[entry.category],
        legal_basis=entry.legal_basis,
        purpose=entry.justification[:200],
        detail={"recipients": recipients, "audience_all": entry.audience_all},
    )
    return entry
