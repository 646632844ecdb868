"""Every access decision in Samraad. Views, API, admin, exports and tasks ask here.

First version (the foundation): a user sees the cases in which one of their units is an
active participant; what they may do there follows from the participant role and their
membership role. Something a user cannot see does not exist for them (404); something
they can see but may not do is refused (403). Lists filter once, in SQL: no per-row checks.
"""

from __future__ import annotations

import enum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, ExpressionWrapper, Model, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import Membership, Unit, User
from coordination import audit
from coordination.models import Case, CaseParticipant, Contact, Entry, Forum
from coordination.querysets import CaseQuerySet, ContactQuerySet


class CaseAction(enum.StrEnum):
    VIEW = "view_case"
    LOG_CONTACT = "log_contact"
    ADD_ENTRY = "add_entry"
    MANAGE = "manage_case"
    CLOSE = "close_case"


class ForumAction(enum.StrEnum):
    OPEN_CASE = "open_case"


_R = Membership.Role
_P = CaseParticipant.Role

# Membership roles that may act on case content. Statistics users, auditors and system
# administrators see no case content here (LEGAL.md 3: aggregates only; the audit log only).
MEMBER_ROLES: dict[CaseAction, frozenset[str]] = {
    CaseAction.VIEW: frozenset({_R.COORDINATOR, _R.CASEWORKER, _R.CONTACT, _R.READ_ONLY}),
    CaseAction.LOG_CONTACT: frozenset({_R.COORDINATOR, _R.CASEWORKER, _R.CONTACT}),
    CaseAction.ADD_ENTRY: frozenset({_R.COORDINATOR, _R.CASEWORKER, _R.CONTACT}),
    CaseAction.MANAGE: frozenset({_R.COORDINATOR, _R.CASEWORKER}),
    CaseAction.CLOSE: frozenset({_R.COORDINATOR, _R.CASEWORKER}),
}

# Participant roles of the user's unit on the case that allow each action.
PARTICIPANT_ROLES: dict[CaseAction, frozenset[str]] = {
    CaseAction.VIEW: frozenset({_P.LEAD, _P.PARTICIPANT, _P.INFORMED}),
    CaseAction.LOG_CONTACT: frozenset({_P.LEAD, _P.PARTICIPANT}),
    CaseAction.ADD_ENTRY: frozenset({_P.LEAD, _P.PARTICIPANT}),
    CaseAction.MANAGE: frozenset({_P.LEAD}),
    CaseAction.CLOSE: frozenset({_P.LEAD}),
}

# Actions that change a case: refused once the case is closed.
WRITE_ACTIONS = frozenset(
    {CaseAction.LOG_CONTACT, CaseAction.ADD_ENTRY, CaseAction.MANAGE, CaseAction.CLOSE}
)

# Prevention data never reaches investigation (retsplejeloven § 115, stk. 2, 2. pkt.).
EXCLUDED_UNIT_TYPES = frozenset({Unit.Type.POLICE_INVESTIGATION})

# Who may open a case in a forum: a working member of one of the forum's member units.
OPEN_CASE_ROLES = frozenset({_R.COORDINATOR, _R.CASEWORKER, _R.CONTACT})


