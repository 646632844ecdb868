"""Case conferences (sagsmøder): scheduling, the agenda, attendees, each case's discussion,
the actions it decides, and the minutes' distribution (disclosures)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from coordination import access, audit, workflows
from coordination.models import (
    Action,
    AgendaItem,
    Case,
    CaseParticipant,
    ConcernReport,
    Forum,
    Meeting,
    MinutesDistribution,
)
from coordination.services.actions import action_create


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
