"""Every write in the coordination domain. Each service is atomic, takes the acting user,
asks access.py whether the act is allowed, validates its input (ValidationError with field
names, so forms and the API can show the message) and writes its audit event."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import InvalidToken
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from coordination import access, audit, cpr, policy, reminders, workflows
from coordination.models import (
    ALL_CATEGORIES,
    Action,
    AgendaItem,
    AuditEvent,
    AuditSample,
    AuditSampleItem,
    Case,
    CaseGroupObjectPermission,
    CaseParticipant,
    CaseUserObjectPermission,
    Citizen,
    ConcernReport,
    Consent,
    ConsentDecision,
    Contact,
    EffortType,
    EmergencyAccess,
    Entry,
    Forum,
    Incident,
    LegalBasis,
    Meeting,
    MinutesDistribution,
    Offer,
    OutcomeSnapshot,
    Referral,
    RelatedPerson,
    Reminder,
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
def related_person_add(
    *, actor: User | None, citizen: Citizen, name: str, relation: str, has_custody: bool = False
) -> RelatedPerson:
    """Record a guardian or other person around a citizen (parents of a minor, say)."""
    person = RelatedPerson(
        citizen=citizen, name=(name or "").strip(), relation=relation, has_custody=has_custody
    )
    person.full_clean(exclude=["citizen"])
    person.save()
    audit.write_event(actor=actor, action=audit.Action.CREATE, obj=person, citizen_id=citizen.pk)
    return person


@dataclass
class RekeyResult:
    """What citizens_rekey did, or in a dry run would do. Ids only, never a CPR number."""

    checked: int = 0
    rekeyed: int = 0  # re-encrypted under the first key (in a dry run: would be)
    current: int = 0  # already under the first key, left as they were
    undecryptable: list[int] = field(default_factory=list)  # citizen ids, left as they were


def citizens_rekey_chunk(*, after: int, size: int, dry_run: bool, result: RekeyResult) -> int:
    """Re-encrypt up to `size` citizens with a pk above `after` under the first key of
    CPR_ENCRYPTION_KEYS, in one transaction; adds to `result` and returns the last pk seen
    (`after` itself when no citizen is left). Rows are locked while they are rewritten."""
    with transaction.atomic():
        rows = Citizen.objects.filter(pk__gt=after).order_by("pk")
        if not dry_run:
            rows = rows.select_for_update()
        chunk = list(rows.values_list("pk", "cpr_encrypted")[:size])
        changed: list[Citizen] = []
        for pk, token in chunk:
            try:
                rotated = cpr.rekeyed(token)
            except InvalidToken:
                result.undecryptable.append(pk)
                continue
            if rotated is None:
                result.current += 1
            else:
                changed.append(Citizen(pk=pk, cpr_encrypted=rotated))
        if changed and not dry_run:
            # Only the token changes: the blind index has its own key (CPR_HMAC_KEY).
            Citizen.objects.bulk_update(changed, ["cpr_encrypted"])
    result.checked += len(chunk)
    result.rekeyed += len(changed)
    return chunk[-1][0] if chunk else after


def citizens_rekey(
    *,
    dry_run: bool = False,
    chunk_size: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> RekeyResult:
    """Re-encrypt every citizen's CPR number under the first (newest) encryption key
    (`manage.py rotate_cpr_keys`), chunk by chunk in pk order.

    Not one transaction: each chunk commits on its own, so a large table is not locked for
    the whole run and an interrupted run can simply be repeated (rows already under the
    first key are skipped). A token no configured key decrypts is left unchanged and its
    citizen id reported. One audit event records the run (none for a dry run).
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    result = RekeyResult()
    after = 0
    while True:
        checked = result.checked
        after = citizens_rekey_chunk(after=after, size=chunk_size, dry_run=dry_run, result=result)
        if progress is not None:
            progress(result.checked - checked)
        if result.checked - checked < chunk_size:
            break
    if not dry_run:
        audit.write_event(
            actor=None,
            action=audit.Action.CHANGE,
            detail={
                "change": "rotate_cpr_keys",
                "rows": result.rekeyed,
                "undecryptable": len(result.undecryptable),
            },
        )
    return result


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
    """Open a case for `citizen` in `forum`, led by `lead_unit` (one of the actor's units)."""
    if not access.may_act_for(actor, forum, lead_unit):
        raise PermissionDenied(_("You cannot open cases in this forum for that unit."))
    if not policy.may_take_part(forum.effort_type, lead_unit.unit_type):
        raise ValidationError(
            {"lead_unit": _("The law does not admit this unit type to the forum.")}
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
        next_review_at=next_review_at or today + DEFAULT_REVIEW_INTERVAL,
    )
    case.full_clean(exclude=["citizen", "forum"])
    case.save()
    lead = CaseParticipant(
        case=case,
        unit=lead_unit,
        contact_user=actor,
        role=CaseParticipant.Role.LEAD,
        legal_basis=ksp_basis or forum.default_legal_basis,
        categories=list(ALL_CATEGORIES),
        legal_review=policy.needs_legal_review(forum.effort_type, lead_unit.unit_type),
    )
    lead.save()
    _grants_sync(case)
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
    participation = access.acting_participation(actor, case, action, unit)
    if participation is None and unit is not None:
        # The act is allowed (the caller checked), but not through the unit named.
        raise ValidationError({"unit": _("You do not take part in the case through that unit.")})
    if participation is None:
        raise PermissionDenied
    return participation.unit