def _is_active_user(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def participations_for(user: User, action: CaseAction) -> QuerySet[CaseParticipant]:
    """Active participations through which `user` may perform `action`."""
    if not _is_active_user(user):
        return CaseParticipant.objects.none()
    return (
        CaseParticipant.objects.active()
        .filter(
            unit__memberships__user=user,
            unit__memberships__role__in=MEMBER_ROLES[action],
            role__in=PARTICIPANT_ROLES[action],
        )
        .exclude(unit__unit_type__in=EXCLUDED_UNIT_TYPES)
    )


def _case_condition(user: User, action: CaseAction) -> Q:
    condition = Q(Exists(participations_for(user, action).filter(case=OuterRef("pk"))))
    if action in WRITE_ACTIONS:
        condition &= ~Q(status=Case.Status.CLOSED)
    return condition


def cases_for(user: User, action: CaseAction = CaseAction.VIEW) -> CaseQuerySet:
    """The cases on which `user` may perform `action`, as one filtered queryset."""
    if not _is_active_user(user):
        return Case.objects.none()
    return Case.objects.filter(_case_condition(user, action))


def get_case(user: User, pk: int, action: CaseAction = CaseAction.VIEW) -> Case:
    """The case `pk` if `user` may perform `action` on it: 404 if invisible, 403 if not allowed.

    The case comes annotated with `can_<action>` flags for every action, from one query.
    """
    flags = {f"can_{a.value}": Q(_case_condition(user, a)) for a in CaseAction}
    case = (
        cases_for(user, CaseAction.VIEW)
        .filter(pk=pk)
        .select_related("citizen", "forum", "coordinator")
        .annotate(**{name: _flag(condition) for name, condition in flags.items()})
        .first()
    )
    if case is None:
        audit.record(
            actor=user,
            action=audit.Action.VIEW,
            outcome=audit.Outcome.DENIED,
            detail={"object_type": "coordination.case", "object_id": str(pk)},
        )
        raise Http404
    if not getattr(case, f"can_{action.value}"):
        audit.record(
            actor=user,
            action=audit.Action.VIEW,
            obj=case,
            outcome=audit.Outcome.DENIED,
            detail={"refused": action.value},
        )
        raise PermissionDenied
    return case


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def acting_unit(user: User, case: Case) -> Unit | None:
    """The unit through which `user` takes part in `case` (the lead unit first)."""
    participation = (
        participations_for(user, CaseAction.VIEW)
        .filter(case=case)
        .select_related("unit")
        .order_by("role", "unit__name")
        .first()
    )
    return participation.unit if participation else None


def entries_for(user: User, case: Case) -> QuerySet[Entry]:
    """Entries on `case` that `user` may read: the case must be visible to them, and their
    participating unit must be in the audience (all participants, or named), or be the author."""
    units = participations_for(user, CaseAction.VIEW).filter(case=case).values("unit")
    audience = Entry.audience.through.objects.filter(entry=OuterRef("pk"), unit__in=units)
    return (
        Entry.objects.filter(case=case)
        .filter(Exists(units))
        .filter(Q(audience_all=True) | Q(author_unit__in=units) | Q(Exists(audience)))
        .select_related("author", "author_unit")
    )


def contacts_for(user: User, case: Case) -> ContactQuerySet:
    """The contact log of `case`, for anyone who may view the case."""
    return Contact.objects.filter(case__in=cases_for(user, CaseAction.VIEW).filter(pk=case.pk))


def forums_for_opening(user: User) -> QuerySet[Forum]:
    """Forums in which `user` may open a case (through a working membership of a member unit)."""
    if not _is_active_user(user):
        return Forum.objects.none()
    return Forum.objects.filter(Exists(units_for_opening(user).filter(forums=OuterRef("pk"))))


def units_for_opening(user: User, forum: Forum | None = None) -> QuerySet[Unit]:
    """Units of `user` that may lead a new case (in `forum`, when given)."""
    if not _is_active_user(user):
        return Unit.objects.none()
    units = Unit.objects.filter(
        Exists(Membership.objects.filter(unit=OuterRef("pk"), user=user, role__in=OPEN_CASE_ROLES))
    ).exclude(unit_type__in=EXCLUDED_UNIT_TYPES)
    if forum is not None:
        units = units.filter(forums=forum)
    return units


def can(user: User, action: str, obj: Model) -> bool:
    """Whether `user` may perform `action` on `obj` (a Case or a Forum)."""
    if isinstance(obj, Case):
        return cases_for(user, CaseAction(action)).filter(pk=obj.pk).exists()
    if isinstance(obj, Forum) and action == ForumAction.OPEN_CASE:
        return forums_for_opening(user).filter(pk=obj.pk).exists()
    return False
