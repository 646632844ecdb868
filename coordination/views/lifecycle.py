"""The life of a case (sharing-rules.md 6): the lead unit's review, its decision as the
citizen leaves the forum's band or track, and legal holds that stop the case's deletion."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from coordination import access, lifecycle, services
from coordination.forms.base import StyledForm
from coordination.forms.lifecycle import HandoverForm, LegalHoldForm, ReviewForm
from coordination.models import Case
from coordination.reads import record_case_view
from coordination.views.base import case_form_view, request_user, submitted


def _dates(user: User, case: Case, form: StyledForm) -> dict[str, object]:
    return {"dates": lifecycle.dates(case, access.legal_holds_for(user, case))}


@login_required
@require_http_methods(["GET", "POST"])
def case_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead unit's review: still necessary (reason, next date) or close."""
    return case_form_view(
        request,
        pk,
        action=access.CaseAction.CLOSE,
        form_class=ReviewForm,
        service=services.case_review,
        template="coordination/lifecycle/review.html",
        done=_("The review is recorded."),
        extra=_dates,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_handover(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead unit's decision as the citizen leaves the forum's band or the track."""
    return case_form_view(
        request,
        pk,
        action=access.CaseAction.CLOSE,
        form_class=HandoverForm,
        service=services.case_handover,
        template="coordination/lifecycle/handover.html",
        done=_("The decision is recorded."),
        extra=_dates,
    )


@login_required
@require_http_methods(["GET", "POST"])
def legal_holds(request: HttpRequest, pk: int) -> HttpResponse:
    """The case's holds and a form to place one: coordinators of a unit taking part (403 for
    other participants, 404 for outsiders). Works on closed cases: that is when it matters."""
    user = request_user(request)
    case = access.get_case(user, pk)
    access.require_hold(user, case)
    form = LegalHoldForm(request.POST if request.method == "POST" else None, user=user, case=case)

    def place(data: dict[str, Any]) -> object:
        return services.legal_hold_place(actor=user, case=case, **data)

    if submitted(request, form, place, _("The case is on hold.")):
        return redirect("coordination:case_detail", pk=case.pk)
    record_case_view(user, case, detail={"view": "legal_holds"})
    holds = access.legal_holds_for(user, case)
    context = {"case": case, "form": form, "holds": holds, "dates": lifecycle.dates(case, holds)}
    return render(
        request, "coordination/lifecycle/holds.html", context, status=400 if form.is_bound else 200
    )


@login_required
@require_POST
def legal_hold_lift(request: HttpRequest, pk: int, hold_pk: int) -> HttpResponse:
    user = request_user(request)
    case = access.get_case(user, pk)
    hold = access.get_legal_hold(user, case, hold_pk)
    services.legal_hold_lift(actor=user, hold=hold)
    messages.success(request, _("The hold is lifted."))
    return redirect("coordination:legal_holds", pk=case.pk)
