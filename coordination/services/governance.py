"""The one sharing step every piece of content about a citizen goes through (entries,
contacts, meeting discussions, offers, referrals, incidents, outcome snapshots, actions and
concern reports): its category, basis, audience and consent are checked against the
policy (sharing-rules.md 3), and the units that receive it are recorded when it is shared.
A unit that joins later receives nothing earlier unless someone shares it again
(`content_share_again`), which is a disclosure of its own."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from coordination import access, audit, policy
from coordination.models import (
    Case,
    CaseParticipant,
    Category,
    ConcernReport,
    Consent,
    LegalBasis,
    Recipient,
    SharedContent,
)
from coordination.services._common import acting_unit


@dataclass
class Share:
    """How the author shares a piece of content (the "Deling" part of every form, the same
    fields in the API): its category; the legal basis (empty: the basis the author's unit
    takes part on); named units (empty: all participants); the consent it rests on (empty:
    the one active consent that covers it, when there is exactly one)."""

    category: str = Category.GENERAL
    legal_basis: str = ""
    audience: list[Unit] = field(default_factory=list)
    consent: Consent | None = None

    @classmethod
    def of(cls, data: dict[str, Any]) -> Share:
        """The sharing fields taken out of a form's or a body's data (removed from it)."""
        return cls(
            category=data.pop("category", None) or Category.GENERAL,
            legal_basis=data.pop("legal_basis", None) or "",
            audience=list(data.pop("audience", None) or []),
            consent=data.pop("consent", None),
        )


@dataclass
class Resolved:
    """A share that passed the policy: the basis and consent it rests on, the named units."""

    category: str
    legal_basis: str
    audience: list[Unit]
    consent: Consent | None

    def apply(self, obj: SharedContent) -> None:
        obj.category, obj.legal_basis = self.category, self.legal_basis
        obj.audience_all, obj.consent = not self.audience, self.consent


def _covers(consent: Consent, category: str, units: Iterable[Unit]) -> bool:
    covered = {u.pk for u in consent.scope_units.all()}
    return category in consent.scope_categories and all(u.pk in covered for u in units)


def _pick_consent(
    case: Case, category: str, units: list[Unit], chosen: Consent | None
) -> tuple[Consent | None, dict[str, Any]]:
    """The consent a consent-based share rests on: the chosen one, checked; else the one
    active consent that covers it; else a clear error (naming the candidates)."""
    if chosen is not None:
        if (
            chosen.citizen_id != case.citizen_id
            or chosen.forum_id != case.forum_id
            or not chosen.is_active
        ):
            return None, {"consent": _("The consent is not an active consent of this citizen.")}
        if category not in chosen.scope_categories:
            return None, {"consent": _("The consent does not cover this category.")}
        covered = {u.pk for u in chosen.scope_units.all()}
        outside = [u.name for u in units if u.pk not in covered]
        if outside:
            return None, {
                "audience": _("The consent does not cover: %(units)s.")
                % {"units": ", ".join(outside)}
            }
        return chosen, {}
    candidates = [c for c in access.active_consents(case) if _covers(c, category, units)]
    if len(candidates) == 1:
        return candidates[0], {}
    if not candidates:
        return None, {
            "consent": _(
                "This legal basis needs an active consent of the citizen that covers the "
                "category and the units; register one first."
            )
        }
    names = ", ".join(f"#{c.pk} ({c.given_at:%d.%m.%Y}: {c.purpose})" for c in candidates)
    return None, {
        "consent": _("More than one consent covers this: choose one of %(names)s.")
        % {"names": names}
    }


def default_basis(case: Case, author_unit: Unit, category: str) -> str:
    """The basis content is shared on when the author does not choose one: the basis the
    author's unit takes part on (consent where the forum rests on it, SUL43 consent for
    psychiatry's health information outside PSP)."""
    bases = policy.share_bases(
        case.forum.effort_type,
        author_unit.unit_type,
        category,
        consent_required=case.forum.consent_required,
    )
    participation = (
        CaseParticipant.objects.active()
        .filter(case=case, unit=author_unit, emergency=False)
        .values_list("legal_basis", flat=True)
        .first()
    )
    for candidate in (participation, case.forum.default_legal_basis, *sorted(bases)):
        if candidate and candidate in bases and candidate not in policy.INFORM_PATIENT_BASES:
            return candidate
    return participation or case.forum.default_legal_basis


