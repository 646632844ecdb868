"""Every write in the coordination domain. Each service is atomic, takes the acting user,
asks access.py whether the act is allowed, validates its input (ValidationError with field
names, so forms and the API can show the message) and writes its audit event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from coordination import access, audit, cpr
from coordination.models import (
    ALL_CATEGORIES,
    Case,
    CaseParticipant,
    Citizen,
    Contact,
    EffortType,
    Entry,
    Forum,
    RelatedPerson,
)

# LEGAL.md 6: every case has a review date, by default every 6 months.
DEFAULT_REVIEW_INTERVAL = dt.timedelta(days=182)
# Contacts may be logged a little ahead of the server clock (phones drift), not more.
CLOCK_SKEW = dt.timedelta(minutes=5)


def _cpr_digits(cpr_number: str) -> str:
    try:
        return cpr.normalise(cpr_number)
    except ValidationError as error:
        raise ValidationError({"cpr": error.messages}) from None


@transaction.atomic
def citizen_create(
    *,
    actor: User | None,
    cpr_number: str,
    first_name: str,
    last_name: str,
    protected_address: bool = False,
) -> Citizen:
    """Register a citizen; the CPR number is stored encrypted and indexed by HMAC only."""
    digits = _cpr_digits(cpr_number)
    if Citizen.objects.by_cpr(digits).exists():
        raise ValidationError(
            {"cpr": _("A citizen with this CPR number already exists.")}, code="duplicate"
        )
    citizen = Citizen(
        cpr_encrypted=cpr.encrypt(digits),
        cpr_index=cpr.blind_index(digits),
        birth_date=cpr.birth_date(digits),
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        protected_address=protected_address,
    )
    citizen.full_clean()
    citizen.save()
    audit.write_event(actor=actor, action=audit.Action.CREATE, obj=citizen)
    return citizen


@transaction.atomic
def citizen_get_or_create(
    *, actor: User, cpr_number: str, first_name: str, last_name: str
) -> tuple[Citizen, bool]:
    """The citizen with this CPR number, created if unknown.

    An existing record is reused as it is: the caller learns nothing about it (its stored
    name is not shown and not overwritten) unless they take part in one of its cases.
    """
    digits = _cpr_digits(cpr_number)
    existing = Citizen.objects.by_cpr(digits).first()
    if existing is not None:
        audit.write_event(
            actor=actor,
            action=audit.Action.SEARCH,
            obj=existing,
            detail={"criterion": "cpr", "matched": True},
        )
        return existing, False
    return (
        citizen_create(actor=actor, cpr_number=digits, first_name=first_name, last_name=last_name),
        True,
    )


@transaction.atomic
def case_open(
    *,
    actor: User,
    citizen: Citizen,
    forum: Forum,
    lead_unit: Unit,
    track: str = "",
    age_override_reason: str = "",
    next_review_at: dt.date | None = None,
) -> Case:
    """Open a case for `citizen` in `forum`, led by `lead_unit` (one of the actor's units)."""
    if not access.units_for_opening(actor, forum).filter(pk=lead_unit.pk).exists():
        raise PermissionDenied(_("You cannot open cases in this forum for that unit."))
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
    if Case.objects.open().filter(citizen=citizen, forum=forum).exists():
        raise ValidationError({"forum": _("The citizen already has an open case in this forum.")})
    case = Case(
        citizen=citizen,
        forum=forum,
        status=Case.Status.ACTIVE,
        track=track,
        coordinator=actor,
        age_override_reason=reason,
        next_review_at=next_review_at or today + DEFAULT_REVIEW_INTERVAL,
    )
    case.full_clean(exclude=["citizen", "forum"])
    case.save()
    lead = CaseParticipant(
        case=case,
        unit=lead_unit,
        contact_user=actor,
        role=CaseParticipant.Role.LEAD,
        legal_basis=forum.default_legal_basis,
        categories=list(ALL_CATEGORIES),
    )
    lead.save()
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


def _acting_unit(actor: User, case: Case, action: access.CaseAction, unit: Unit | None) -> Unit:
    participations = access.participations_for(actor, action).filter(case=case)
    if unit is not None:
        participations = participations.filter(unit=unit)
    participation = participations.select_related("unit").order_by("role", "unit__name").first()
    if participation is None:
        raise PermissionDenied
    return participation.unit


def _categories(categories: Iterable[str]) -> list[str]:
    chosen = sorted(set(categories))
    unknown = [c for c in chosen if c not in ALL_CATEGORIES]
    if unknown or not chosen:
        raise ValidationError({"categories": _("Choose one or more known categories.")})
    return chosen


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
    """Let `unit` take part in `case`. Only member units of the case's forum qualify."""
    actor_unit = _acting_unit(actor, case, access.CaseAction.MANAGE, None)
    if unit.unit_type in access.EXCLUDED_UNIT_TYPES:
        raise ValidationError(
            {"unit": _("Investigation units cannot take part in prevention cases.")}
        )
    if not case.forum.member_units.filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("Only member units of the forum can take part.")})
    if case.participants.filter(unit=unit).exists():
        raise ValidationError({"unit": _("The unit already takes part in the case.")})
    participant = CaseParticipant(
        case=case,
        unit=unit,
        role=role,
        legal_basis=legal_basis,
        categories=_categories(categories),
        valid_from=valid_from or timezone.now(),
        valid_until=valid_until,
        contact_user=contact_user,
    )
    if participant.valid_until is not None and participant.valid_until <= participant.valid_from:
        raise ValidationError({"valid_until": _("The end must come after the start.")})
    participant.full_clean(exclude=["case", "unit", "contact_user"])
    participant.save()
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
        },
    )
    return participant


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
    actor_unit = _acting_unit(actor, case, access.CaseAction.LOG_CONTACT, unit)
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


@transaction.atomic
def entry_write(
    *,
    actor: User,
    case: Case,
    category: str,
    legal_basis: str,
    justification: str,
    text: str,
    audience: Iterable[Unit] = (),
    unit: Unit | None = None,
) -> Entry:
    """Write an entry on `case`, shown to all participants or to the named units only."""
    author_unit = _acting_unit(actor, case, access.CaseAction.ADD_ENTRY, unit)
    audience_units = list(audience)
    participating = set(
        CaseParticipant.objects.active().filter(case=case).values_list("unit_id", flat=True)
    )
    if any(u.pk not in participating for u in audience_units):
        raise ValidationError({"audience": _("Only units taking part in the case can receive it.")})
    entry = Entry(
        case=case,
        author=actor,
        author_unit=author_unit,
        category=category,
        legal_basis=legal_basis,
        justification=(justification or "").strip(),
        text=(text or "").strip(),
        audience_all=not audience_units,
    )
    entry.full_clean(exclude=["case", "author", "author_unit"])
    entry.save()
    entry.audience.set(audience_units)
    recipients = sorted(participating if not audience_units else {u.pk for u in audience_units})
    audit.write_event(
        actor=actor,
        action=audit.Action.DISCLOSE,
        obj=entry,
        unit=author_unit,
        categories=[category],
        legal_basis=legal_basis,
        detail={"recipients": recipients, "audience_all": entry.audience_all},
    )
    return entry
