"""Every access decision in Samraad. Views, API, admin, exports and tasks ask here.

Case access comes from django-guardian object permissions held by the participating units'
groups (or, for emergency access, by one user). Those rows are derived from CaseParticipant
by `services.participants.grants_sync`, carry the participation's validity, and are checked against
the user's current membership and role, so leaving a unit ends access at once. Entry
visibility is one compiled filter: case participation, audience, the policy table
(coordination/policy.py) and consent. Something a user cannot see does not exist for them
(404); something they can see but may not do is refused (403). Lists filter once, in SQL.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as DbCase
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Unit, User
from coordination import audit, policy
from coordination.models import (
    ALL_CATEGORIES,
    Action,
    AgendaItem,
    AuditEvent,
    AuditSample,
    Case,
    CaseGroupObjectPermission,
    CaseParticipant,
    CaseReview,
    CaseUserObjectPermission,
    Citizen,
    ConcernReport,
    Consent,
    ConsentDecision,
    Contact,
    EmergencyAccess,
    Entry,
    Forum,
    Incident,
    LegalBasis,
    LegalHold,
    Meeting,
    Notification,
    Offer,
    OutcomeSnapshot,
    Recipient,
    Referral,
    SharedContent,
)
from coordination.querysets import AuditEventQuerySet, CaseQuerySet, ContactQuerySet


class CaseAction(enum.StrEnum):
    VIEW = "view_case"
    LOG_CONTACT = "log_contact"
    ADD_ENTRY = "add_entry"
    MANAGE = "manage_case"
    CLOSE = "close_case"


class ForumAction(enum.StrEnum):
    OPEN_CASE = "open_case"


# Every kind of content a person writes on a case (sharing-rules.md 3): each is read through
# the one compiled filter below (`content_for`), never by the case's visibility alone.
SHARED_CONTENT: tuple[type[SharedContent], ...] = (
    Entry,
    Contact,
    AgendaItem,
    Offer,
    Referral,
    Incident,
    OutcomeSnapshot,
    Action,
)


_R = Membership.Role
_P = CaseParticipant.Role

# Membership roles that may act on case content. Statistics users, auditors and system
# administrators see no case content here (sharing-rules.md 3: aggregates only; the audit log only).
MEMBER_ROLES: dict[CaseAction, frozenset[str]] = {
    CaseAction.VIEW: frozenset({_R.COORDINATOR, _R.CASEWORKER, _R.CONTACT, _R.READ_ONLY}),
    CaseAction.LOG_CONTACT: frozenset({_R.COORDINATOR, _R.CASEWORKER, _R.CONTACT}),
    CaseAction.ADD_ENTRY: frozenset({_R.COORDINATOR, _R.CASEWORKER, _R.CONTACT}),
    CaseAction.MANAGE: frozenset({_R.COORDINATOR, _R.CASEWORKER}),
    CaseAction.CLOSE: frozenset({_R.COORDINATOR, _R.CASEWORKER}),
}

# The case actions each participant role carries: the one table both the guardian rows
# (services.participants.expected_grants) and the participation filter below read;
# `manage.py verify_grants` checks the rows agree with it.
ROLE_ACTIONS: dict[str, frozenset[CaseAction]] = {
    _P.LEAD: frozenset(CaseAction),
    _P.PARTICIPANT: frozenset({CaseAction.VIEW, CaseAction.LOG_CONTACT, CaseAction.ADD_ENTRY}),
    _P.INFORMED: frozenset({CaseAction.VIEW}),
}

# The same table read the other way: the participant roles that allow each action.
PARTICIPANT_ROLES: dict[CaseAction, frozenset[str]] = {
    action: frozenset(role for role, actions in ROLE_ACTIONS.items() if action in actions)
    for action in CaseAction
}

# Actions that change a case: refused once the case is closed.
WRITE_ACTIONS = frozenset(
    {CaseAction.LOG_CONTACT, CaseAction.ADD_ENTRY, CaseAction.MANAGE, CaseAction.CLOSE}
)

# Prevention data never reaches investigation (retsplejeloven § 115, stk. 2, 2. pkt.).
EXCLUDED_UNIT_TYPES = policy.INVESTIGATION

# Who may open a case in a forum: a working member of one of the forum's member units.
OPEN_CASE_ROLES = frozenset({_R.COORDINATOR, _R.CASEWORKER, _R.CONTACT})

# Who may take emergency access (nødadgang) to a case of a forum their unit is a member of,
# and who reviews it afterwards (the unit's coordinators).
EMERGENCY_ROLES = frozenset({_R.COORDINATOR, _R.CASEWORKER})
EMERGENCY_REVIEW_ROLES = frozenset({_R.COORDINATOR})

# Who reads the audit log (sharing-rules.md 5): auditors. They see the log, never case content, and
# system administrators do not see the log (separation of duties).
AUDIT_ROLES = frozenset({_R.AUDITOR})


# The largest id a row can have (a bigint): a larger one names nothing, on every database.
MAX_ID = 2**63 - 1


def _is_id(pk: Any) -> bool:
    return isinstance(pk, int) and 0 < pk <= MAX_ID


def _is_active_user(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _refused(
    user: User,
    label: str = "",
    pk: object = None,
    *,
    obj: Model | None = None,
    action: str = audit.Action.VIEW,
    case_id: int | None = None,
    **detail: object,
) -> None:
    """Log a refused access (a 404 or a 403): to `obj`, or else to the object `label` (a
    model's label) with id `pk`, when there is one. Every refusal here goes through this."""
    about: dict[str, object] = {}
    if obj is None:
        about["object_type"] = label
        if pk is not None:
            about["object_id"] = str(pk)
    audit.record(
        actor=user,
        action=action,
        obj=obj,
        case_id=case_id,
        outcome=audit.Outcome.DENIED,
        detail=about | detail,
    )


def memberships_of(user: User, *, fresh: bool = False) -> list[tuple[int, int, str, str]]:
    """The user's memberships as (unit, the unit's group, unit type, role): read once per
    user object (one request; a membership change also ends the user's sessions), or
    afresh with `fresh`."""
    if fresh or "_memberships" not in user.__dict__:
        user.__dict__["_memberships"] = list(
            Membership.objects.filter(user=user).values_list(
                "unit_id", "unit__group_id", "unit__unit_type", "role"
            )
        )
    return user.__dict__["_memberships"]  # type: ignore[no-any-return]


def is_purpose_locked(user: User, *, fresh: bool = False) -> bool:
    """Whether the user holds a membership of an investigation unit. The purpose lock binds
    the person, not the unit (sharing-rules.md 3): such a user reads no prevention content
    through any other membership either."""
    if not _is_active_user(user):
        return False
    return any(t in EXCLUDED_UNIT_TYPES for _u, _g, t, _r in memberships_of(user, fresh=fresh))


def _prevention_user(user: Any) -> bool:
    """An active user who may take part in prevention work at all (not purpose-locked)."""
    return _is_active_user(user) and not is_purpose_locked(user)


def _valid_now() -> Q:
    now = timezone.now()
    return Q(starts_at__lte=now) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def participations_for(user: User, action: CaseAction) -> QuerySet[CaseParticipant]:
    """Active participations through which `user` may perform `action` (an emergency
    participation counts only for the user who took it)."""
    if not _prevention_user(user):
        return CaseParticipant.objects.none()
    participations = (
        CaseParticipant.objects.active()
        .filter(
            unit__memberships__user=user,
            unit__memberships__role__in=MEMBER_ROLES[action],
            role__in=PARTICIPANT_ROLES[action],
        )
        .filter(Q(emergency=False) | Q(contact_user=user))
        # sharing-rules.md 2, rule 1: only while the unit is a member of the case's forum.
        .filter(
            Exists(
                Forum.member_units.through.objects.filter(
                    forum=OuterRef("case__forum"), unit=OuterRef("unit")
                )
            )
        )
        .exclude(unit__unit_type__in=EXCLUDED_UNIT_TYPES)
    )
    if action in WRITE_ACTIONS:
        participations = participations.exclude(case__status=Case.Status.CLOSED)
    return participations


def _permission(action: CaseAction) -> Subquery:
    """The permission's id as a one-row subquery (an InitPlan on PostgreSQL), so that grant
    lookups use the (group, permission) index instead of joining auth_permission."""
    return Subquery(
        Permission.objects.filter(
            codename=action.value,
            content_type__app_label="coordination",
            content_type__model="case",
        ).values("pk")[:1]
    )


def may_see_cases(user: User) -> bool:
    """Whether the user has any membership that can see case content at all (cheap guard:
    statistics users, auditors and investigators skip the case filters entirely)."""
    return (
        _prevention_user(user)
        and Membership.objects.filter(user=user, role__in=MEMBER_ROLES[CaseAction.VIEW])
        .exclude(unit__unit_type__in=EXCLUDED_UNIT_TYPES)
        .exists()
    )


def _grant_condition(user: User, action: CaseAction) -> Q:
    """The user holds `action` on the case through a unit grant (as a member with a role
    that allows it) or a personal grant, valid now."""
    unit_grants = CaseGroupObjectPermission.objects.filter(
        _valid_now(),
        content_object=OuterRef("pk"),
        permission=_permission(action),
        group__unit__memberships__user=user,
        group__unit__memberships__role__in=MEMBER_ROLES[action],
        group__unit__forums=OuterRef("forum"),  # sharing-rules.md 2, rule 1
    ).exclude(group__unit__unit_type__in=EXCLUDED_UNIT_TYPES)
    personal_grants = CaseUserObjectPermission.objects.filter(
        _valid_now(),
        content_object=OuterRef("pk"),
        permission=_permission(action),
        user=user,
        participant__unit__memberships__user=user,
        participant__unit__memberships__role__in=MEMBER_ROLES[action],
        participant__unit__forums=OuterRef("forum"),
    )
    condition = Q(Exists(unit_grants)) | Q(Exists(personal_grants))
    if action in WRITE_ACTIONS:
        condition &= ~Q(status=Case.Status.CLOSED)
    return condition


def cases_for(user: User, action: CaseAction = CaseAction.VIEW) -> CaseQuerySet:
    """The cases on which `user` may perform `action`, as one filtered queryset."""
    if not may_see_cases(user):
        return Case.objects.none()
    return Case.objects.filter(_grant_condition(user, action))


def held_actions(user: User, case_pk: int) -> set[str]:
    """The actions `user` holds on one case: the grant rows of the case held by the groups of
    the user's units (or by the user, for emergency access), valid now, through a unit that
    is a member of the case's forum (sharing-rules.md 2, rule 1) and a membership role that
    allows the action: the same rules `_grant_condition` filters lists with (the
    closed-case rule is applied by the caller, which has the case). Two small queries
    besides the user's memberships, each planned in well under a millisecond."""
    if not _prevention_user(user):
        return set()
    roles: dict[int, set[str]] = {}
    unit_of_group: dict[int, int] = {}
    for unit_id, group_id, unit_type, role in memberships_of(user):
        if unit_type not in EXCLUDED_UNIT_TYPES:
            roles.setdefault(unit_id, set()).add(role)
            unit_of_group[group_id] = unit_id
    if not roles:
        return set()
    grants = (
        CaseGroupObjectPermission.objects.filter(
            _valid_now(), content_object_id=case_pk, group_id__in=list(unit_of_group)
        )
        .annotate(unit=F("group__unit"))
        .values_list("permission__codename", "unit")
        .order_by()
        .union(
            CaseUserObjectPermission.objects.filter(
                _valid_now(), content_object_id=case_pk, user=user
            )
            .annotate(unit=F("participant__unit"))
            .values_list("permission__codename", "unit")
            .order_by()
        )
    )
    held = list(grants)
    if not held:
        return set()
    in_forum = set(
        Forum.member_units.through.objects.filter(
            forum__cases=case_pk, unit__in=[unit for _codename, unit in held]
        ).values_list("unit_id", flat=True)
    )
    actions = {a.value: a for a in CaseAction}
    return {
        codename
        for codename, unit in held
        if codename in actions
        and unit in in_forum
        and roles.get(unit, set()) & MEMBER_ROLES[actions[codename]]
    }


def get_case(user: User, pk: int, action: CaseAction = CaseAction.VIEW) -> Case:
    """The case `pk` if `user` may perform `action` on it: 404 if invisible, 403 if not allowed.

    The case comes with `can_<action>` flags for every action. It is marked as checked for
    this user, so the per-case functions below need not check its visibility again."""
    held = held_actions(user, pk) if _is_id(pk) else set()
    case = (
        Case.objects.filter(pk=pk).select_related("citizen", "forum", "coordinator").first()
        if CaseAction.VIEW in held
        else None
    )
    if case is None:
        _refused(user, "coordination.case", pk)
        raise Http404
    for each in CaseAction:
        allowed = each in held and not (each in WRITE_ACTIONS and case.status == Case.Status.CLOSED)
        setattr(case, f"can_{each.value}", allowed)
    case._viewable_by = user.pk  # type: ignore[attr-defined]
    if not getattr(case, f"can_{action.value}"):
        _refused(user, obj=case, refused=action.value)
        raise PermissionDenied
    return case


def _of_visible_case(user: User, case: Case, field: str = "case") -> Q:
    """Rows of `case`, if the user may view it: trusted from get_case's mark, else checked."""
    if getattr(case, "_viewable_by", None) == getattr(user, "pk", object()):
        return Q(**{field: case.pk})
    return Q(**{f"{field}__in": cases_for(user, CaseAction.VIEW).filter(pk=case.pk)})


# Lead first, then participants, then informed units (alphabetical order would put
# "informed" first).
_ROLE_RANK = DbCase(
    When(role=_P.LEAD, then=Value(0)),
    When(role=_P.PARTICIPANT, then=Value(1)),
    default=Value(2),
)


ROLE_ORDER: dict[str, int] = {_P.LEAD: 0, _P.PARTICIPANT: 1, _P.INFORMED: 2}


def first_participation(participations: Iterable[CaseParticipant]) -> CaseParticipant | None:
    """Of participations already read, the one the user acts through: the lead unit's
    first (the same order as `acting_participation`)."""
    return min(participations, key=lambda p: (ROLE_ORDER.get(p.role, 3), p.unit.name), default=None)


def acting_participation(
    user: User, case: Case, action: CaseAction = CaseAction.VIEW, unit: Unit | None = None
) -> CaseParticipant | None:
    """The participation through which `user` performs `action` on `case` (through `unit`,
    when given): the lead unit first. None if there is none."""
    participations = participations_for(user, action).filter(case=case)
    if unit is not None:
        participations = participations.filter(unit=unit)
    return participations.select_related("unit").order_by(_ROLE_RANK, "unit__name").first()


# --- Content: one compiled filter for everything a person writes about a citizen ----------
#
# Entries, contacts, meeting discussions, offers, referrals, incidents, outcome snapshots
# and actions are all `SharedContent` (sharing-rules.md 3): a category, a basis, an audience
# fixed when shared (the `Recipient` rows) and the consent they rest on. A unit reads such
# a row when it wrote it, or when it received it and the policy still lets it read it now.


def rows_of(model: type[SharedContent]) -> Any:
    """All rows of a kind of content (typed loosely: the kinds share fields, not a table)."""
    manager: Any = model._default_manager
    return manager.all()


def _recipient_rows(model: type[SharedContent], unit: Unit) -> QuerySet[Recipient]:
    content_type = ContentType.objects.get_for_model(model)
    return Recipient.objects.filter(content_type=content_type, object_id=OuterRef("pk"), unit=unit)


def _rule(
    unit: Unit,
    categories: Iterable[str],
    model: type[SharedContent],
    *,
    reached: Q,
    named: Q,
    consent_ok: Q,
) -> Q:
    """The sharing rules for one reading unit (with the categories its participation
    receives), given how the unit's receipts are expressed (`reached`: it received the row,
    `named`: it was named) and which consents cover it (`consent_ok`)."""
    # sharing-rules.md 3: some unit types see some categories only when they were named.
    by_default = policy.DEFAULT_CATEGORIES.get(unit.unit_type)
    category_rule = Q() if by_default is None else Q(category__in=by_default) | named
    # The categories this participation may receive at all.
    received = Q(category__in=list(categories))
    # A notification (underretning) reaches child welfare only.
    notification = (
        Q()
        if unit.unit_type in policy.UNDERRETNING_RECIPIENTS
        else ~Q(legal_basis=LegalBasis.UNDERRETNING)
    )
    # Consent-based content: only while the consent is active and covers this unit.
    consent_rule = ~Q(legal_basis__in=policy.CONSENT_BASES) | consent_ok
    written = Q(**{model.AUTHOR_UNIT_FIELD: unit})
    return written | (reached & category_rule & received & notification & consent_rule)


def _content_rule(
    unit: Unit, categories: Iterable[str], model: type[SharedContent], *, emergency: bool = False
) -> Q:
    """The rule for rows of any case, in SQL: the unit's receipts and the consents covering
    it as subqueries (writes checking who receives new content; lists across cases).
    Emergency access reads what was shared with all participants (and what named the
    unit), since it is by definition not among the recipients of earlier content: it is
    time-limited, logged and reviewed."""
    now = timezone.now()
    rows = _recipient_rows(model, unit)
    named = Q(Exists(rows.exclude(via=Recipient.Via.ALL)))
    consent_ok = (
        Q(consent__isnull=False)
        & Q(consent__withdrawn_at__isnull=True)
        & Q(consent__given_at__lte=now)
        & (Q(consent__valid_until__isnull=True) | Q(consent__valid_until__gt=now))
        & Q(
            Exists(
                Consent.scope_units.through.objects.filter(consent=OuterRef("consent"), unit=unit)
            )
        )
    )
    return _rule(
        unit,
        categories,
        model,
        reached=(Q(audience_all=True) | named) if emergency else Q(Exists(rows)),
        named=named,
        consent_ok=consent_ok,
    )


def _receipts(user: User, case: Case) -> dict[int, dict[int, dict[int, str]]]:
    """What the user's units received on `case`: unit -> content type -> object id -> how
    (all, named, later). One query per case object, like the participations."""
    cache: dict[int, Any] = case.__dict__.setdefault("_receipts", {})
    key = getattr(user, "pk", None) or 0
    if key not in cache:
        units = [p.unit_id for p in viewing_participations(user, case)]
        found: dict[int, dict[int, dict[int, str]]] = {}
        for unit_id, content_type, object_id, via in Recipient.objects.filter(
            case=case, unit__in=units
        ).values_list("unit_id", "content_type_id", "object_id", "via"):
            found.setdefault(unit_id, {}).setdefault(content_type, {})[object_id] = via
        cache[key] = found
    return cache[key]  # type: ignore[no-any-return]


def _covering(case: Case) -> dict[int, list[int]]:
    """The citizen's consents to the case's forum that are active now, per unit they cover.
    One query per case object."""
    if "_covering" not in case.__dict__:
        covering: dict[int, list[int]] = {}
        for consent_id, unit_id in (
            Consent.objects.active()
            .filter(citizen=case.citizen_id, forum=case.forum_id)
            .values_list("pk", "scope_units")
        ):
            if unit_id is not None:
                covering.setdefault(unit_id, []).append(consent_id)
        case.__dict__["_covering"] = covering
    return case.__dict__["_covering"]  # type: ignore[no-any-return]


def _content_visible_to(
    user: User, case: Case, participation: CaseParticipant, model: type[SharedContent]
) -> Q:
    """The rule for one participation on one case, with the unit's receipts and covering
    consents read once for the page (plain id lists in the query, no subqueries)."""
    unit = participation.unit
    content_type = ContentType.objects.get_for_model(model).pk
    got = _receipts(user, case).get(unit.pk, {}).get(content_type, {})
    named = Q(pk__in=[pk for pk, via in got.items() if via != Recipient.Via.ALL])
    reached = (Q(audience_all=True) | named) if participation.emergency else Q(pk__in=list(got))
    return _rule(
        unit,
        participation.categories,
        model,
        reached=reached,
        named=named,
        consent_ok=Q(consent__in=_covering(case).get(unit.pk, [])),
    )


def viewing_participations(user: User, case: Case) -> list[CaseParticipant]:
    """The user's current participations on `case` (those that may view it), with their
    units: asked once per case object, so that a page reading several kinds of content
    costs one query for them. A case object lives for one request (get_case reads it
    afresh each time); changing its participants or its content's recipients clears the
    cache (`forget_participations`)."""
    cache: dict[int, list[CaseParticipant]] = case.__dict__.setdefault("_participations", {})
    key = getattr(user, "pk", None) or 0
    if key not in cache:
        cache[key] = list(
            participations_for(user, CaseAction.VIEW).filter(case=case).select_related("unit")
        )
    return cache[key]


def forget_participations(case: Case) -> None:
    """Drop what is cached on `case` (after its participants, consents or recipients
    changed within the same request)."""
    for name in ("_participations", "_receipts", "_covering"):
        case.__dict__.pop(name, None)


def content_condition(user: User, case: Case, model: type[SharedContent]) -> Q:
    """The rows of `model` on `case` the user may read, as one condition: the rule of each of
    their participations on the case, or'ed. Users with no participation (investigators,
    statistics users, auditors, outsiders) get a condition nothing meets."""
    condition = Q(pk__in=[])
    for participation in viewing_participations(user, case):
        condition |= _content_visible_to(user, case, participation, model)
    return condition


def content_for(user: User, case: Case, model: type[SharedContent]) -> QuerySet[Any]:
    """The rows of `model` on `case` the user may read: the only way case content is read."""
    return rows_of(model).filter(case=case).filter(content_condition(user, case, model))


def readable_by(
    obj: SharedContent, readers: Iterable[tuple[Unit, Iterable[str]]]
) -> dict[int, bool]:
    """For each reading unit (with the categories it receives): may it read `obj`? One
    query through the same rule (used when content is shared, to record exactly the units
    that receive it)."""
    model = type(obj)
    chosen = list(readers)
    if not chosen:
        return {}
    aggregates: dict[str, Any] = {
        f"u{unit.pk}": Count("pk", filter=_content_rule(unit, categories, model))
        for unit, categories in chosen
    }
    counts = rows_of(model).filter(pk=obj.pk).aggregate(**aggregates)
    return {unit.pk: bool(counts[f"u{unit.pk}"]) for unit, _categories in chosen}


def _across_cases(user: User, model: type[SharedContent], cases: Any) -> Q:
    """The rule for rows of `model` on several cases (`cases`: ids, or a values queryset):
    each of the user's participations on those cases, restricted to its own case."""
    condition = Q(pk__in=[])
    for participation in (
        participations_for(user, CaseAction.VIEW).filter(case__in=cases).select_related("unit")
    ):
        condition |= Q(case=participation.case_id) & _content_rule(
            participation.unit,
            participation.categories,
            model,
            emergency=participation.emergency,
        )
    return condition


def readable_ids(user: User, model: type[SharedContent], pks: Iterable[int | None]) -> set[int]:
    """Which of the rows `pks` of `model` (on any cases) the user may read: two queries,
    whatever their number (a notifications page, a meeting's decisions)."""
    ids = sorted({pk for pk in pks if pk})
    if not ids:
        return set()
    rows = rows_of(model).filter(pk__in=ids)
    condition = _across_cases(user, model, rows.values("case"))
    return set(rows.filter(condition).values_list("pk", flat=True))


def shareable_again(user: User, case: Case, unit: Unit) -> list[SharedContent]:
    """The content of the user's own unit on `case` that `unit` has not received: what the
    user may share again with it (a unit passes on only its own information)."""
    sharer = acting_participation(user, case, CaseAction.ADD_ENTRY)
    if sharer is None or sharer.unit_id == unit.pk:
        return []
    found: list[SharedContent] = []
    for model in SHARED_CONTENT:
        rows = (
            rows_of(model)
            .filter(case=case, **{model.AUTHOR_UNIT_FIELD: sharer.unit_id})
            .exclude(Exists(_recipient_rows(model, unit)))
        )
        if model is AgendaItem:
            rows = rows.filter(discussed_at__isnull=False)
        found += list(rows)
    return sorted(found, key=lambda row: getattr(row, row.SHARED_AT_FIELD))


def entries_for(user: User, case: Case) -> QuerySet[Entry]:
    """Entries on `case` that `user` may read (the compiled sharing rules)."""
    return content_for(user, case, Entry).select_related("author", "author_unit")


def with_recipients(rows: QuerySet[Any]) -> QuerySet[Any]:
    """Rows of shared content with their recipients and units, in one more query."""
    return rows.prefetch_related(
        Prefetch("recipients", queryset=Recipient.objects.select_related("unit"))
    )


def contacts_for(user: User, case: Case) -> ContactQuerySet:
    """The contact log of `case` as the user may read it (each contact is shared content)."""
    return content_for(user, case, Contact)  # type: ignore[return-value]


def unreceived_count(user: User, case: Case) -> int:
    """How much earlier content, shared with all participants before the user's unit took
    part, the unit has not received: shown (as a number only) so that the newcomer knows
    to ask for it. At most one query, whatever the number of kinds of content."""
    participations = [p for p in viewing_participations(user, case) if not p.emergency]
    if not participations:
        return 0
    # A unit that took part from the opening missed nothing.
    participations = [p for p in participations if p.valid_from > case.opened_at]
    if not participations:
        return 0
    receipts = _receipts(user, case)
    parts: list[QuerySet[Any]] = []
    for model in SHARED_CONTENT:
        content_type = ContentType.objects.get_for_model(model).pk
        kept = Q(case=case, audience_all=True)
        for participation in participations:
            got = receipts.get(participation.unit_id, {}).get(content_type, {})
            kept &= ~Q(**{model.AUTHOR_UNIT_FIELD: participation.unit_id})
            kept &= ~Q(pk__in=list(got))
            kept &= Q(**{f"{model.SHARED_AT_FIELD}__lt": participation.valid_from})
        parts.append(rows_of(model).filter(kept).order_by().values_list("pk"))
    first, *rest = parts
    return len(first.union(*rest, all=True))


def participants_for(user: User, case: Case) -> QuerySet[CaseParticipant]:
    """The current participants of a case the user may view (emergency ones included)."""
    return (
        CaseParticipant.objects.active()
        .filter(_of_visible_case(user, case))
        .select_related("unit", "contact_user")
    )


def get_participant(user: User, case: Case, pk: int) -> CaseParticipant:
    """A current participant of `case` (already checked with get_case): 404, audited, if it
    is not one of the case's."""
    participant = participants_for(user, case).filter(pk=pk).first() if _is_id(pk) else None
    if participant is None:
        _refused(user, "coordination.caseparticipant", pk, case_id=case.pk)
        raise Http404
    return participant


def consents_for(user: User, case: Case) -> QuerySet[Consent]:
    """The consents of the case's citizen to the case's forum, for participants of the case
    (a consent to another forum's cooperation is not theirs to see)."""
    return (
        Consent.objects.filter(citizen=case.citizen_id, forum=case.forum_id)
        .filter(_of_visible_case(user, case, "citizen__cases"))
        .prefetch_related("scope_units")
    )


def consent_decisions_for(user: User, case: Case) -> QuerySet[ConsentDecision]:
    """Decisions to go on without consent, for participants of the case. The reasoning is
    the deciding unit's text: `reasoning_visible` says whether the user reads it (through a
    participation of that unit)."""
    units = [p.unit_id for p in viewing_participations(user, case)]
    return (
        ConsentDecision.objects.filter(_of_visible_case(user, case))
        .annotate(
            reasoning_visible=ExpressionWrapper(
                Q(author_unit__in=units), output_field=BooleanField()
            )
        )
        .select_related("decided_by")
    )


def forums_for(user: User) -> QuerySet[Forum]:
    """Forums the user's units are members of (choices for filtering "Mine sager")."""
    if not _prevention_user(user):
        return Forum.objects.none()
    return Forum.objects.filter(
        Exists(
            Membership.objects.filter(
                unit__forums=OuterRef("pk"), user=user, role__in=MEMBER_ROLES[CaseAction.VIEW]
            ).exclude(unit__unit_type__in=EXCLUDED_UNIT_TYPES)
        )
    )


def forums_for_opening(user: User) -> QuerySet[Forum]:
    """Forums in which `user` may open a case (through a working membership of a member unit)."""
    if not _is_active_user(user):
        return Forum.objects.none()
    return Forum.objects.filter(Exists(units_for_opening(user).filter(forums=OuterRef("pk"))))


def units_for_opening(user: User, forum: Forum | None = None) -> QuerySet[Unit]:
    """Units of `user` that may lead a new case (in `forum`, when given)."""
    if not _prevention_user(user):
        return Unit.objects.none()
    units = Unit.objects.filter(
        Exists(Membership.objects.filter(unit=OuterRef("pk"), user=user, role__in=OPEN_CASE_ROLES))
    ).exclude(unit_type__in=EXCLUDED_UNIT_TYPES)
    if forum is not None:
        units = units.filter(forums=forum)
    return units


def works_in_forum(user: User, forum_id: int) -> bool:
    """Whether `user` works in the forum (a working membership of a member unit): they may
    open its cases, record and screen its concerns, and run its meetings."""
    return forums_for_opening(user).filter(pk=forum_id).exists()


def may_act_for(user: User, forum: Forum, unit: Unit) -> bool:
    """Whether `user` may act in `forum` for `unit` (one of their units that is a member)."""
    return units_for_opening(user, forum).filter(pk=unit.pk).exists()


def emergency_units(user: User, case: Case) -> QuerySet[Unit]:
    """Units through which `user` may take emergency access to `case`: a unit of theirs that
    is a member of the case's forum, where they have an emergency role, while the case is
    open and they cannot already see it."""
    if not _prevention_user(user) or case.status == Case.Status.CLOSED:
        return Unit.objects.none()
    if cases_for(user).filter(pk=case.pk).exists():
        return Unit.objects.none()
    return (
        Unit.objects.filter(forums=case.forum_id)
        .filter(
            Exists(
                Membership.objects.filter(unit=OuterRef("pk"), user=user, role__in=EMERGENCY_ROLES)
            )
        )
        .exclude(unit_type__in=EXCLUDED_UNIT_TYPES)
    )


def emergency_reviews_for(user: User) -> QuerySet[EmergencyAccess]:
    """Emergency accesses the user reviews: those taken by members of units they lead."""
    if not _is_active_user(user):
        return EmergencyAccess.objects.none()
    return EmergencyAccess.objects.filter(
        Exists(
            Membership.objects.filter(
                unit=OuterRef("unit"), user=user, role__in=EMERGENCY_REVIEW_ROLES
            )
        )
    ).select_related("case", "user", "unit", "reviewed_by")


def can(user: User, action: str, obj: Model) -> bool:
    """Whether `user` may perform `action` on `obj` (a Case or a Forum)."""
    if isinstance(obj, Case):
        return cases_for(user, CaseAction(action)).filter(pk=obj.pk).exists()
    if isinstance(obj, Forum) and action == ForumAction.OPEN_CASE:
        return works_in_forum(user, obj.pk)
    return False


def active_consents(case: Case) -> QuerySet[Consent]:
    """The citizen's active consents to the case's forum: what content may rest on."""
    return (
        Consent.objects.active()
        .filter(citizen=case.citizen_id, forum=case.forum_id)
        .prefetch_related("scope_units")
        .order_by("-given_at", "-pk")
    )


def audience_units(case: Case) -> QuerySet[Unit]:
    """Units an entry on `case` may be addressed to: its current (non-emergency) participants."""
    return Unit.objects.filter(
        pk__in=CaseParticipant.objects.active().filter(case=case, emergency=False).values("unit")
    )


def contact_partners(case: Case, user: User) -> QuerySet[User]:
    """Who may be named as the other person on a contact: someone else in a unit taking
    part in the case (never a purpose-locked person)."""
    units = CaseParticipant.objects.active().filter(case=case).values("unit")
    return (
        User.objects.filter(is_active=True, memberships__unit__in=units)
        .exclude(pk=user.pk)
        .exclude(memberships__unit__unit_type__in=EXCLUDED_UNIT_TYPES)
        .distinct()
        .order_by("first_name", "last_name")
    )


def participant_candidates(case: Case) -> QuerySet[Unit]:
    """Units that may still be added to `case`: forum members the law admits
    (sharing-rules.md 2)."""
    taking_part = CaseParticipant.objects.active().filter(case=case, emergency=False).values("unit")
    admitted = [t for t in Unit.Type if policy.may_take_part(case.forum.effort_type, t)]
    return case.forum.member_units.exclude(pk__in=taking_part).filter(unit_type__in=admitted)


def consent_scope_units(case: Case) -> QuerySet[Unit]:
    """Units a consent registered on `case` may cover: the forum's members, never
    investigation."""
    return case.forum.member_units.exclude(unit_type__in=EXCLUDED_UNIT_TYPES)


def health_professionals(case: Case) -> QuerySet[User]:
    """Who may decide a SUL43_2_2 disclosure on `case`: members of a participating health
    unit (sharing-rules.md 1: the health professional decides)."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__unit__unit_type__in=policy.HEALTH_PROFESSIONAL_UNITS,
            memberships__unit__in=audience_units(case),
        )
        .exclude(memberships__unit__unit_type__in=EXCLUDED_UNIT_TYPES)  # the purpose lock
        .distinct()
    )


class AudienceOption:
    """One participating unit in the audience picker: may it be named, and why not."""

    def __init__(self, unit: Unit, refusal: Any, by_default: bool) -> None:
        self.unit, self.refusal, self.by_default = unit, refusal, by_default


def audience_options(
    case: Case, *, category: str, legal_basis: str, consent: Consent | None
) -> list[AudienceOption]:
    """What each participating unit may receive of an entry of `category` on `legal_basis`:
    a reason when naming it would be refused, and whether "all participants" includes it."""
    units = audience_units(case).order_by("name")
    covered: set[int] | None = None
    if legal_basis in policy.CONSENT_BASES and consent is not None:
        covered = set(consent.scope_units.values_list("pk", flat=True))
    options = []
    for unit in units:
        refusal = policy.recipient_refusal(
            effort_type=case.forum.effort_type,
            unit_type=unit.unit_type,
            category=category,
            legal_basis=legal_basis,
            named=True,
        )
        if refusal is None and covered is not None and unit.pk not in covered:
            refusal = _("The citizen's consent does not cover this unit.")
        by_default = refusal is None and policy.receives_by_default(unit.unit_type, category)
        options.append(AudienceOption(unit, refusal, by_default))
    return options


def actions_for(user: User, case: Case, *, finished: bool = False) -> QuerySet[Action]:
    """The open follow-up actions of a case the user may read (with `finished`, the done
    and cancelled ones too): an action's title and result are shared content."""
    actions = content_for(user, case, Action).select_related("responsible", "responsible_unit")
    if not finished:
        actions = actions.filter(status__in=[Action.Status.OPEN, Action.Status.IN_PROGRESS])
    return actions


def get_consent(user: User, pk: int, action: CaseAction = CaseAction.VIEW) -> tuple[Consent, Case]:
    """The consent `pk` and the case through which `user` reaches it (a case of the consent's
    citizen that allows `action`): 404 if no case of that citizen is visible to `user`, 403
    if one is but none allows `action`."""
    consent = Consent.objects.filter(pk=pk).first() if _is_id(pk) else None
    visible = (
        cases_for(user).filter(citizen=consent.citizen_id, forum=consent.forum_id).order_by("pk")
        if consent is not None
        else Case.objects.none()
    )
    allowing = visible.filter(_grant_condition(user, action)).first() if consent else None
    case_pk = allowing.pk if allowing is not None else visible.values_list("pk", flat=True).first()
    if consent is None or case_pk is None:
        _refused(user, "coordination.consent", pk)
        raise Http404
    return consent, get_case(user, case_pk, action)


# --- The life of a case: reviews, handover decisions, legal holds -------------------------

# Who may put a case on hold, besides administrators: the coordinators of a unit taking part.
HOLD_ROLES = frozenset({_R.COORDINATOR})


def is_administrator(user: User) -> bool:
    """A system administrator: a superuser or an administrator membership."""
    if not _is_active_user(user):
        return False
    return user.is_superuser or any(r == _R.ADMIN for _u, _g, _t, r in memberships_of(user))


def leads_case(user: User, case: Case) -> bool:
    """Whether the user acts for the case's lead unit: the lead's own free text (why closed,
    why kept past the band, why still necessary) is read by the lead unit only."""
    return any(
        p.role == CaseParticipant.Role.LEAD and not p.emergency
        for p in viewing_participations(user, case)
    )


def may_hold(user: User, case: Case) -> bool:
    """Whether the user may put the case on hold or lift a hold: an administrator, or a
    coordinator of a unit taking part in it (not through emergency access)."""
    if is_administrator(user):
        return True
    coordinating = {u for u, _g, _t, r in memberships_of(user) if r in HOLD_ROLES}
    return any(
        p.unit_id in coordinating and not p.emergency for p in viewing_participations(user, case)
    )


def require_hold(user: User, case: Case) -> None:
    """Refuse (403, audited) anyone who may not place or lift a hold on the case."""
    if not may_hold(user, case):
        _refused(user, obj=case, action=audit.Action.CHANGE, refused="legal_hold")
        raise PermissionDenied


def legal_holds_for(user: User, case: Case) -> list[LegalHold]:
    """The case's holds, newest first. Every participant sees that the case is held and
    until when; the reason only those who may hold it and the lead unit (`reason_visible`)."""
    holds = list(LegalHold.objects.filter(case=case).select_related("placed_by"))
    visible = may_hold(user, case) or leads_case(user, case)
    today = timezone.localdate()
    for hold in holds:
        hold.reason_visible = visible  # type: ignore[attr-defined]
        hold.in_force = hold.is_active_on(today)  # type: ignore[attr-defined]
    return holds


def get_legal_hold(user: User, case: Case, pk: int) -> LegalHold:
    """A hold on `case` (404 if not of that case), for someone who may hold it (403)."""
    hold = LegalHold.objects.filter(case=case, pk=pk).first() if _is_id(pk) else None
    if hold is None:
        _refused(user, "coordination.legalhold", pk, case_id=case.pk)
        raise Http404
    require_hold(user, case)
    return hold


def reviews_for(user: User, case: Case) -> list[CaseReview]:
    """The case's reviews and handover decisions, newest first: the decision and the date
    for every participant, the reason for the lead unit only (`reason_visible`)."""
    reviews = list(CaseReview.objects.filter(case=case).select_related("unit", "transferred_to"))
    lead = leads_case(user, case)
    for review in reviews:
        review.reason_visible = lead  # type: ignore[attr-defined]
    return reviews


# --- Citizens ---------------------------------------------------------------------------

# How long a citizen identified by CPR number (registered or looked up) may be named by id
# alone when opening a case.
IDENTIFIED_FOR = dt.timedelta(hours=24)


def may_register_citizens(user: User) -> bool:
    """Whether `user` may register citizens and look them up by CPR number: someone who may
    open cases in some forum. Investigators, statistics users and auditors may not (a hit
    would tell them that a person is known to the prevention work)."""
    return units_for_opening(user).exists()


def require_citizen_register(user: User, what: str) -> None:
    """Refuse (403, audited) anyone who may not register or look up citizens."""
    if not may_register_citizens(user):
        _refused(user, "coordination.citizen", action=audit.Action.SEARCH, view=what)
        raise PermissionDenied


def citizens_for_opening(user: User) -> QuerySet[Citizen]:
    """Citizens `user` may open a case for, named by id: those of cases they can see, and
    those they identified by CPR number (registered, or looked up with a match) within
    IDENTIFIED_FOR. An id alone, guessed or counted up, never reaches a citizen's record."""
    if not may_register_citizens(user):
        return Citizen.objects.none()
    identified = AuditEvent.objects.filter(
        actor=user,
        action__in=[audit.Action.CREATE, audit.Action.SEARCH],
        outcome=audit.Outcome.OK,
        object_type="coordination.citizen",
        occurred_at__gte=timezone.now() - IDENTIFIED_FOR,
    ).values("citizen_id")
    return Citizen.objects.filter(
        Q(pk__in=identified) | Q(Exists(cases_for(user).filter(citizen=OuterRef("pk"))))
    )


# --- The audit log -----------------------------------------------------------------------


def may_audit(user: User) -> bool:
    """Whether `user` currently holds an auditor membership (from the memberships read once
    per request)."""
    if not _is_active_user(user):
        return False
    return any(role in AUDIT_ROLES for _u, _g, _t, role in memberships_of(user))


def require_auditor(user: User, what: str) -> None:
    """Refuse (403, audited) anyone but an auditor; `what` names the page for the log."""
    if not may_audit(user):
        _refused(user, "audit_log", view=what)
        raise PermissionDenied


def audit_events_for(user: User) -> AuditEventQuerySet:
    """The audit events an auditor may read: all of them. Anyone else is refused (403)."""
    require_auditor(user, "audit_events")
    return AuditEvent.objects.all()  # type: ignore[return-value]


def audit_samples_for(user: User) -> QuerySet[AuditSample]:
    """The review samples (stikprøver) an auditor may read and conclude: all of them."""
    require_auditor(user, "audit_samples")
    return AuditSample.objects.select_related("drawn_by")


# --- Follow-up actions and notifications ----------------------------------------------------

ASSIGNEE_ROLES = MEMBER_ROLES[CaseAction.LOG_CONTACT]


def action_assignees(case: Case) -> QuerySet[User]:
    """Who may be made responsible for an action on `case`: working members of the units
    taking part as lead or participant (not informed units, not emergency access)."""
    units = (
        CaseParticipant.objects.active()
        .filter(case=case, emergency=False, role__in=PARTICIPANT_ROLES[CaseAction.LOG_CONTACT])
        .exclude(unit__unit_type__in=EXCLUDED_UNIT_TYPES)
        .values("unit_id")
    )
    return (
        User.objects.filter(
            is_active=True, memberships__unit__in=units, memberships__role__in=ASSIGNEE_ROLES
        )
        .exclude(memberships__unit__unit_type__in=EXCLUDED_UNIT_TYPES)  # the purpose lock
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def get_action(user: User, pk: int, action: CaseAction = CaseAction.VIEW) -> Action:
    """The follow-up action `pk` if its case allows `action`: 404 if the case (or the action)
    is invisible to `user`, 403 if it is visible but the act is not allowed."""
    found = (
        Action.objects.select_related("responsible", "responsible_unit").filter(pk=pk).first()
        if _is_id(pk)
        else None
    )
    if found is None:
        _refused(user, "coordination.action", pk)
        raise Http404
    found.case = get_case(user, found.case_id, action)
    if not content_for(user, found.case, Action).filter(pk=found.pk).exists():
        _refused(user, "coordination.action", pk)
        raise Http404
    return found


def my_actions(user: User) -> QuerySet[Action]:
    """The actions `user` is responsible for, on cases they can still see ("Mine opgaver")."""
    if not _is_active_user(user):
        return Action.objects.none()
    mine = Action.objects.filter(responsible=user)
    return (
        mine.filter(case__in=cases_for(user).values("pk"))
        .filter(_across_cases(user, Action, mine.values("case")))
        .select_related("case", "responsible_unit")
        .order_by("due_at", "pk")
    )


def notifications_for(user: User) -> QuerySet[Notification]:
    """The user's own notifications (the bell), about cases they can still see."""
    if not _is_active_user(user):
        return Notification.objects.none()
    # A notification about a case the user can no longer see is hidden with the case.
    visible = (
        Q(reminder__case__isnull=True) | Q(reminder__case__in=cases_for(user).values("pk"))
    ) & (
        Q(reminder__concern_report__isnull=True)
        | Q(reminder__concern_report__forum__in=forums_for(user).values("pk"))
    )
    return (
        Notification.objects.filter(user=user)
        .filter(visible)
        .select_related("reminder", "reminder__action", "reminder__case", "reminder__action__case")
    )


# --- Workflows: intake, meetings, outreach, referrals, incidents, outcomes ------------------
#
# A forum's intake queue and meetings belong to the forum: its member units (working
# memberships, never investigation) see them, as the § 115 cooperation that screens and
# discusses together. What a meeting says about a case is case content: only those who
# may view that case see it. Offers, referrals and outcomes are case content like contacts;
# incidents carry a category (health, police) and follow the participations' categories.


def intake_units(user: User) -> list[Unit]:
    """The user's units through which they take part in forums' intake (memberships that
    may view case content; never investigation, never a purpose-locked person)."""
    if not _prevention_user(user):
        return []
    return list(
        Unit.objects.filter(
            memberships__user=user, memberships__role__in=MEMBER_ROLES[CaseAction.VIEW]
        )
        .exclude(unit_type__in=EXCLUDED_UNIT_TYPES)
        .distinct()
    )


def concern_reports_for(user: User) -> QuerySet[ConcernReport]:
    """Concern reports of the forums the user's units are members of. A report's texts (the
    concern, the reasoning, the feedback, who reported it) are shared content of the
    receiving unit: `text_visible` says whether the user reads them, through the same rule
    as case content (the forum's member units when it was recorded, by category)."""
    text = Q(pk__in=[])
    for unit in intake_units(user):
        text |= _content_rule(unit, ALL_CATEGORIES, ConcernReport)
    return (
        ConcernReport.objects.filter(forum__in=forums_for(user))
        .annotate(text_visible=ExpressionWrapper(text, output_field=BooleanField()))
        .select_related("forum", "received_by", "citizen", "case")
    )


def works_in_a_forum(user: User) -> bool:
    """Whether `user` works in any forum (may record concerns, schedule meetings)."""
    return forums_for_opening(user).exists()


def require_forum_work(user: User, *, object_type: str, view: str) -> None:
    """Refuse (403, audited) anyone who works in no forum: recording a concern and
    scheduling a meeting take a working member of some forum's member unit."""
    if not works_in_a_forum(user):
        _refused(user, object_type, action=audit.Action.CREATE, view=view)
        raise PermissionDenied


def get_concern_report(user: User, pk: int, *, screen: bool = False) -> ConcernReport:
    """The concern report `pk`: 404 if the user's units are not members of its forum, 403
    if `screen` and the user may not screen there (a working member of a member unit)."""
    report = concern_reports_for(user).filter(pk=pk).first() if _is_id(pk) else None
    if report is None:
        _refused(user, "coordination.concernreport", pk)
        raise Http404
    if screen and not works_in_forum(user, report.forum_id):
        _refused(user, "coordination.concernreport", pk, obj=report, refused="screen")
        raise PermissionDenied
    return report


def meetings_for(user: User) -> QuerySet[Meeting]:
    """The case conferences of the forums the user's units are members of."""
    return Meeting.objects.filter(forum__in=forums_for(user)).select_related(
        "forum", "organiser", "organiser_unit"
    )


def get_meeting(user: User, pk: int, *, manage: bool = False) -> Meeting:
    """The meeting `pk`: 404 if not of the user's forums, 403 if `manage` and the user may
    not run it (a working member of a member unit of its forum)."""
    meeting = meetings_for(user).filter(pk=pk).first() if _is_id(pk) else None
    if meeting is None:
        _refused(user, "coordination.meeting", pk)
        raise Http404
    if manage and not may_manage_meeting(user, meeting):
        _refused(user, "coordination.meeting", pk, refused="manage")
        raise PermissionDenied
    return meeting


def may_manage_meeting(user: User, meeting: Meeting) -> bool:
    """Whether `user` may run `meeting` (agenda, attendees, minutes): a working member of a
    member unit of its forum."""
    return works_in_forum(user, meeting.forum_id)


def agenda_items_for(user: User, meeting: Meeting) -> QuerySet[AgendaItem]:
    """The meeting's agenda items the user may read: those of cases they may view, and the
    nominations of the forum's intake. Other cases' items are not shown (only counted)."""
    items = AgendaItem.objects.filter(meeting=meeting)
    discussion = _across_cases(user, AgendaItem, items.values("case"))
    return (
        items.filter(
            Q(case__in=cases_for(user).values("pk"))
            | Q(case__isnull=True, concern_report__in=concern_reports_for(user).values("pk"))
        )
        # The agenda line is the case's; the discussion is shared content of its writer.
        .annotate(
            discussion_visible=ExpressionWrapper(
                Q(discussed_at__isnull=True) | discussion, output_field=BooleanField()
            )
        )
        .select_related("case__citizen", "concern_report__citizen", "discussed_by")
        .order_by("position", "pk")
    )


def get_agenda_item(user: User, pk: int, action: CaseAction = CaseAction.VIEW) -> AgendaItem:
    """An agenda item: 404 if its meeting or its case is invisible; for a case's item,
    `action` is checked on the case (403)."""
    item = (
        AgendaItem.objects.select_related("meeting", "concern_report").filter(pk=pk).first()
        if _is_id(pk)
        else None
    )
    if item is None or not meetings_for(user).filter(pk=item.meeting_id).exists():
        _refused(user, "coordination.agendaitem", pk)
        raise Http404
    if item.case_id is not None:
        item.case = get_case(user, item.case_id, action)
        # The discussion is shared content: read only by those who received it.
        item.discussion_visible = item.discussed_at is None or (  # type: ignore[attr-defined]
            content_for(user, item.case, AgendaItem).filter(pk=item.pk).exists()
        )
    else:
        assert item.concern_report is not None  # noqa: S101 (the check constraint)
        get_concern_report(user, item.concern_report.pk, screen=action != CaseAction.VIEW)
    return item


def agenda_candidates(user: User, meeting: Meeting) -> CaseQuerySet:
    """Open cases of the meeting's forum the user may view and that are not on its agenda
    yet: the choices for "add a case"."""
    return (
        cases_for(user)
        .open()
        .filter(forum=meeting.forum_id)
        .exclude(agenda_items__meeting=meeting)
        .select_related("citizen")
        .order_by("next_review_at", "pk")
    )


def attendee_candidates(meeting: Meeting) -> QuerySet[User]:
    """Who may attend a meeting: working members of its forum's member units."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__unit__forums=meeting.forum_id,
            memberships__role__in=OPEN_CASE_ROLES,
        )
        .exclude(memberships__unit__unit_type__in=EXCLUDED_UNIT_TYPES)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def offers_for(user: User, case: Case) -> QuerySet[Offer]:
    """Offers made to the citizen of a case, as the user may read them."""
    return content_for(user, case, Offer).select_related("unit", "made_by")


def referrals_for(user: User, case: Case) -> QuerySet[Referral]:
    """Referrals of a case, as the user may read them."""
    return content_for(user, case, Referral).select_related("from_unit", "to_unit", "sent_by")


def outcomes_for(user: User, case: Case) -> QuerySet[OutcomeSnapshot]:
    """Outcome snapshots of a case, as the user may read them."""
    return content_for(user, case, OutcomeSnapshot).select_related("recorded_by", "unit")


def categories_seen(user: User, case: Case) -> set[str]:
    """The information categories the user receives on a case: what their participations
    take, less what their unit types see only when named (sharing-rules.md 3)."""
    seen: set[str] = set()
    for participation in viewing_participations(user, case):
        allowed = set(participation.categories)
        by_default = policy.DEFAULT_CATEGORIES.get(participation.unit.unit_type)
        seen |= allowed & set(by_default) if by_default is not None else allowed
    return seen


def incidents_for(user: User, case: Case) -> QuerySet[Incident]:
    """The case's incidents as the user may read them (a forced admission is health
    information, a charge police information: each follows its category)."""
    return content_for(user, case, Incident).select_related("source_unit", "recorded_by")


def get_case_object(
    user: User, model: type[Model], pk: int, action: CaseAction = CaseAction.VIEW
) -> Any:
    """An object of a case (an offer, a referral, ...): 404 if it or its case is invisible,
    403 if its case does not allow `action`."""
    found: Any = model._default_manager.filter(pk=pk).first() if _is_id(pk) else None
    if found is None:
        _refused(user, model._meta.label_lower, pk)
        raise Http404
    found.case = get_case(user, found.case_id, action)
    if issubclass(model, SharedContent) and not (
        content_for(user, found.case, model).filter(pk=found.pk).exists()
    ):
        # Content the user has not received does not exist for them.
        _refused(user, model._meta.label_lower, pk)
        raise Http404
    return found
