"""Follow-up actions (opgaver), "Mine opgaver", the notifications under the bell and the
user's reminder preferences. Access comes from access.py, writes go through the services,
and every page that shows case data is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services as account_services
from accounts.models import User
from coordination import access, audit, services
from coordination.forms.actions import (
    ActionCompleteForm,
    ActionForm,
    ActionReassignForm,
    PreferencesForm,
)
from coordination.forms.base import apply_service_errors
from coordination.models import Action
from coordination.reads import subject_case
from coordination.views.base import case_form_view, case_object_view, request_user

OPEN = (Action.Status.OPEN, Action.Status.IN_PROGRESS)
# "Mine opgaver" shows actions done in the last DONE_DAYS and marks those due within
# SOON_DAYS; the notifications page shows the newest NOTIFICATIONS_SHOWN.
DONE_DAYS = 30
SOON_DAYS = 14
NOTIFICATIONS_SHOWN = 100


@login_required
@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Ny opgave": a follow-up action on the case, with a responsible person and a deadline."""
    return case_form_view(
        request,
        pk,
        action=access.CaseAction.LOG_CONTACT,
        form_class=ActionForm,
        service=services.action_create,
        template="coordination/actions/action_new.html",
        done=_("The action has been created."),
    )


def _action_to_change(pk: int) -> Callable[[User], Action]:
    return lambda user: access.get_action(user, pk, access.CaseAction.LOG_CONTACT)


@login_required
@require_http_methods(["GET", "POST"])
def action_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Fuldfør": mark the action done, with an optional note on what came of it."""
    return case_object_view(
        request,
        _action_to_change(pk),
        form_class=ActionCompleteForm,
        service=services.action_complete,
        template="coordination/actions/action_complete.html",
        done=_("The action has been completed."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Overdrag": give the action to someone else on the case; pending reminders follow."""
    return case_object_view(
        request,
        _action_to_change(pk),
        form_class=ActionReassignForm,
        service=services.action_reassign,
        template="coordination/actions/action_reassign.html",
        done=_("The action has been reassigned."),
    )


@login_required
@require_GET
def my_actions(request: HttpRequest) -> HttpResponse:
    """ "Mine opgaver": the user's overdue and coming actions, and those done lately."""
    user = request_user(request)
    now = timezone.now()
    shown = Q(status__in=OPEN) | Q(
        status=Action.Status.DONE, completed_at__gte=now - dt.timedelta(days=DONE_DAYS)
    )
    rows = list(
        access.my_actions(user).filter(shown).select_related("case__citizen", "case__forum")
    )
    audit.record_shown(
        user,
        audit.Action.LIST,
        (row.case.citizen_id for row in rows),
        purpose="actions",
        detail={"view": "my_actions", "actions": [row.pk for row in rows]},
    )
    context = {
        "overdue": [a for a in rows if a.status in OPEN and a.due_at < now],
        "coming": [a for a in rows if a.status in OPEN and a.due_at >= now],
        "done": sorted(
            (a for a in rows if a.status == Action.Status.DONE),
            key=lambda a: a.completed_at or a.due_at,
            reverse=True,
        ),
        "soon": now + dt.timedelta(days=SOON_DAYS),
        "done_days": DONE_DAYS,
    }
    return render(request, "coordination/actions/my_actions.html", context)


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """The bell's page: the user's own notifications, newest first. Opening it marks
    nothing as read; the button does."""
    user = request_user(request)
    notes = access.notifications_for(user).select_related(
        "reminder__consent", "reminder__concern_report"
    )
    rows = [(note, subject_case(note)) for note in notes[:NOTIFICATIONS_SHOWN]]
    citizens = (
        [case.citizen_id for _note, case in rows if case is not None]
        + [note.reminder.consent.citizen_id for note, _case in rows if note.reminder.consent]
        + [
            note.reminder.concern_report.citizen_id
            for note, _case in rows
            if note.reminder.concern_report
        ]
    )
    audit.record_shown(
        user,
        audit.Action.LIST,
        citizens,
        purpose="notifications",
        detail={"view": "notifications", "notifications": [note.pk for note, _case in rows]},
    )
    context = {
        "rows": rows,
        "unread": notes.filter(read_at__isnull=True).count(),
        # An action's title is shared content: shown only to those who received it.
        "readable_actions": access.readable_ids(
            user, Action, (note.reminder.action_id for note, _case in rows)
        ),
    }
    return render(request, "coordination/actions/notifications.html", context)


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """ "Markér alle som læst"."""
    count = services.notifications_mark_read(actor=request_user(request))
    messages.success(
        request,
        ngettext("%(n)d notification marked as read.", "%(n)d notifications marked as read.", count)
        % {"n": count},
    )
    return redirect("coordination:notifications")


@never_cache
@login_required
@require_GET
def notification_count(request: HttpRequest) -> HttpResponse:
    """The bell's badge, loaded by htmx: a number of unread notifications, no personal data
    (so no audit event)."""
    unread = access.notifications_for(request_user(request)).filter(read_at__isnull=True).count()
    return render(request, "coordination/actions/_notification_count.html", {"count": unread})


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """The user's own settings: how reminders reach them by e-mail."""
    user = request_user(request)
    data = request.POST if request.method == "POST" else None
    form = PreferencesForm(data, initial={"reminder_email": user.reminder_email})
    if form.is_bound and form.is_valid():
        try:
            account_services.user_preferences_set(actor=user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Your preferences have been saved."))
            return redirect("coordination:preferences")
    status = 400 if form.is_bound else 200
    return render(request, "coordination/actions/preferences.html", {"form": form}, status=status)