def resolve(
    *,
    case: Case,
    author_unit: Unit,
    share: Share,
    allow: frozenset[str] | None = None,
    entry: bool = False,
) -> tuple[Resolved, dict[str, Any]]:
    """Check a share against the policy for content written on `case` by `author_unit`.
    Returns the resolved share and the errors by field (empty when it may be shared).
    `allow` narrows the bases (a referral outside the case); `entry`: the content is an
    entry, the one kind that may rest on sundhedsloven § 43, stk. 2, nr. 2."""
    errors: dict[str, Any] = {}
    category = share.category
    if category not in Category.values:
        errors["category"] = _("Choose one of the categories.")
        category = Category.GENERAL
    basis = share.legal_basis or default_basis(case, author_unit, category)
    audience = list(dict.fromkeys(share.audience))
    participating = set(access.audience_units(case).values_list("pk", flat=True))
    if any(u.pk not in participating for u in audience):
        errors["audience"] = _("Only units taking part in the case can receive it.")
    bases = policy.share_bases(
        case.forum.effort_type,
        author_unit.unit_type,
        category,
        consent_required=case.forum.consent_required,
    )
    if allow is not None:
        bases &= allow
    if basis not in bases:
        errors["legal_basis"] = _("This basis does not allow sharing this category here.")
    elif basis in policy.INFORM_PATIENT_BASES and not entry:
        errors["legal_basis"] = _(
            "A disclosure under sundhedsloven § 43, stk. 2, nr. 2 is written as an entry."
        )
    refusals = [
        f"{unit.name}: {reason}"
        for unit in audience
        if (
            reason := policy.recipient_refusal(
                effort_type=case.forum.effort_type,
                unit_type=unit.unit_type,
                category=category,
                legal_basis=basis,
                named=True,
            )
        )
    ]
    if refusals and "audience" not in errors:
        errors["audience"] = refusals
    if basis == LegalBasis.UNDERRETNING and not audience:
        errors["audience"] = _("A notification must name the child-welfare unit.")
    consent: Consent | None = None
    if basis in policy.CONSENT_BASES:
        # Where the forum rests on consent, the author's own unit must be covered too.
        needs = audience or []
        if policy.rests_on_consent(case.forum.effort_type, case.forum.consent_required):
            needs = [*audience, author_unit]
        consent, problem = _pick_consent(case, category, needs, share.consent)
        errors = {**problem, **errors}
    elif share.consent is not None:
        errors["consent"] = _("Only consent-based content rests on a consent.")
    return Resolved(category, basis, audience, consent), errors


def check(
    *,
    case: Case,
    author_unit: Unit,
    share: Share,
    allow: frozenset[str] | None = None,
    errors: dict[str, Any] | None = None,
) -> Resolved:
    """`resolve`, raising the errors (with any the caller found) as one ValidationError."""
    resolved, found = resolve(case=case, author_unit=author_unit, share=share, allow=allow)
    found = {**found, **(errors or {})}
    if found:
        raise ValidationError(found)
    return resolved


def save_shared(
    obj: SharedContent,
    *,
    case: Case,
    author_unit: Unit,
    resolved: Resolved,
    actor: User,
    exclude: Iterable[str] = (),
) -> list[int]:
    """Give `obj` its resolved category, basis, audience and consent, validate and save it,
    and record who receives it now; returns their unit ids (for the audit event)."""
    resolved.apply(obj)
    obj.full_clean(exclude=[*exclude, "consent"])
    obj.save()
    return record_recipients(
        obj, case=case, author_unit=author_unit, resolved=resolved, actor=actor
    )


def record_recipients(
    obj: SharedContent, *, case: Case, author_unit: Unit, resolved: Resolved, actor: User
) -> list[int]:
    """Record who receives `obj` now: the named units, or every unit taking part in the case
    at this moment (never the author's own, which sees what it wrote); then keep only the
    units the compiled rule lets read it (categories, consent, notification). Returns their
    ids, for the audit event."""
    participations = list(
        CaseParticipant.objects.active()
        .filter(case=case, emergency=False)
        .exclude(unit=author_unit)
        .select_related("unit")
    )
    named = {u.pk for u in resolved.audience}
    if named:
        participations = [p for p in participations if p.unit_id in named]
    via = Recipient.Via.NAMED if named else Recipient.Via.ALL
    return _record(obj, case, [(p.unit, p.categories) for p in participations], via, actor)


