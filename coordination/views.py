"""HTML views: access, form, service, redirect. Every read of personal data is audited."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from config.celery import app as celery_app
from coordination import access, audit, services
from coordination.filters import CaseFilter
from coordination.forms import CaseOpenForm, ContactForm, EntryForm, apply_service_errors

CASE_LIST_PAGE_SIZE = 25
CRITERIA = ("q", "forum", "status")


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # login_required has already turned anonymous users away
        raise PermissionDenied
    return user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("coordination:case_list")


@login_required
@require_http_methods(["GET", "POST"])
def case_list(request: HttpRequest) -> HttpResponse:
    """ "Mine sager": the user's cases, searchable and filterable; shows "more", not totals.

    The search form is POSTed, so a name typed into it never lands in a URL, a server log or
    the browser history; a plain GET shows the unfiltered list."""
    user = _user(request)
    data: QueryDict | None = request.POST if request.method == "POST" else None
    filterset = CaseFilter(data, queryset=access.cases_for(user).for_list())
    status = 400 if data is not None and not filterset.is_valid() else 200
    try:
        page = max(1, int(data.get("side", "1"))) if data is not None else 1
    except ValueError:
        page = 1
    start = (page - 1) * CASE_LIST_PAGE_SIZE
    rows = list(filterset.qs[start : start + CASE_LIST_PAGE_SIZE + 1])
    has_more, cases = len(rows) > CASE_LIST_PAGE_SIZE, rows[:CASE_LIST_PAGE_SIZE]
    criterion = {k: v for k, v in (data.items() if data is not None else []) if k in CRITERIA and v}
    audit.record_many(
        [
            audit.build_event(
                actor=user,
                action=audit.Action.SEARCH if criterion.get("q") else audit.Action.LIST,
                obj=case,
                detail={"view": "case_list", "criterion": criterion, "page": page},
            )
            for case in cases
        ]
    )
    template = "coordination/_case_rows.html" if request.htmx else "coordination/case_list.html"  # type: ignore[attr-defined]
    context = {
        "filter": filterset,
        "cases": cases,
        "page": page,
        "has_more": has_more,
        "criterion": criterion,
    }
    return render(request, template, context, status=status)


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case page: citizen summary, participants, contact timeline and visible entries."""
    user = _user(request)
    case = access.get_case(user, pk)
    entries = list(access.entries_for(user, case).prefetch_related("audience"))
    contacts = list(access.contacts_for(user, case).timeline())
    participants = list(case.participants.active().select_related("unit", "contact_user"))
    audit.record(
        actor=user,
        action=audit.Action.VIEW,
        obj=case,
        unit=access.acting_unit(user, case),
        categories=[entry.category for entry in entries],
        detail={"entries": [entry.pk for entry in entries], "contacts": len(contacts)},
    )
    context = {
        "case": case,
        "age": case.citizen.age_on(timezone.localdate()),
        "entries": entries,
        "contacts": contacts,
        "participants": participants,
    }
    return render(request, "coordination/case_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    """Open a case; the citizen is found or created by CPR, sent only in the POST body."""
    user = _user(request)
    form = CaseOpenForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                citizen, _created = services.citizen_get_or_create(
                    actor=user,
                    cpr_number=data["cpr"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                )
                case = services.case_open(
                    actor=user,
                    citizen=citizen,
                    forum=data["forum"],
                    lead_unit=data["lead_unit"],
                    track=data["track"],
                    age_override_reason=data["age_override_reason"],
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Case %(ref)s opened.") % {"ref": case.reference})
            return redirect("coordination:case_detail", pk=case.pk)
    status = 400 if form.is_bound else 200
    return render(request, "coordination/case_new.html", {"form": form}, status=status)


def _case_form_view(
    request: HttpRequest,
    pk: int,
    *,
    action: access.CaseAction,
    form_class: type[ContactForm] | type[EntryForm],
    service: Callable[..., object],
    template: str,
    done: str,
) -> HttpResponse:
    """The shape every "add something to a case" page shares: access, form, service, redirect."""
    user = _user(request)
    case = access.get_case(user, pk, action)
    form = form_class(request.POST or None, user=user, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=user, case=case, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("coordination:case_detail", pk=case.pk)
    status = 400 if form.is_bound else 200
    return render(request, template, {"case": case, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def contact_new(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Registrér kontakt": log one contact attempt; built to work on a phone."""
    return _case_form_view(
        request,
        pk,
        action=access.CaseAction.LOG_CONTACT,
        form_class=ContactForm,
        service=services.contact_log,
        template="coordination/contact_new.html",
        done=_("The contact has been logged."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Write an entry for all participants or for named participating units."""
    return _case_form_view(
        request,
        pk,
        action=access.CaseAction.ADD_ENTRY,
        form_class=EntryForm,
        service=services.entry_share,
        template="coordination/entry_new.html",
        done=_("The entry has been saved."),
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker status for load balancers and CI: 200 when healthy, else 503."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means unhealthy; details go to the log
        return "error"
    return "ok"


def _check_broker() -> str:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # noqa: BLE001
        return "error"
    return "ok"
