"""Follow-up actions (opgaver) and the notifications they lead to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from coordination import access, audit, reminders
from coordination.models import Action, AgendaItem, Case, Category, Consent
from coordination.services import governance
from coordination.services._common import acting_unit


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


def _reaches(action: Action, unit: Unit) -> bool:
    """Whether `unit` (the responsible's) reads the action: it wrote it or received it."""
    return action.author_unit_id == unit.pk or action.recipients.filter(unit=unit).exists()


@transaction.atomic
def action_create(
    *,
    actor: User,
    case: Case,
    title: str,
    responsible: User | None,
    due_at: dt.datetime,
    agenda_item: AgendaItem | None = None,
    category: str = Category.GENERAL,
    legal_basis: str = "",
    audience: Iterable[Unit] = (),
    consent: Consent | None = None,
) -> Action:
    """Add a follow-up action to a case, with a responsible person and a deadline (and the
    meeting decision it comes from, if it does). Its title and result are shared content:
    the responsible person's unit must be among those that receive it."""
    author_unit = acting_unit(actor, case, access.CaseAction.LOG_CONTACT, None)
    errors: dict[str, Any] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Say what is to be done.")
    if due_at is None:
        errors["due_at"] = _("Give a deadline.")
    try:
        person, unit = _assignee(case, responsible)
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    share = governance.Share(category, legal_basis, list(audience), consent)
    resolved = governance.check(case=case, author_unit=author_unit, share=share, errors=errors)
    action = Action(
        case=case,
        title=title[:300],
        responsible=person,
        responsible_unit=unit,
        author_unit=author_unit,
        due_at=due_at,
        created_by=actor,
        agenda_item=agenda_item,
    )
    recipients = governance.save_shared(
        action,
        case=case,
        author_unit=author_unit,
        resolved=resolved,
        actor=actor,
        exclude=["case", "responsible", "responsible_unit", "author_unit", "agenda_item"],
    )
    if not _reaches(action, unit):
        raise ValidationError(
            {
                "responsible": _(
                    "%(unit)s would not receive this action: share it with that unit, or "
                    "choose someone else."
                )
                % {"unit": unit.name}
            }
        )
    detail: dict[str, Any] = {
        "responsible": person.pk,
        "due_at": due_at.isoformat(),
        "recipients": recipients,
    }
    if agenda_item is not None:
        detail["agenda_item"] = agenda_item.pk
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=action,
        unit=author_unit,
        categories=[action.category],
        legal_basis=action.legal_basis,
        detail=detail,
    )
    return action


@transaction.atomic
def action_reassign(*, actor: User, action: Action, responsible: User | None) -> Action:
    """Give an action to someone else; reminders not yet sent follow the new person, whose
    unit must already receive the action."""
    case = action.case
    acting_unit(actor, case, access.CaseAction.LOG_CONTACT, None)
    if action.status not in (Action.Status.OPEN, Action.Status.IN_PROGRESS):
        raise ValidationError(_("A finished action cannot be reassigned."))
    person, unit = _assignee(case, responsible)
    if not _reaches(action, unit):
        raise ValidationError(
            {
                "responsible": _(
                    "%(unit)s did not receive this action: choose someone whose unit did."
                )
                % {"unit": unit.name}
            }
        )
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
    acting_unit(actor, case, access.CaseAction.LOG_CONTACT, None)
    if action.status not in (Action.Status.OPEN, Action.Status.IN_PROGRESS):
        raise ValidationError(_("The action is already finished."))
    action.status, action.result_note = Action.Status.DONE, (note or "").strip()
    action.completed_at = timezone.now()
    action.save(update_fields=["status", "result_note", "completed_at"])
    reminders.reminders_drop(action=action)
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