# --- Participants and the grants derived from them ------------------------------------

# The case permissions each participant role carries (guardian codenames on Case).
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    CaseParticipant.Role.LEAD: tuple(a.value for a in access.CaseAction),
    CaseParticipant.Role.PARTICIPANT: (
        access.CaseAction.VIEW,
        access.CaseAction.LOG_CONTACT,
        access.CaseAction.ADD_ENTRY,
    ),
    CaseParticipant.Role.INFORMED: (access.CaseAction.VIEW,),
}


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
        for codename in ROLE_PERMISSIONS[participant.role]:
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


def _grants_sync(case: Case) -> None:
    """Rewrite the guardian rows of `case` from its participants, in the caller's transaction.

    This is the only code that writes CaseGroupObjectPermission / CaseUserObjectPermission."""
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
    """Let `unit` take part in `case`, and grant its group the role's case permissions.

    Only member units of the forum whose type the law admits to such a forum qualify
    (LEGAL.md 2, rule 1); investigation units never do."""
    actor_unit = _acting_unit(actor, case, access.CaseAction.MANAGE, None)
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
    participant.categories = _categories(categories)
    participant.valid_from = valid_from or timezone.now()
    participant.valid_until = valid_until
    participant.contact_user = contact_user
    participant.legal_review = policy.needs_legal_review(effort, unit.unit_type)
    if participant.valid_until is not None and participant.valid_until <= participant.valid_from:
        raise ValidationError({"valid_until": _("The end must come after the start.")})
    participant.full_clean(exclude=["case", "unit", "contact_user"])
    participant.save()
    _grants_sync(case)
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
    actor_unit = _acting_unit(actor, case, access.CaseAction.MANAGE, None)
    if participant.role == CaseParticipant.Role.LEAD and not participant.emergency:
        raise ValidationError({"unit": _("The lead unit cannot be removed from its case.")})
    now = timezone.now()
    if participant.valid_until is None or participant.valid_until > now:
        participant.valid_until = max(now, participant.valid_from + dt.timedelta(microseconds=1))
        participant.save(update_fields=["valid_until"])
    _grants_sync(case)
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
        _grants_sync(case)
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

    The category, basis and audience are checked against the policy table (LEGAL.md 3);
    consent-based entries need an active consent covering the category and every named
    unit; a SUL43_2_2 disclosure records the deciding health professional and creates an
    action to inform the patient."""
    author_unit = _acting_unit(actor, case, access.CaseAction.ADD_ENTRY, unit)
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
    actor_unit = _acting_unit(actor, case, access.CaseAction.ADD_ENTRY, None)
    units = list(scope_units)
    errors: dict[str, Any] = {}
    if not units:
        errors["scope_units"] = _("Choose the units the consent covers.")
    elif access.consent_scope_units(case).filter(pk__in=[u.pk for u in units]).count() != len(
        set(units)
    ):
        errors["scope_units"] = _("A consent can cover only member units of the forum.")
    try:
        categories = _categories(scope_categories)
    except ValidationError:
        errors["scope_categories"] = _("Choose one or more known categories.")
        categories = []
    if valid_until is not None and valid_until <= timezone.now():
        errors["valid_until"] = _("The end must lie in the future.")
    if policy.FORUM_RULES[case.forum.effort_type].consent_required and form not in (
        policy.WRITTEN_CONSENT_FORMS
    ):
        errors["form"] = _("This forum rests on written consent (LEGAL.md 2).")
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
    actor_unit = _acting_unit(actor, case, access.CaseAction.VIEW, None)
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
    """Record the decision to go on without consent where § 115 applies (LEGAL.md 4)."""
    actor_unit = _acting_unit(actor, case, access.CaseAction.ADD_ENTRY, None)
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


# --- Emergency access (nødadgang) -------------------------------------------------------

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
    _grants_sync(case)
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


@transaction.atomic
def case_close(*, actor: User, case: Case, reason: str, code: str = "other") -> Case:
    """Close a case with one of its forum type's closure reasons (`code`, for statistics;
    workflows.CLOSURE_REASONS) and a note; it stays readable to its participants but takes
    no more work."""
    actor_unit = _acting_unit(actor, case, access.CaseAction.CLOSE, None)
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("Give the reason for closing the case.")
    if code not in dict(workflows.closure_reasons(case.forum.effort_type)):
        errors["code"] = _("Choose one of the forum's closure reasons.")
    if errors:
        raise ValidationError(errors)
    case.status, case.closed_at = Case.Status.CLOSED, timezone.now()
    case.closure_reason, case.closure_code = reason, code
    case.save(update_fields=["status", "closed_at", "closure_reason", "closure_code"])
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=case,
        unit=actor_unit,
        detail={"change": "case_close", "code": code},
    )
    return case


# --- Reviewing the audit log (LEGAL.md 5: logs are reviewed by sampling) -----------------

SAMPLE_MAX = 100


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


# --- Follow-up actions (opgaver) ---------------------------------------------------------


def _assignee(case: Case, responsible: User | None) -> tuple[User, Unit]:
    """The responsible person and the unit they act for on `case` (validated)."""
    if responsible is None or not access.action_assignees(case).filter(pk=responsible.pk).exists():
        raise ValidationError(
            {"responsible": _("Choose someone from a unit that takes part in the case.")}
        )
    participation = access.acting_participation(responsible, case, access.CaseAction.LOG_CONTACT)
    if participation is None:
        raise ValidationError(
            {"responsible": _("Choose someone from a unit that takes part in the case.")}
        )
    return responsible, participation.unit


def check_deadline(due_at: dt.datetime) -> dt.datetime:
    """A deadline someone sets now must not lie in the past (the form's and the API's rule;
    the service itself also takes past deadlines, for records entered after the fact).
    A form's input has minutes only, so the current minute still counts as "now"."""
    if due_at < timezone.now().replace(second=0, microsecond=0):
        raise ValidationError(_("The deadline cannot lie in the past."))
    return due_at


