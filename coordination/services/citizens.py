"""Citizens and the people around them: registration by CPR number, related persons, and
re-encrypting the CPR numbers under a new key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from coordination import audit, cpr
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
