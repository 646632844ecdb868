"""Read audits that the HTML views and the API share: what a page or an answer showed, with
the unit, legal basis and purpose the reader acted on. Views and API both import this;
neither imports the other."""

from __future__ import annotations

from accounts.models import User
from coordination import access, audit, policy
from coordination.models import Case, CaseParticipant, Notification


def record_case_view(
    user: User, case: Case, *, categories: list[str] | None = None, detail: dict[str, object]
) -> CaseParticipant | None:
    """Audit a page or an answer that shows a case: with the unit, basis and purpose the
    user acts on. Returns that participation (None if the user acts through none)."""
    participation = access.first_participation(access.viewing_participations(user, case))
    audit.record(
        actor=user,
        action=audit.Action.VIEW,
        obj=case,
        unit=participation.unit if participation else None,
        legal_basis=participation.legal_basis if participation else "",
        purpose=policy.access_purpose(
            case.forum.effort_type, emergency=bool(participation and participation.emergency)
        ),
        categories=categories or (),
        detail=detail,
    )
    return participation


def subject_case(note: Notification) -> Case | None:
    """The case a notification is about: its reminder's case, or its action's case."""
    reminder = note.reminder
    if reminder.case is not None:
        return reminder.case
    return reminder.action.case if reminder.action is not None else None