@transaction.atomic
def action_create(
    *,
    actor: User,
    case: Case,
    title: str,
    responsible: User | None,
    due_at: dt.datetime,
    agenda_item: AgendaItem | None = None,
) -> Action:
    """Add a follow-up action to a case, with a responsible person and a deadline (and the
    meeting decision it comes from, if it does)."""
    _acting_unit(actor, case, access.CaseAction.LOG_CONTACT, None)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Say what is to be done.")})
    if due_at is None:
        raise ValidationError({"due_at": _("Give a deadline.")})
    person, unit = _assignee(case, responsible)
    action = Action.objects.create(
        case=case,
        title=title[:300],
        responsible=person,
        responsible_unit=unit,
        due_at=due_at,
        created_by=actor,
        agenda_item=agenda_item,
    )
    detail: dict[str, Any] = {"responsible": person.pk, "due_at": due_at.isoformat()}
    if agenda_item is not None:
        detail["agenda_item"] = agenda_item.pk
    audit.write_event(actor=actor, action=audit.Action.CREATE, obj=action, detail=detail)
    return action


@transaction.atomic
def action_reassign(*, actor: User, action: Action, responsible: User | None) -> Action:
    """Give an action to someone else; reminders not yet sent follow the new person."""
    case = action.case
    _acting_unit(actor, case, access.CaseAction.LOG_CONTACT, None)
    if action.status not in (Action.Status.OPEN, Action.Status.IN_PROGRESS):
        raise ValidationError(_("A finished action cannot be reassigned."))
    person, unit = _assignee(case, responsible)
    previous = action.responsible_id
    action.responsible, action.responsible_unit = person, unit
    action.save(update_fields=["responsible", "responsible_unit"])
    moved = reminders.reminders_follow(action=action)
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=action,
        detail={"change": "action_reassign", "from": previous, "to": person.pk, "reminders": moved},
    )
    return action