def record_intake_recipients(report: ConcernReport, *, actor: User) -> list[int]:
    """A concern report's texts reach the member units of its forum as they are now (the
    intake is the forum's), except those the policy keeps them from (by category)."""
    units = report.forum.member_units.exclude(pk=report.received_by_id).exclude(
        unit_type__in=policy.INVESTIGATION
    )
    return _record(report, None, [(u, Category.values) for u in units], Recipient.Via.ALL, actor)


def _record(
    obj: SharedContent,
    case: Case | None,
    readers: list[tuple[Unit, Iterable[str]]],
    via: str,
    actor: User,
) -> list[int]:
    rows = [
        Recipient(
            content_object=obj,
            case=case,
            unit=unit,
            via=via,
            legal_basis=obj.legal_basis,
            shared_by=actor,
        )
        for unit, _categories in readers
    ]
    Recipient.objects.bulk_create(rows)
    if case is not None:
        access.forget_participations(case)
    readable = access.readable_by(obj, readers)
    dropped = [unit.pk for unit, _categories in readers if not readable.get(unit.pk)]
    if dropped:
        obj.recipients.filter(unit__in=dropped).delete()
    return sorted(unit.pk for unit, _categories in readers if readable.get(unit.pk))


@transaction.atomic
def content_share_again(
    *,
    actor: User,
    case: Case,
    unit: Unit,
    items: Iterable[SharedContent],
    legal_basis: str,
    justification: str,
) -> int:
    """Share earlier content of the actor's unit with a unit that did not receive it (it
    joined later, or was not named): a new disclosure per item, with its own basis and
    justification, named in the disclosure log. Returns the number of items shared."""
    sharer = acting_unit(actor, case, access.CaseAction.ADD_ENTRY, None)
    justification = (justification or "").strip()
    chosen = list(items)
    errors: dict[str, Any] = {}
    participation = (
        CaseParticipant.objects.active()
        .filter(case=case, unit=unit, emergency=False)
        .select_related("unit")
        .first()
    )
    if participation is None or unit.pk == sharer.pk:
        errors["unit"] = _("Choose another unit that takes part in the case.")
    if not chosen:
        errors["items"] = _("Choose what to share.")
    if not justification:
        errors["justification"] = _("Say why sharing it is necessary.")
    refused = []
    for item in chosen:
        author = getattr(item, f"{item.AUTHOR_UNIT_FIELD}_id")
        if item.case_id != case.pk or author != sharer.pk:  # type: ignore[attr-defined]
            refused.append(_("Only your unit's own content can be shared again."))
            continue
        bases = policy.share_bases(
            case.forum.effort_type,
            sharer.unit_type,
            item.category,
            consent_required=case.forum.consent_required,
        )
        reason = policy.recipient_refusal(
            effort_type=case.forum.effort_type,
            unit_type=unit.unit_type,
            category=item.category,
            legal_basis=legal_basis,
            named=True,
        )
        if legal_basis not in bases or legal_basis in policy.INFORM_PATIENT_BASES:
            refused.append(_("This basis does not allow sharing this category here."))
        elif reason:
            refused.append(str(reason))
        elif legal_basis in policy.CONSENT_BASES and (
            item.consent is None or not _covers(item.consent, item.category, [unit])
        ):
            refused.append(_("The citizen's consent does not cover this unit."))
    if refused:
        errors.setdefault("items", sorted(set(map(str, refused))))
    if errors:
        raise ValidationError(errors)
    assert participation is not None  # noqa: S101 (checked above)
    shared = 0
    for item in chosen:
        if item.recipients.filter(unit=unit).exists():
            continue
        Recipient.objects.create(
            content_object=item,
            case=case,
            unit=unit,
            via=Recipient.Via.LATER,
            legal_basis=legal_basis,
            justification=justification,
            shared_by=actor,
        )
        if not access.readable_by(item, [(unit, participation.categories)]).get(unit.pk):
            raise ValidationError(
                {"items": _("%(unit)s may not receive this.") % {"unit": unit.name}}
            )
        shared += 1
        access.forget_participations(case)
        audit.write_event(
            actor=actor,
            action=audit.Action.DISCLOSE,
            obj=item,
            unit=sharer,
            case_id=case.pk,
            citizen_id=case.citizen_id,
            categories=[item.category],
            legal_basis=legal_basis,
            purpose=justification[:200],
            detail={"recipients": [unit.pk], "shared_again": True},
        )
    return shared
