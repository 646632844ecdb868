"""Intake: concern reports (bekymringshenvendelser). The forum's queue, recording a concern
(anonymised, or identified by CPR number sent only in the POST body), identifying the
citizen later, the screening decision (a Knock Knock nomination is accepted by screening it
"open a case") and the feedback to the reporter. Access comes from access.py, writes go
through the services, and every page that shows a report is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from coordination import access, audit, policy, services
from coordination.forms.base import StyledForm, apply_service_errors
from coordination.forms.intake import (
    ConcernReportForm,
    FeedbackForm,
    IdentifyForm,
    ScreeningForm,
)
from coordination.models import ConcernReport
from coordination.services import Identification
from coordination.views.base import citizen_by_cpr, cpr_to_confirm, request_user, submitted

# The queue shows every unscreened report (up to a limit) and those screened lately.
SCREENED_DAYS = 30
SHOWN = 200


def _age(report: ConcernReport) -> int | None:
    """The citizen's age today (it decides the Knock Knock track), when identified."""
    return report.citizen.age_on(timezone.localdate()) if report.citizen else None


def _record_report_view(user: User, report: ConcernReport, view: str, **detail: Any) -> None:
    """Audit a page that shows a concern report (its citizen, when identified)."""
    audit.record(
        actor=user,
        action=audit.Action.VIEW,
        obj=report,
        case_id=report.case_id,
        legal_basis=report.forum.default_legal_basis,
        purpose=policy.access_purpose(report.forum.effort_type),
        detail={"view": view, **detail},
    )