@transaction.atomic
def action_complete(*, actor: User, action: Action, note: str = "") -> Action:
    """Mark an action done, with what came of it; its pending reminders are dropped."""
    case = action.case
    _acting_unit(actor, case, access.CaseAction.LOG_CONTACT, None)
    if action.status not in (Action.Status.OPEN, Action.Status.IN_PROGRESS):
        raise ValidationError(_("The action is already finished."))
    action.status, action.result_note = Action.Status.DONE, (note or "").strip()
    action.completed_at = timezone.now()
    action.save(update_fields=["status", "result_note", "completed_at"])
    Reminder.objects.filter(action=action, state=Reminder.State.PENDING).update(
        state=Reminder.State.DROPPED
    )
    audit.write_event(
        actor=actor, action=audit.Action.CHANGE, obj=action, detail={"change": "action_complete"}
    )
    return action


@transaction.atomic
def notifications_mark_read(*, actor: User) -> int:
    """Mark all of the actor's unread notifications as read (opening the list does not);
    returns how many were marked."""
    count = (
        access.notifications_for(actor).filter(read_at__isnull=True).update(read_at=timezone.now())
    )
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        detail={"change": "notifications_read", "count": count},
    )
    return count


# --- Intake: concern reports (bekymringshenvendelser) -----------------------------------------


@transaction.atomic
def concern_report_create(
    *,
    actor: User,
    forum: Forum,
    received_by: Unit,
    channel: str,
    urgency: str,
    summary: str,
    reporter: str = "",
    reporter_contact: str = "",
    citizen: Citizen | None = None,
    received_at: dt.datetime | None = None,
) -> ConcernReport:
    """Record a concern received by one of the actor's units in a forum; the screening
    deadline follows from the urgency (workflows.SCREENING_DEADLINES). Without a citizen
    the report is anonymised: the forum may discuss it before anyone is identified."""
    if not access.may_act_for(actor, forum, received_by):
        raise PermissionDenied(_("You cannot record concerns in this forum for that unit."))
    received = received_at or timezone.now()
    errors: dict[str, str] = {}
    if urgency not in workflows.SCREENING_DEADLINES:
        errors["urgency"] = _("Choose red, amber or green.")
    if received > timezone.now() + CLOCK_SKEW:
        errors["received_at"] = _("A concern cannot be received in the future.")
    if errors:
        raise ValidationError(errors)
    report = ConcernReport(
        forum=forum,
        received_by=received_by,
        received_at=received,
        recorded_by=actor,
        channel=channel,
        urgency=urgency,
        reporter=(reporter or "").strip(),
        reporter_contact=(reporter_contact or "").strip(),
        summary=(summary or "").strip(),
        citizen=citizen,
        screening_due_at=received + workflows.SCREENING_DEADLINES[urgency],
    )
    report.full_clean(exclude=["forum", "received_by", "recorded_by", "citizen", "decided_by"])
    report.save()
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=report,
        unit=received_by,
        legal_basis=forum.default_legal_basis,
        detail={"channel": channel, "urgency": urgency, "anonymous": citizen is None},
    )
    return report


@transaction.atomic
def concern_report_identify(
    *, actor: User, report: ConcernReport, citizen: Citizen
) -> ConcernReport:
    """Name the citizen an anonymised concern is about (once)."""
    if report.citizen_id is not None:
        raise ValidationError({"citizen": _("The concern already names a citizen.")})
    report.citizen = citizen
    report.save(update_fields=["citizen"])
    audit.write_event(
        actor=actor, action=audit.Action.CHANGE, obj=report, detail={"change": "identify"}
    )
    return report


