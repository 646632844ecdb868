"""Citizens and the people around them: registration by CPR number, related persons, and
re-encrypting the CPR numbers under a new key.

Registering or looking up a CPR number answers the same way whether or not Samraad holds
it (docs/api.md): a handle to open a case with (coordination/handles.py) and the name as
the CPR register gives it (coordination/cpr_register.py), never a stored name the caller
could not already see; no citizen row is written until a case is opened (or a concern
identified) with it. The register is authoritative: a stored name is updated from it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from coordination import access, audit, cpr, cpr_register, handles
from coordination.models import (
    Citizen,
    RelatedPerson,
)


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


@dataclass(frozen=True)
class Identification:
    """The answer to registering or looking up a CPR number: the same shape, and for the
    same number the same name source, whether or not Samraad holds the number."""

    handle: str  # to open a case with (coordination/handles.py)
    name: str | None  # the register's (or, without one, the typed) name; None: not shown
    birth_date: dt.date
    masked_cpr: str


def _record_search(actor: User, digits: str, view: str) -> None:
    """Audit a CPR search with its criterion, never the number. The event names the citizen
    when Samraad holds the number (the audit log is internal); the answer does not."""
    held = Citizen.objects.by_cpr(digits).only("pk").first()
    audit.record(
        actor=actor,
        action=audit.Action.SEARCH,
        obj=held,
        detail={"view": view, "criterion": "cpr", "matched": held is not None},
    )


def _identification(
    actor: User, digits: str, name: str | None, first_name: str = "", last_name: str = ""
) -> Identification:
    born = cpr.birth_date(digits)
    return Identification(
        handle=handles.mint(user=actor, digits=digits, first_name=first_name, last_name=last_name),
        name=name,
        birth_date=born,
        masked_cpr=cpr.mask(born),
    )


def _typed_names(first_name: str, last_name: str) -> tuple[str, str]:
    first, last = (first_name or "").strip(), (last_name or "").strip()
    message = _("Give the name: no CPR register is configured to give it.")
    errors = {n: message for n, value in (("first_name", first), ("last_name", last)) if not value}
    if errors:
        raise ValidationError(errors)
    return first, last


def citizen_register(
    *, actor: User, cpr_number: str, view: str, first_name: str = "", last_name: str = ""
) -> Identification:
    """The person a CPR number belongs to, as the CPR register names them, with a handle to
    open a case with. Nothing but the audit event is written, and the answer does not depend
    on whether Samraad holds the number. Without a register the typed name is the answer
    (and travels in the handle, to name a new citizen when the case is opened)."""
    digits = _cpr_digits(cpr_number)
    person = cpr_register.lookup(digits)
    if person is None:
        first, last = _typed_names(first_name, last_name)
        found = _identification(actor, digits, f"{first} {last}", first_name=first, last_name=last)
    else:
        found = _identification(actor, digits, person.name)
    _record_search(actor, digits, view)
    return found


def citizen_lookup(*, actor: User, cpr_number: str, view: str) -> Identification:
    """A handle for a CPR number, with the stored name only if the actor can see a case of
    that citizen; else no name (None), exactly as for a number Samraad does not hold."""
    digits = _cpr_digits(cpr_number)
    seen = (
        access.cases_for(actor)
        .filter(citizen__cpr_index=cpr.blind_index(digits))
        .select_related("citizen")
        .first()
    )
    _record_search(actor, digits, view)
    return _identification(actor, digits, seen.citizen.name if seen is not None else None)


def _update_from_register(
    actor: User, citizen: Citizen, person: cpr_register.RegisterPerson
) -> None:
    """The register is authoritative: a stored name (and address protection) that differs
    from it is replaced, and the change is logged (which fields, not their values)."""
    changed = [
        name
        for name, value in (
            ("first_name", person.first_name),
            ("last_name", person.last_name),
            ("protected_address", person.protected_address),
        )
        if getattr(citizen, name) != value
    ]
    if not changed:
        return
    citizen.first_name, citizen.last_name = person.first_name, person.last_name
    citizen.protected_address = person.protected_address
    citizen.save(update_fields=changed)
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=citizen,
        detail={"change": "cpr_register", "fields": changed},
    )


@transaction.atomic
def citizen_identify(
    *, actor: User, cpr_number: str, first_name: str = "", last_name: str = ""
) -> Citizen:
    """The citizen with this CPR number, to open a case for or to name in a concern: found,
    or created. With a CPR register its name comes from the register (a stored one is
    updated); without one the typed name names a new citizen, and a known one keeps its
    stored name."""
    digits = _cpr_digits(cpr_number)
    person = cpr_register.lookup(digits)
    existing = Citizen.objects.by_cpr(digits).select_for_update().first()
    if existing is None:
        if person is None:
            first_name, last_name = _typed_names(first_name, last_name)
        return citizen_create(
            actor=actor,
            cpr_number=digits,
            first_name=person.first_name if person else first_name,
            last_name=person.last_name if person else last_name,
            protected_address=person.protected_address if person else False,
        )
    audit.write_event(
        actor=actor,
        action=audit.Action.SEARCH,
        obj=existing,
        detail={"criterion": "cpr", "matched": True},
    )
    if person is not None:
        _update_from_register(actor, existing, person)
    return existing


@transaction.atomic
def citizen_for_opening(*, actor: User, handle: str) -> Citizen:
    """The citizen a handle names, for `actor` to open a case for: the one of a case they
    can see (or identified lately), or the one with the CPR number they registered or looked
    up (created now if Samraad does not hold the number; see citizen_identify). A handle
    that is not the actor's, has expired or was tampered with is a ValidationError on
    `citizen`, the same as one naming nobody."""
    refusal = ValidationError(
        {
            "citizen": _(
                "Identify the citizen by CPR number first: a handle works for 24 hours, "
                "for the user it was given to."
            )
        }
    )
    found = handles.read(handle, user=actor)
    if found is None:
        raise refusal
    if found.citizen_id is not None:
        citizen = access.citizens_for_opening(actor).filter(pk=found.citizen_id).first()
        if citizen is None:
            raise refusal
        person = cpr_register.lookup(citizen.full_cpr())
        if person is not None:
            _update_from_register(actor, citizen, person)
        return citizen
    try:
        return citizen_identify(
            actor=actor,
            cpr_number=found.digits,
            first_name=found.first_name,
            last_name=found.last_name,
        )
    except ValidationError as error:
        # A number looked up without a register, never registered with a name.
        raise ValidationError({"citizen": error.messages}) from None


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
