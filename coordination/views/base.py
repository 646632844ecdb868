"""What the HTML views share: the signed-in user, a form handed to its service, and the two
page shapes of case work: adding something to a case (`case_form_view`) and changing one
object of a case (`case_object_view`). Access comes from access.py, writes go through the
services, and every page that shows a case is audited (coordination.reads)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render

from accounts.models import User
from coordination import access, cpr_register, handles, services
from coordination.forms.base import StyledForm, apply_service_errors
from coordination.models import Case, Citizen
from coordination.reads import record_case_view


def request_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # login_required has already turned anonymous users away
        raise PermissionDenied
    return user


def citizen_by_cpr(user: User, data: dict[str, Any]) -> Citizen:
    """The citizen named by the form's (confirmed) CPR number: found, or registered; with a
    CPR register under the register's name (a stored one is updated), else the typed one."""
    return services.citizen_identify(
        actor=user,
        cpr_number=data["cpr"],
        first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
    )


def cpr_to_confirm(user: User, form: forms.Form, view: str) -> services.Identification | None:
    """With a CPR register: the register's answer for the valid form's CPR number while the
    user has not confirmed it ("Er det NN?"), else None (go on). The first POST of a number
    writes nothing but the search's audit event and puts a handle of the number into the
    form's hidden `confirmation`; the next POST carrying it (same number, same user, within
    a day) goes on. The name is the register's, never a stored one."""
    digits = form.cleaned_data.get("cpr")
    if not digits or not cpr_register.configured():
        return None
    confirmed = handles.read(form.cleaned_data.get("confirmation"), user=user)
    if confirmed is not None and confirmed.digits == digits:
        return None
    found = services.citizen_register(actor=user, cpr_number=digits, view=view)
    if isinstance(form.data, QueryDict):  # a POST's: the page carries the handle on
        data = form.data.copy()
        data["confirmation"] = found.handle
        form.data = data
    return found


def submitted(
    request: HttpRequest, form: StyledForm, run: Callable[[dict[str, Any]], object], done: str
) -> bool:
    """A POSTed, valid form handed to its service: True (with the success message) when the
    service took it, else its ValidationError is shown on the form's fields."""
    if not (form.is_bound and form.is_valid()):
        return False
    try:
        run(form.cleaned_data)
    except ValidationError as error:
        apply_service_errors(form, error)
        return False
    messages.success(request, done)
    return True


def case_form_view(
    request: HttpRequest,
    pk: int,
    *,
    action: access.CaseAction,
    form_class: Callable[..., StyledForm],
    service: Callable[..., object],
    template: str,
    done: str,
    then: str = "coordination:case_detail",
    extra: Callable[[User, Case, StyledForm], dict[str, object]] | None = None,
) -> HttpResponse:
    """The shape every "add something to a case" page shares: access, form, service,
    redirect (to `then`); `extra` adds to the page's context (and may audit what it shows)."""
    user = request_user(request)
    case = access.get_case(user, pk, action)
    form = form_class(request.POST if request.method == "POST" else None, user=user, case=case)
    if submitted(request, form, lambda data: service(actor=user, case=case, **data), done):
        return redirect(then, pk=case.pk)
    context = {"case": case, "form": form, **(extra(user, case, form) if extra else {})}
    view = request.resolver_match.url_name if request.resolver_match else ""
    record_case_view(user, case, detail={"view": view})
    status = 400 if form.is_bound else 200
    return render(request, template, context, status=status)


def case_object_view(
    request: HttpRequest,
    get: Callable[[User], Any],
    *,
    form_class: Callable[..., StyledForm],
    service: Callable[..., object],
    template: str,
    done: str,
) -> HttpResponse:
    """The shape of the pages that change one object of a case (an offer, a referral, an
    action): access through its case (`get`), form, service, back to the case. The form and
    the service take the object by its model's name."""
    user = request_user(request)
    found = get(user)
    name = found._meta.model_name
    # Bound on every POST: a form without a required field (completing an action) counts.
    form = form_class(request.POST if request.method == "POST" else None, **{name: found})
    if submitted(request, form, lambda data: service(actor=user, **{name: found}, **data), done):
        return redirect("coordination:case_detail", pk=found.case_id)
    view = request.resolver_match.url_name if request.resolver_match else ""
    record_case_view(user, found.case, detail={"view": view, name: found.pk})
    context = {"case": found.case, name: found, "form": form}
    return render(request, template, context, status=400 if form.is_bound else 200)