@transaction.atomic
def concern_report_screen(
    *,
    actor: User,
    report: ConcernReport,
    decision: str,
    note: str = "",
    lead_unit: Unit | None = None,
    case: Case | None = None,
    forwarded_to: str = "",
    track: str = "",
    age_override_reason: str = "",
) -> ConcernReport:
    """Screen a concern: the decision, its reasoning, and what follows from it. "Open a
    case" opens one in the report's forum (the nomination accepted); "add to an existing
    case" ties it to an open case of the citizen the actor can see. The reporter's feedback
    is due FEEDBACK_WITHIN later, when there is a reporter to tell."""
    if not access.works_in_forum(actor, report.forum_id):
        raise PermissionDenied
    if report.is_screened:
        raise ValidationError(_("The concern has already been screened."))
    errors: dict[str, str] = {}
    if decision not in ConcernReport.Decision.values:
        errors["decision"] = _("Choose a screening decision.")
    if decision in workflows.CASE_DECISIONS and report.citizen_id is None:
        errors["decision"] = _("Identify the citizen before tying the concern to a case.")
    if decision in workflows.RECIPIENT_DECISIONS and not forwarded_to.strip():
        errors["forwarded_to"] = _("Say whom the concern was forwarded to.")
    if decision == ConcernReport.Decision.ADD_TO_EXISTING and (
        case is None
        or case.citizen_id != report.citizen_id
        or not access.cases_for(actor, access.CaseAction.LOG_CONTACT).filter(pk=case.pk).exists()
    ):
        errors["case"] = _("Choose an open case of this citizen that you work on.")
    if decision == ConcernReport.Decision.OPEN_CASE and lead_unit is None:
        errors["lead_unit"] = _("Choose the unit that leads the case.")
    if errors:
        raise ValidationError(errors)
    if decision == ConcernReport.Decision.OPEN_CASE:
        assert report.citizen is not None and lead_unit is not None  # noqa: S101 (checked)
        case = case_open(
            actor=actor,
            citizen=report.citizen,
            forum=report.forum,
            lead_unit=lead_unit,
            track=track,
            age_override_reason=age_override_reason,
        )
    now = timezone.now()
    report.decision = decision
    report.decision_note = (note or "").strip()
    report.forwarded_to = forwarded_to.strip() if decision in workflows.RECIPIENT_DECISIONS else ""
    report.decided_at, report.decided_by = now, actor
    report.case = case if decision in workflows.CASE_DECISIONS else None
    report.feedback_due_at = now + workflows.FEEDBACK_WITHIN if report.reporter else None
    report.save()
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=report,
        case_id=report.case_id,
        legal_basis=report.forum.default_legal_basis,
        detail={"change": "screen", "decision": decision, "case": report.case_id},
    )
    return report


@transaction.atomic
def concern_feedback_record(*, actor: User, report: ConcernReport, note: str) -> ConcernReport:
    """Record that the reporter was told what came of the concern (without its details)."""
    if not access.works_in_forum(actor, report.forum_id):
        raise PermissionDenied
    if not report.is_screened:
        raise ValidationError(_("Screen the concern before giving feedback."))
    if report.feedback_given_at is not None:
        raise ValidationError(_("The feedback has already been recorded."))
    if not report.reporter:
        raise ValidationError(_("The concern names no reporter to give feedback to."))
    report.feedback_given_at, report.feedback_by = timezone.now(), actor
    report.feedback_note = (note or "").strip()[:500]
    report.save(update_fields=["feedback_given_at", "feedback_by", "feedback_note"])
    Reminder.objects.filter(concern_report=report, state=Reminder.State.PENDING).update(
        state=Reminder.State.DROPPED
    )
    audit.write_event(
        actor=actor, action=audit.Action.CHANGE, obj=report, detail={"change": "feedback"}
    )
    return report


# --- Stages ------------------------------------------------------------------------------------


@transaction.atomic
def case_set_stage(*, actor: User, case: Case, stage: str) -> Case:
    """Move a case to one of its forum type's stages (workflows.STAGES)."""
    actor_unit = _acting_unit(actor, case, access.CaseAction.MANAGE, None)
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


