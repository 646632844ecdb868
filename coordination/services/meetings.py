"""Case conferences (sagsmøder): scheduling, the agenda, attendees, each case's discussion,
the actions it decides, and the minutes' distribution (disclosures)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

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
    Category,
    ConcernReport,
    Consent,
    Forum,
    Meeting,
    MinutesDistribution,
)
from coordination.services import governance
from coordination.services._common import acting_unit
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
    *,
    actor: User,
    item: AgendaItem,
    picture: str,
    assessment: str,
    decision: str,
    category: str = Category.GENERAL,
    legal_basis: str = "",
    audience: Iterable[Unit] = (),
    consent: Consent | None = None,
) -> AgendaItem:
    """Write a case's discussion at the meeting: the picture, the assessment, the decision.
    The discussion is shared content of the writer's unit: it reaches the case's
    participants of this moment (or the named ones) as the policy allows. Writing it again
    shares the new text anew. (The caller has checked the case allows LOG_CONTACT.)"""
    if item.case is None:
        raise ValidationError(_("A nomination is decided by screening it."))
    case = item.case
    author_unit = acting_unit(actor, case, access.CaseAction.LOG_CONTACT, None)
    if item.discussed_at is not None and not (
        access.content_for(actor, case, AgendaItem).filter(pk=item.pk).exists()
    ):
        # Nobody overwrites a discussion they were not given.
        raise ValidationError(_("The discussion was not shared with your unit."))
    errors: dict[str, Any] = {}
    item.picture, item.assessment = (picture or "").strip(), (assessment or "").strip()
    item.decision = (decision or "").strip()
    if not (item.picture or item.assessment or item.decision):
        errors["decision"] = _("Write what was discussed or decided.")
    share = governance.Share(category, legal_basis, list(audience), consent)
    resolved = governance.check(case=case, author_unit=author_unit, share=share, errors=errors)
    item.discussed_at, item.discussed_by, item.author_unit = timezone.now(), actor, author_unit
    item.recipients.all().delete()
    recipients = governance.save_shared(
        item,
        case=case,
        author_unit=author_unit,
        resolved=resolved,
        actor=actor,
        exclude=["meeting", "case", "concern_report", "discussed_by", "author_unit"],
    )
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
        unit=author_unit,
        case_id=item.case_id,
        citizen_id=case.citizen_id,
        categories=[item.category],
        legal_basis=item.legal_basis,
        detail={"change": "discussion", "meeting": meeting.pk, "recipients": recipients},
    )
    return item


@transaction.atomic
def agenda_item_action(
    *, actor: User, item: AgendaItem, title: str, responsible: User | None, due_at: dt.datetime
) -> Action:
    """A decision's follow-up action, created from the meeting (it is reviewed at the
    forum's next meeting). It is shared as its decision was: the same category, basis,
    consent and named units."""
    if item.case is None:
        raise ValidationError(_("Only a case's decision creates actions."))
    return action_create(
        actor=actor,
        case=item.case,
        title=title,
        responsible=responsible,
        due_at=due_at,
        agenda_item=item,
        category=item.category,
        legal_basis=item.legal_basis,
        audience=item.named_units,
        consent=item.consent,
    )


@transaction.atomic
def minutes_distribute(*, actor: User, meeting: Meeting, units: Iterable[Unit]) -> int:
    """Send the minutes to units: each unit receives the discussions it received as a
    participant of the case (no other case's, none it was not a recipient of), and each
    item sent is a disclosure, audited with its recipients. Returns the number of (item,
    unit) disclosures."""
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
        meeting.items.filter(case__isnull=False, discussed_at__isnull=False)
        .select_related("case", "case__forum")
        .prefetch_related("recipients")
    )
    chosen_ids = {u.pk for u in chosen}
    taking_part: dict[int, list[CaseParticipant]] = {}
    for participation in (
        CaseParticipant.objects.active()
        .filter(
            case__in=[item.case_id for item in discussed],
            emergency=False,
            unit__in=chosen_ids,
        )
        .select_related("unit")
    ):
        taking_part.setdefault(participation.case_id, []).append(participation)
    for item in discussed:
        assert item.case is not None  # noqa: S101 (filtered)
        readers = [(p.unit, p.categories) for p in taking_part.get(item.case.pk, [])]
        readable = access.readable_by(item, readers) if readers else {}
        recipients = sorted(pk for pk, ok in readable.items() if ok)
        if not recipients:
            continue
        disclosures += len(recipients)
        audit.write_event(
            actor=actor,
            action=audit.Action.DISCLOSE,
            obj=item,
            case_id=item.case_id,
            citizen_id=item.case.citizen_id,
            categories=[item.category],
            legal_basis=item.legal_basis,
            purpose="minutes",
            detail={"meeting": meeting.pk, "recipients": recipients},
        )
    return disclosures
