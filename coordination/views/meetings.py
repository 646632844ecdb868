"""Case conferences (sagsmøder): a forum's meetings, their agendas (cases due for review,
added cases and nominations from the intake), each case's discussion and the actions it
decides, and the minutes, whose distribution and printing are recorded as disclosures.

A meeting belongs to its forum; what it says about a case is case content, so each person
sees only the items of the cases they may view (the others are only counted)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from coordination import access, audit, policy, services
from coordination.forms.actions import ActionForm
from coordination.forms.base import apply_service_errors
from coordination.forms.disclosures import DisclosureForm
from coordination.forms.meetings import (
    AddCaseForm,
    AttendeesForm,
    DiscussionForm,
    MeetingForm,
    MinutesForm,
)
from coordination.models import Action, AgendaItem, Case, ConcernReport, LegalBasis, Meeting
from coordination.reads import record_case_view
from coordination.views.base import request_user, submitted

PURPOSE = "meeting"
# The meeting list shows this many upcoming and this many past meetings.
SHOWN = 50


def _record_meeting_read(
    user: User,
    meeting: Meeting,
    view: str,
    items: Iterable[AgendaItem],
    *,
    listed: Iterable[Case] = (),
) -> None:
    """Audit a meeting page: one event per case (and per nomination) whose item is shown,
    one per case offered in "add a case", or one about the meeting when nothing is shown.
    What concerns a citizen carries the purpose the user acts under (prevention, in the
    forum's effort), as every case access does."""
    detail = {"view": view, "meeting": meeting.pk}
    acting = policy.access_purpose(meeting.forum.effort_type)
    events = [
        audit.build_event(
            actor=user,
            action=audit.Action.VIEW,
            obj=item.case or item.concern_report,
            purpose=acting,
            detail={**detail, "item": item.pk},
        )
        for item in items
    ]
    events += [
        audit.build_event(
            actor=user,
            action=audit.Action.LIST,
            obj=case,
            purpose=acting,
            detail={**detail, "list": "agenda_candidates"},
        )
        for case in listed
    ]
    audit.record_many(
        events
        or [
            audit.build_event(
                actor=user, action=audit.Action.VIEW, obj=meeting, purpose=PURPOSE, detail=detail
            )
        ]
    )


def _start_of_day(when: dt.datetime) -> dt.datetime:
    return timezone.localtime(when).replace(hour=0, minute=0, second=0, microsecond=0)


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    """ "Sagsmøder": the coming and past meetings of the user's forums (no personal data)."""
    user = request_user(request)
    meetings = access.meetings_for(user).annotate(item_count=Count("items"))
    today = _start_of_day(timezone.now())
    upcoming = list(meetings.filter(starts_at__gte=today).order_by("starts_at", "pk")[:SHOWN])
    past = list(meetings.filter(starts_at__lt=today).order_by("-starts_at", "-pk")[:SHOWN])
    audit.record_shown(
        user,
        audit.Action.LIST,
        (),
        purpose=PURPOSE,
        detail={"view": "meeting_list", "meetings": [m.pk for m in upcoming + past]},
    )
    context = {
        "upcoming": upcoming,
        "past": past,
        "may_schedule": access.works_in_a_forum(user),
    }
    return render(request, "coordination/meetings/meeting_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    """Schedule a meeting; a regular meeting's agenda is built at once."""
    user = request_user(request)
    access.require_forum_work(user, object_type="coordination.meeting", view="meeting_new")
    form = MeetingForm(request.POST if request.method == "POST" else None, user=user)
    created: list[Meeting] = []
    if submitted(
        request,
        form,
        lambda data: created.append(services.meeting_schedule(actor=user, **data)),
        _("The meeting has been scheduled."),
    ):
        return redirect("coordination:meeting_detail", pk=created[0].pk)
    audit.record_shown(user, audit.Action.VIEW, (), purpose=PURPOSE, detail={"view": "meeting_new"})
    status = 400 if form.is_bound else 200
    return render(request, "coordination/meetings/meeting_new.html", {"form": form}, status=status)


def _detail_page(
    request: HttpRequest,
    user: User,
    meeting: Meeting,
    *,
    add_form: AddCaseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    items = list(access.agenda_items_for(user, meeting))
    decisions = dict(ConcernReport.Decision.choices)
    for item in items:
        report = item.concern_report
        item.screening_label = decisions.get(report.decision, "") if report else ""  # type: ignore[attr-defined]
    hidden = AgendaItem.objects.filter(meeting=meeting).count() - len(items)
    may_manage = access.may_manage_meeting(user, meeting)
    if may_manage and add_form is None:
        add_form = AddCaseForm(user=user, meeting=meeting)
    candidates = list(add_form.fields["case"].queryset) if add_form is not None else []  # type: ignore[attr-defined]
    _record_meeting_read(user, meeting, "meeting_detail", items, listed=candidates)
    context = {
        "meeting": meeting,
        "items": items,
        "hidden": hidden,
        "attendees": list(meeting.attendees.order_by("first_name", "last_name", "username")),
        "may_manage": may_manage,
        "add_form": add_form,
        "has_candidates": bool(candidates),
    }
    return render(request, "coordination/meetings/meeting_detail.html", context, status=status)


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The agenda in order: the items of cases the user may view, the nominations, and how
    many further cases are discussed that the user does not take part in."""
    user = request_user(request)
    return _detail_page(request, user, access.get_meeting(user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def meeting_attendees(request: HttpRequest, pk: int) -> HttpResponse:
    """Record who attended: working members of the forum's member units."""
    user = request_user(request)
    meeting = access.get_meeting(user, pk, manage=True)
    form = AttendeesForm(request.POST if request.method == "POST" else None, meeting=meeting)
    if submitted(
        request,
        form,
        lambda data: services.meeting_set_attendees(actor=user, meeting=meeting, **data),
        _("The attendees have been saved."),
    ):
        return redirect("coordination:meeting_detail", pk=meeting.pk)
    _record_meeting_read(user, meeting, "meeting_attendees", ())
    status = 400 if form.is_bound else 200
    context = {"meeting": meeting, "form": form}
    return render(request, "coordination/meetings/meeting_attendees.html", context, status=status)


@login_required
@require_POST
def meeting_add_case(request: HttpRequest, pk: int) -> HttpResponse:
    """Put one of the forum's open cases on the agenda."""
    user = request_user(request)
    meeting = access.get_meeting(user, pk, manage=True)
    form = AddCaseForm(request.POST, user=user, meeting=meeting)
    if submitted(
        request,
        form,
        lambda data: services.meeting_add_case(actor=user, meeting=meeting, **data),
        _("The case has been put on the agenda."),
    ):
        return redirect("coordination:meeting_detail", pk=meeting.pk)
    return _detail_page(request, user, meeting, add_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def agenda_item(request: HttpRequest, pk: int) -> HttpResponse:
    """One case at the meeting: the discussion (picture, assessment, decision), the case's
    open actions, the decisions of earlier meetings to review, and this item's actions."""
    user = request_user(request)
    writing = request.method == "POST"
    item = access.get_agenda_item(
        user, pk, access.CaseAction.LOG_CONTACT if writing else access.CaseAction.VIEW
    )
    if item.case is None:
        # A nomination is accepted (or not) by screening the concern.
        return redirect("coordination:intake_screen", pk=item.concern_report_id)
    case, meeting = item.case, item.meeting
    visible = item.discussion_visible  # type: ignore[attr-defined]
    initial = (
        {"picture": item.picture, "assessment": item.assessment, "decision": item.decision}
        if visible
        else {}
    )
    form = DiscussionForm(request.POST if writing else None, initial=initial, case=case)
    if submitted(
        request,
        form,
        lambda data: services.agenda_item_record(actor=user, item=item, **data),
        _("The discussion has been saved."),
    ):
        return redirect("coordination:agenda_item", pk=item.pk)
    actions = access.actions_for(user, case, finished=True).select_related("agenda_item__meeting")
    record_case_view(
        user, case, detail={"view": "agenda_item", "meeting": meeting.pk, "item": item.pk}
    )
    context = {
        "item": item,
        "case": case,
        "meeting": meeting,
        "form": form,
        "open_actions": list(access.actions_for(user, case).exclude(agenda_item=item)),
        "previous": list(
            actions.filter(
                agenda_item__meeting__forum=meeting.forum_id,
                agenda_item__meeting__starts_at__lt=meeting.starts_at,
            ).order_by("agenda_item__meeting__starts_at", "due_at", "pk")
        ),
        "decided_here": list(actions.filter(agenda_item=item)),
    }
    status = 400 if form.is_bound else 200
    return render(request, "coordination/meetings/agenda_item.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def agenda_item_action(request: HttpRequest, pk: int) -> HttpResponse:
    """A follow-up action decided at the meeting: what, who, by when."""
    user = request_user(request)
    item = access.get_agenda_item(user, pk, access.CaseAction.LOG_CONTACT)
    if item.case is None:
        return redirect("coordination:intake_screen", pk=item.concern_report_id)
    case = item.case
    form = ActionForm(
        request.POST if request.method == "POST" else None,
        user=user,
        case=case,
        shared_as_decision=True,
    )
    if submitted(
        request,
        form,
        lambda data: services.agenda_item_action(actor=user, item=item, **data),
        _("The action has been created."),
    ):
        return redirect("coordination:agenda_item", pk=item.pk)
    record_case_view(
        user,
        case,
        detail={"view": "agenda_item_action", "meeting": item.meeting_id, "item": item.pk},
    )
    status = 400 if form.is_bound else 200
    context = {"item": item, "case": case, "meeting": item.meeting, "form": form}
    return render(request, "coordination/meetings/agenda_item_action.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes as the user may read them (the discussed items of cases they may view),
    and their distribution: each unit sent the minutes is a disclosure per case it takes
    part in (services.minutes_distribute)."""
    user = request_user(request)
    sending = request.method == "POST"
    meeting = access.get_meeting(user, pk, manage=sending)
    may_manage = sending or access.may_manage_meeting(user, meeting)
    form = MinutesForm(request.POST if sending else None, meeting=meeting) if may_manage else None
    if form is not None:
        sent: list[int] = []
        if submitted(
            request,
            form,
            lambda data: sent.append(
                services.minutes_distribute(actor=user, meeting=meeting, **data)
            ),
            _("The minutes have been sent."),
        ):
            messages.info(
                request,
                ngettext(
                    "%(n)d disclosure was recorded.", "%(n)d disclosures were recorded.", sent[0]
                )
                % {"n": sent[0]},
            )
            return redirect("coordination:meeting_minutes", pk=meeting.pk)
    items = _minutes_items(user, meeting)
    _record_meeting_read(user, meeting, "meeting_minutes", items)
    context = {
        "meeting": meeting,
        "items": items,
        "attendees": _attendees(meeting),
        "distributions": list(meeting.distributions.select_related("unit", "sent_by")),
        "form": form,
        "may_print": may_manage,
    }
    status = 400 if form is not None and form.is_bound else 200
    return render(request, "coordination/meetings/meeting_minutes.html", context, status=status)


def _minutes_items(user: User, meeting: Meeting) -> list[AgendaItem]:
    """The minutes as `user` may read them: the discussed items of the cases they may view
    whose discussion they received, each with the actions decided that they may read."""
    decided = Prefetch("actions", queryset=Action.objects.select_related("responsible_unit"))
    items = [
        item
        for item in access.agenda_items_for(user, meeting)
        .filter(case__isnull=False, discussed_at__isnull=False)
        .prefetch_related(decided)
        if item.discussion_visible  # type: ignore[attr-defined]
    ]
    readable = access.readable_ids(
        user, Action, (a.pk for item in items for a in item.actions.all())
    )
    for item in items:
        item.visible_actions = [a for a in item.actions.all() if a.pk in readable]  # type: ignore[attr-defined]
    return items


def _attendees(meeting: Meeting) -> list[User]:
    return list(meeting.attendees.order_by("first_name", "last_name", "username"))


@login_required
@require_http_methods(["GET", "POST"])
def meeting_minutes_print(request: HttpRequest, pk: int) -> HttpResponse:
    """Print the minutes: a disclosure (sharing-rules.md 5). The form asks for the
    recipient, the legal basis and a justification; with them, the print layout shows the
    minutes as the user may read them, and each discussed case shown is a `disclose` event
    naming the recipient. Those who may run the meeting may print it (403 for others)."""
    user = request_user(request)
    meeting = access.get_meeting(user, pk, manage=True)
    printing = request.method == "POST"
    form = DisclosureForm(request.POST if printing else None, document=services.Document.MINUTES)
    items = _minutes_items(user, meeting)
    if printing and form.is_valid():
        try:
            services.disclosures_record(
                actor=user,
                document=services.Document.MINUTES,
                channel=services.Channel.PRINT,
                objects=items,
                about=meeting,
                detail={"view": "meeting_minutes_print", "meeting": meeting.pk},
                **form.cleaned_data,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            context = {
                "meeting": meeting,
                "items": items,
                "attendees": _attendees(meeting),
                "disclosed": form.cleaned_data,
                "basis_label": LegalBasis(form.cleaned_data["legal_basis"]).label,
                "printed_at": timezone.now(),
            }
            return render(request, "coordination/meetings/minutes_print.html", context)
    # The form names no citizen: the page is logged as a look at the meeting.
    _record_meeting_read(user, meeting, "meeting_minutes_print", ())
    context = {"meeting": meeting, "form": form, "shown": len(items)}
    status = 400 if form.is_bound else 200
    return render(
        request, "coordination/meetings/meeting_minutes_print_form.html", context, status=status
    )