# --- Case conferences (sagsmøder) -------------------------------------------------------------


@transaction.atomic
def meeting_schedule(
    *,
    actor: User,
    forum: Forum,
    organiser_unit: Unit,
    starts_at: dt.datetime,
    kind: str = Meeting.Kind.REGULAR,
) -> Meeting:
    """Schedule a case conference. A regular meeting's agenda is built at once: the forum's
    open cases (that the organiser may see) whose review falls due by the meeting plus
    AGENDA_REVIEW_HORIZON, and the forum's unscreened concerns (nominations) not yet on an
    agenda. An emergency meeting starts with an empty agenda."""
    if not access.may_act_for(actor, forum, organiser_unit):
        raise PermissionDenied(_("You cannot hold meetings in this forum for that unit."))
    if kind not in Meeting.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of meeting.")})
    meeting = Meeting.objects.create(
        forum=forum,
        kind=kind,
        starts_at=starts_at,
        organiser=actor,
        organiser_unit=organiser_unit,
    )
    meeting.attendees.add(actor)
    items: list[AgendaItem] = []
    if kind == Meeting.Kind.REGULAR:
        horizon = timezone.localtime(starts_at).date() + workflows.AGENDA_REVIEW_HORIZON
        due = (
            access.cases_for(actor)
            .open()
            .filter(forum=forum, next_review_at__lte=horizon)
            .order_by("next_review_at", "pk")
        )
        items += [
            AgendaItem(meeting=meeting, case=case, origin=AgendaItem.Origin.REVIEW_DUE)
            for case in due
        ]
        nominations = ConcernReport.objects.filter(forum=forum, decision="").exclude(
            agenda_items__isnull=False
        )
        items += [
            AgendaItem(meeting=meeting, concern_report=report, origin=AgendaItem.Origin.NOMINATION)
            for report in nominations.order_by("screening_due_at", "pk")
        ]
    for position, item in enumerate(items, start=1):
        item.position = position
    AgendaItem.objects.bulk_create(items)
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=meeting,
        unit=organiser_unit,
        detail={
            "kind": kind,
            "cases": [i.case_id for i in items if i.case_id],
            "nominations": [i.concern_report_id for i in items if i.concern_report_id],
        },
    )
    return meeting


@transaction.atomic
def meeting_add_case(*, actor: User, meeting: Meeting, case: Case) -> AgendaItem:
    """Put a case on the agenda (one the actor may see, of the meeting's forum)."""
    if not access.agenda_candidates(actor, meeting).filter(pk=case.pk).exists():
        raise ValidationError({"case": _("Choose an open case of the forum, not on the agenda.")})
    position = (meeting.items.aggregate(models.Max("position"))["position__max"] or 0) + 1
    item = AgendaItem.objects.create(
        meeting=meeting, case=case, origin=AgendaItem.Origin.ADDED, position=position
    )
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=meeting,
        case_id=case.pk,
        citizen_id=case.citizen_id,
        detail={"change": "agenda_add", "item": item.pk},
    )
    return item


@transaction.atomic
def meeting_set_attendees(*, actor: User, meeting: Meeting, attendees: Iterable[User]) -> Meeting:
    """Record who attended: working members of the forum's member units."""
    people = list(attendees)
    allowed = set(access.attendee_candidates(meeting).values_list("pk", flat=True))
    if not people or any(p.pk not in allowed for p in people):
        raise ValidationError({"attendees": _("Choose attendees from the forum's member units.")})
    meeting.attendees.set(people)
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=meeting,
        detail={"change": "attendees", "attendees": sorted(p.pk for p in people)},
    )
    return meeting