@login_required
@require_GET
def intake_list(request: HttpRequest) -> HttpResponse:
    """The intake queue of the user's forums: unscreened reports by deadline, then those
    screened in the last SCREENED_DAYS."""
    user = request_user(request)
    now = timezone.now()
    reports = access.concern_reports_for(user)
    unscreened = list(reports.filter(decision="").order_by("screening_due_at", "pk")[:SHOWN])
    screened = list(
        reports.exclude(decision="")
        .filter(decided_at__gte=now - dt.timedelta(days=SCREENED_DAYS))
        .order_by("-decided_at", "-pk")[:SHOWN]
    )
    shown = unscreened + screened
    audit.record_shown(
        user,
        audit.Action.LIST,
        (report.citizen_id for report in shown),
        purpose="intake",
        detail={"view": "intake_list", "reports": [report.pk for report in shown]},
    )
    context = {
        "unscreened": unscreened,
        "screened": screened,
        "now": now,
        "screened_days": SCREENED_DAYS,
        "may_record": access.works_in_a_forum(user),
    }
    return render(request, "coordination/intake/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def intake_new(request: HttpRequest) -> HttpResponse:
    """Record a concern; anonymised, or about a citizen found or registered by CPR number."""
    user = request_user(request)
    access.require_forum_work(user, object_type="coordination.concernreport", view="intake_new")
    form = ConcernReportForm(request.POST if request.method == "POST" else None, user=user)
    confirm = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        # With a CPR register, a CPR number's name is confirmed before anything is recorded.
        confirm = cpr_to_confirm(user, form, "intake_new")
    if form.is_bound and form.is_valid() and confirm is None:
        try:
            with transaction.atomic():
                citizen = citizen_by_cpr(user, data) if data["cpr"] else None
                report = services.concern_report_create(
                    actor=user,
                    forum=data["forum"],
                    received_by=data["received_by"],
                    channel=data["channel"],
                    urgency=data["urgency"],
                    summary=data["summary"],
                    reporter=data["reporter"],
                    reporter_contact=data["reporter_contact"],
                    citizen=citizen,
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Concern %(ref)s recorded.") % {"ref": report.reference})
            return redirect("coordination:intake_detail", pk=report.pk)
    # The form lists the user's forums and units (no personal data); logged as the look.
    audit.record(actor=user, action=audit.Action.VIEW, detail={"view": "intake_new"})
    status = 400 if form.is_bound and confirm is None else 200
    context = {"form": form, "confirm": confirm}
    return render(request, "coordination/intake/new.html", context, status=status)


@login_required
@require_GET
def intake_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One concern report: what was received, the deadline, the decision and the feedback."""
    user = request_user(request)
    report = access.get_concern_report(user, pk)
    _record_report_view(user, report, "intake_detail")
    may_screen = access.works_in_forum(user, report.forum_id)
    context = {
        "report": report,
        "now": timezone.now(),
        "age": _age(report),
        "may_screen": may_screen,
        "may_give_feedback": may_screen
        and report.is_screened
        and bool(report.reporter)
        and report.feedback_given_at is None,
    }
    return render(request, "coordination/intake/detail.html", context)


def _report_form_view(
    request: HttpRequest,
    pk: int,
    *,
    form_class: Callable[..., StyledForm],
    run: Callable[[User, ConcernReport, dict[str, Any]], object],
    template: str,
    done: str,
    closed: Callable[[ConcernReport], str | None],
    then: Callable[[ConcernReport], HttpResponse] | None = None,
    confirm: Callable[[User, ConcernReport, StyledForm], Identification | None] | None = None,
) -> HttpResponse:
    """The shape of the pages that act on a report: access (screen rights), form, service,
    redirect. `closed` says why a GET finds nothing left to do (then it goes back to the
    report); a POST always reaches the service, which refuses it with a reason, unless
    `confirm` first has something for the user to confirm (the page shows it)."""
    user = request_user(request)
    report = access.get_concern_report(user, pk, screen=True)
    if request.method == "GET" and (reason := closed(report)):
        messages.info(request, reason)
        return redirect("coordination:intake_detail", pk=report.pk)
    form = form_class(request.POST if request.method == "POST" else None, user=user, report=report)
    valid = form.is_bound and form.is_valid()
    shown = confirm(user, report, form) if confirm is not None and valid else None
    if shown is None and submitted(request, form, lambda data: run(user, report, data), done):
        return then(report) if then else redirect("coordination:intake_detail", pk=report.pk)
    view = request.resolver_match.url_name if request.resolver_match else None
    invalid = form.is_bound and shown is None
    _record_report_view(user, report, view or "", invalid=invalid)
    context = {
        "report": report,
        "form": form,
        "now": timezone.now(),
        "age": _age(report),
        "confirm": shown,
    }
    return render(request, template, context, status=400 if invalid else 200)


def _identify(user: User, report: ConcernReport, data: dict[str, Any]) -> None:
    with transaction.atomic():
        services.concern_report_identify(
            actor=user, report=report, citizen=citizen_by_cpr(user, data)
        )


def _confirm_identity(user: User, report: ConcernReport, form: StyledForm) -> Identification | None:
    # Only while the report is anonymous: naming a second citizen is refused, not confirmed.
    return cpr_to_confirm(user, form, "intake_identify") if report.is_anonymous else None


@login_required
@require_http_methods(["GET", "POST"])
def intake_identify(request: HttpRequest, pk: int) -> HttpResponse:
    """Name the citizen of an anonymised concern (CPR number in the POST body only)."""
    return _report_form_view(
        request,
        pk,
        form_class=IdentifyForm,
        run=_identify,
        template="coordination/intake/identify.html",
        done=_("The citizen has been identified."),
        closed=lambda r: None if r.is_anonymous else _("The concern already names a citizen."),
        confirm=_confirm_identity,
    )


def _screen(user: User, report: ConcernReport, data: dict[str, Any]) -> None:
    services.concern_report_screen(actor=user, report=report, **data)


def _after_screening(report: ConcernReport) -> HttpResponse:
    if report.decision == ConcernReport.Decision.OPEN_CASE and report.case_id is not None:
        return redirect("coordination:case_detail", pk=report.case_id)
    return redirect("coordination:intake_detail", pk=report.pk)


@login_required
@require_http_methods(["GET", "POST"])
def intake_screen(request: HttpRequest, pk: int) -> HttpResponse:
    """The screening decision; "open a case" accepts a nomination and opens its case."""
    return _report_form_view(
        request,
        pk,
        form_class=ScreeningForm,
        run=_screen,
        template="coordination/intake/screen.html",
        done=_("The concern has been screened."),
        closed=lambda r: _("The concern has already been screened.") if r.is_screened else None,
        then=_after_screening,
    )


def _feedback(user: User, report: ConcernReport, data: dict[str, Any]) -> None:
    services.concern_feedback_record(actor=user, report=report, note=data["note"])


def _feedback_closed(report: ConcernReport) -> str | None:
    if not report.is_screened:
        return _("Screen the concern before giving feedback.")
    if report.feedback_given_at is not None:
        return _("The feedback has already been recorded.")
    return None


@login_required
@require_http_methods(["GET", "POST"])
def intake_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the reporter was told what came of the concern."""
    return _report_form_view(
        request,
        pk,
        form_class=FeedbackForm,
        run=_feedback,
        template="coordination/intake/feedback.html",
        done=_("The feedback to the reporter has been recorded."),
        closed=_feedback_closed,
    )