@transaction.atomic
def agenda_item_record(
    *, actor: User, item: AgendaItem, picture: str, assessment: str, decision: str
) -> AgendaItem:
    """Write a case's discussion at the meeting: the picture, the assessment, the decision.
    (The caller has checked the case allows LOG_CONTACT.)"""
    if item.case_id is None:
        raise ValidationError(_("A nomination is decided by screening it."))
    item.picture, item.assessment = (picture or "").strip(), (assessment or "").strip()
    item.decision = (decision or "").strip()
    if not (item.picture or item.assessment or item.decision):
        raise ValidationError({"decision": _("Write what was discussed or decided.")})
    item.discussed_at, item.discussed_by = timezone.now(), actor
    item.save()
    meeting = item.meeting
    # The first discussion written once the meeting has begun marks it held (notes written
    # ahead of it are preparation).
    if meeting.held_at is None and item.discussed_at >= meeting.starts_at:
        meeting.held_at = item.discussed_at
        meeting.save(update_fields=["held_at"])
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=item,
        case_id=item.case_id,
        citizen_id=item.case.citizen_id if item.case else None,
        detail={"change": "discussion", "meeting": meeting.pk},
    )
    return item


@transaction.atomic
def agenda_item_action(
    *, actor: User, item: AgendaItem, title: str, responsible: User | None, due_at: dt.datetime
) -> Action:
    """A decision's follow-up action, created from the meeting (it is reviewed at the
    forum's next meeting)."""
    if item.case is None:
        raise ValidationError(_("Only a case's decision creates actions."))
    return action_create(
        actor=actor,
        case=item.case,
        title=title,
        responsible=responsible,
        due_at=due_at,
        agenda_item=item,
    )


@transaction.atomic
def minutes_distribute(*, actor: User, meeting: Meeting, units: Iterable[Unit]) -> int:
    """Send the minutes to units: each unit receives the items of the cases it takes part
    in (no other case's discussion), and each case's items sent are a disclosure, audited
    with its recipients. Returns the number of (case, unit) disclosures."""
    chosen = list(units)
    members = set(meeting.forum.member_units.values_list("pk", flat=True))
    if not chosen or any(u.pk not in members for u in chosen):
        raise ValidationError({"units": _("Choose member units of the forum.")})
    now = timezone.now()
    MinutesDistribution.objects.bulk_create(
        MinutesDistribution(meeting=meeting, unit=u, sent_at=now, sent_by=actor) for u in chosen
    )
    disclosures = 0
    discussed = list(
        meeting.items.filter(case__isnull=False, discussed_at__isnull=False).select_related(
            "case", "case__forum"
        )
    )
    taking_part: dict[int, set[int]] = {}
    for case_id, unit_id in (
        CaseParticipant.objects.active()
        .filter(case__in=[item.case_id for item in discussed], emergency=False)
        .values_list("case_id", "unit_id")
    ):
        taking_part.setdefault(case_id, set()).add(unit_id)
    for item in discussed:
        assert item.case is not None  # noqa: S101 (filtered)
        units_of_case = taking_part.get(item.case.pk, set())
        recipients = sorted(u.pk for u in chosen if u.pk in units_of_case)
        if not recipients:
            continue
        disclosures += len(recipients)
        audit.write_event(
            actor=actor,
            action=audit.Action.DISCLOSE,
            obj=item,
            case_id=item.case_id,
            citizen_id=item.case.citizen_id,
            legal_basis=item.case.forum.default_legal_basis,
            purpose="minutes",
            detail={"meeting": meeting.pk, "recipients": recipients},
        )
    return disclosures


# --- Knock Knock outreach: offers ---------------------------------------------------------------


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
    actor_unit = _acting_unit(actor, case, access.CaseAction.LOG_CONTACT, None)
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
    actor_unit = _acting_unit(actor, offer.case, access.CaseAction.LOG_CONTACT, None)
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
    from_unit = _acting_unit(actor, case, access.CaseAction.ADD_ENTRY, None)
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
    actor_unit = _acting_unit(actor, referral.case, access.CaseAction.LOG_CONTACT, None)
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
    actor_unit = _acting_unit(actor, case, access.CaseAction.LOG_CONTACT, None)
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
    actor_unit = _acting_unit(actor, case, access.CaseAction.LOG_CONTACT, None)
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
    Reminder.objects.filter(
        kind=Reminder.Kind.OUTCOME_DUE,
        case=case,
        state=Reminder.State.PENDING,
        deadline=timezone.make_aware(dt.datetime.combine(due, dt.time.min)),
    ).update(state=Reminder.State.DROPPED)
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=snapshot,
        unit=actor_unit,
        detail={"milestone": milestone},
    )
    return snapshot
