"""HTML views: access, form, service, redirect. Every read of personal data is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from coordination import access, audit, lifecycle, policy, services
from coordination.filters import CaseFilter
from coordination.forms.base import StyledForm, apply_service_errors
from coordination.forms.cases import (
    CaseOpenForm,
    CloseCaseForm,
    ConsentDecisionForm,
    ConsentForm,
    ContactForm,
    EmergencyAccessForm,
    EntryForm,
    ParticipantForm,
    ReviewForm,
    ShareAgainForm,
)
from coordination.models import Case, Category
from coordination.reads import record_case_view
from coordination.views.base import (
    case_form_view,
    citizen_by_cpr,
    cpr_to_confirm,
    request_user,
)
from coordination.views.casework import case_page_context

CASE_LIST_PAGE_SIZE = 25
CRITERIA = ("q", "forum", "status")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("coordination:case_list")


@login_required
@require_http_methods(["GET", "POST"])
def case_list(request: HttpRequest) -> HttpResponse:
    """ "Mine sager": the user's cases, searchable and filterable; shows "more", not totals.

    The search form is POSTed, so a name typed into it never lands in a URL, a server log or
    the browser history; a plain GET shows the unfiltered list."""
    user = request_user(request)
    data: QueryDict | None = request.POST if request.method == "POST" else None
    filterset = CaseFilter(data, queryset=access.cases_for(user).for_list(), user=user)
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
                purpose=policy.access_purpose(case.forum.effort_type),
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
        "today": timezone.localdate(),
    }
    return render(request, template, context, status=status)


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case page: citizen summary, participants, consents, contact timeline, entries,
    and the case work (stage, offers, referrals, incidents, outcomes, the drawn timeline)."""
    user = request_user(request)
    case = access.get_case(user, pk)
    entries = list(access.with_recipients(access.entries_for(user, case)))
    contacts = list(access.contacts_for(user, case).timeline())
    actions = list(access.actions_for(user, case))
    work = case_page_context(user, case, entries=entries, contacts=contacts, actions=actions)
    participation = record_case_view(
        user,
        case,
        categories=[entry.category for entry in entries] + work["incident_categories"],
        detail={
            "entries": [entry.pk for entry in entries],
            "contacts": len(contacts),
            "incidents": [incident.pk for incident in work["incidents"]],
        },
    )
    participants = list(access.participants_for(user, case))
    consents = list(access.consents_for(user, case))
    decisions = list(access.consent_decisions_for(user, case))
    holds = access.legal_holds_for(user, case)
    context = {
        **work,
        "case": case,
        "age": case.citizen.age_on(timezone.localdate()),
        # Free text of the lead unit (why closed, why outside the age band) is the lead's.
        "is_lead": access.leads_case(user, case),
        # Review, band, hold and deletion dates (sharing-rules.md 6).
        "dates": lifecycle.dates(case, holds),
        "reviews": access.reviews_for(user, case),
        "may_hold": access.may_hold(user, case),
        "unreceived": access.unreceived_count(user, case),
        "composition_missing": policy.missing_required(
            case.forum.effort_type, {p.unit.unit_type for p in participants if not p.emergency}
        ),
        # A § 115 meeting seeks consent; going on without it is a recorded decision.
        "consent_undecided": policy.FORUM_RULES[case.forum.effort_type].consent_sought
        and not any(c.is_active for c in consents)
        and not decisions,
        "entries": entries,
        "contacts": contacts,
        "participants": participants,
        "consents": consents,
        "consent_decisions": decisions,
        "actions": actions,
        # Emergency access is a personal, time-limited participation: its end is the banner's.
        "emergency": participation if participation and participation.emergency else None,
    }
    return render(request, "coordination/case_detail.html", context)


# The consent service's fields as the "Ny sag" form names them; "consent" (none covers the
# lead unit) is shown on the units the consent covers.
CONSENT_ERRORS = {"guardian": "consent_guardian_name", "consent": "consent_scope_units"}


def _consent_errors(error: ValidationError) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {
            CONSENT_ERRORS.get(field, f"consent_{field}"): errors
            for field, errors in error.error_dict.items()
        }
    )


def _open_case(user: User, data: dict[str, Any]) -> Case:
    """The citizen (created if Samraad did not hold the number), the consent a forum resting
    on consent needs, and the case: all or nothing."""
    with transaction.atomic():
        citizen = citizen_by_cpr(user, data)
        if data["consent"] is not None:
            try:
                services.consent_for_opening(
                    actor=user,
                    citizen=citizen,
                    forum=data["forum"],
                    lead_unit=data["lead_unit"],
                    **data["consent"],
                )
            except ValidationError as error:
                raise _consent_errors(error) from None
        try:
            return services.case_open(
                actor=user,
                citizen=citizen,
                forum=data["forum"],
                lead_unit=data["lead_unit"],
                track=data["track"],
                age_override_reason=data["age_override_reason"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "consent" in error.error_dict:
                raise _consent_errors(error) from None
            raise


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    """Open a case; the citizen is found or created by CPR number, sent only in the POST
    body. With a CPR register the first POST shows the register's name for the number to
    be confirmed and opens nothing; the confirming POST opens the case."""
    user = request_user(request)
    if request.method == "POST":
        access.require_citizen_register(user, "case_new")
    form = CaseOpenForm(request.POST if request.method == "POST" else None, user=user)
    confirm = None
    if request.method == "POST" and form.is_valid():
        confirm = cpr_to_confirm(user, form, "case_new")
        if confirm is None:
            try:
                case = _open_case(user, form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Case %(ref)s opened.") % {"ref": case.reference})
                return redirect("coordination:case_detail", pk=case.pk)
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "confirm": confirm}
    return render(request, "coordination/case_new.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def contact_new(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Registrér kontakt": log one contact attempt; built to work on a phone."""
    return case_form_view(
        request,
        pk,
        action=access.CaseAction.LOG_CONTACT,
        form_class=ContactForm,
        service=services.contact_log,
        template="coordination/contact_new.html",
        done=_("The contact has been logged."),
    )


def _audience_context(user: User, case: Case, form: StyledForm) -> list[access.AudienceOption]:
    data = form.data if form.is_bound else {}
    category = data.get("category") or form.fields["category"].initial or Category.GENERAL
    basis = data.get("legal_basis") or case.forum.default_legal_basis
    consent_id = data.get("consent")
    consent = (
        access.consents_for(user, case).filter(pk=consent_id).first()
        if consent_id and str(consent_id).isdigit()
        else None
    )
    return access.audience_options(case, category=category, legal_basis=basis, consent=consent)


@login_required
@require_http_methods(["GET", "POST"])
def entry_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Share an entry with all participants or named units; the audience picker shows what
    each unit may receive and why a choice is refused."""
    return case_form_view(
        request,
        pk,
        action=access.CaseAction.ADD_ENTRY,
        form_class=EntryForm,
        service=services.entry_share,
        template="coordination/entry_new.html",
        done=_("The entry has been shared."),
        extra=lambda user, case, form: {"options": _audience_context(user, case, form)},
    )


@login_required
@require_POST
def entry_audience(request: HttpRequest, pk: int) -> HttpResponse:
    """The audience picker alone, re-drawn when the category, basis or consent changes."""
    user = request_user(request)
    case = access.get_case(user, pk, access.CaseAction.ADD_ENTRY)
    form = EntryForm(request.POST, user=user, case=case)
    context = {"form": form, "options": _audience_context(user, case, form)}
    return render(request, "coordination/_audience.html", context)


def _participant_rows(user: User, case: Case, form: StyledForm) -> dict[str, object]:
    return {"participants": list(access.participants_for(user, case))}


@login_required
@require_http_methods(["GET", "POST"])
def share_again(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Del tidligere oplysninger": the unit's own earlier content shared with a unit that
    did not receive it (it joined later, or was not named): one disclosure per item, with
    its own basis and justification. `?enhed=<unit id>` chooses the unit to list for."""
    raw = request.GET.get("enhed", "")
    chosen = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None

    def form_class(data: QueryDict | None, *, user: User, case: Case) -> StyledForm:
        unit = access.audience_units(case).filter(pk=chosen).first() if chosen else None
        return ShareAgainForm(data, user=user, case=case, unit=unit)

    return case_form_view(
        request,
        pk,
        action=access.CaseAction.ADD_ENTRY,
        form_class=form_class,
        service=services.content_share_again,
        template="coordination/share_again.html",
        done=_("The content has been shared; the disclosure log names the unit."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def participants(request: HttpRequest, pk: int) -> HttpResponse:
    """Manage the units taking part: add one (unit, basis, categories, validity) or end one."""
    return case_form_view(
        request,
        pk,
        action=access.CaseAction.MANAGE,
        form_class=ParticipantForm,
        service=services.participant_add,
        template="coordination/participants.html",
        done=_("The unit now takes part in the case."),
        then="coordination:participants",
        extra=_participant_rows,
    )


@login_required
@require_POST
def participant_end(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    user = request_user(request)
    case = access.get_case(user, pk, access.CaseAction.MANAGE)
    participant = access.get_participant(user, case, participant_pk)
    try:
        services.participant_end(actor=user, participant=participant)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The unit's access has ended."))
    return redirect("coordination:participants", pk=case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def consent_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Register the citizen's consent: who gave it, which units and categories, until when."""
    return case_form_view(
        request,
        pk,
        action=access.CaseAction.ADD_ENTRY,
        form_class=ConsentForm,
        service=services.consent_register,
        template="coordination/consent_new.html",
        done=_("The consent has been registered."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def consent_decision_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the decision to go on without the citizen's consent (§ 115 forums)."""
    return case_form_view(
        request,
        pk,
        action=access.CaseAction.ADD_ENTRY,
        form_class=ConsentDecisionForm,
        service=services.consent_decision_record,
        template="coordination/consent_decision_new.html",
        done=_("The decision has been recorded."),
    )


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    """Withdraw a consent; entries shared on it are hidden from the next request on."""
    user = request_user(request)
    case = access.get_case(user, pk, access.CaseAction.ADD_ENTRY)
    consent = get_object_or_404(access.consents_for(user, case), pk=consent_pk)
    services.consent_withdraw(actor=user, case=case, consent=consent)
    messages.success(request, _("The consent has been withdrawn."))
    return redirect("coordination:case_detail", pk=case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    return case_form_view(
        request,
        pk,
        action=access.CaseAction.CLOSE,
        form_class=CloseCaseForm,
        service=services.case_close,
        template="coordination/case_close.html",
        done=_("The case has been closed."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def emergency_access(request: HttpRequest) -> HttpResponse:
    """Nødadgang: open a case you cannot see, for a few hours, with a logged reason."""
    user = request_user(request)
    form = EmergencyAccessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        case = Case.objects.filter(pk=form.cleaned_data["reference"]).first()
        try:
            if case is None:
                raise PermissionDenied
            record = services.emergency_access_open(
                actor=user, case=case, reason=form.cleaned_data["reason"]
            )
        except PermissionDenied:
            # The same answer whether the case does not exist or is out of reach.
            audit.record(
                actor=user,
                action=audit.Action.EMERGENCY_ACCESS,
                outcome=audit.Outcome.DENIED,
                detail={"reference": form.cleaned_data["reference"]},
            )
            form.add_error("reference", _("You cannot take emergency access to that case."))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.warning(
                request,
                _("Emergency access until %(time)s. It is logged and will be reviewed.")
                % {"time": timezone.localtime(record.expires_at).strftime("%H:%M")},
            )
            return redirect("coordination:case_detail", pk=record.case_id)
    status = 400 if form.is_bound else 200
    return render(request, "coordination/emergency_access.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def emergency_reviews(request: HttpRequest) -> HttpResponse:
    """The unit lead's review list of emergency accesses taken by the unit's members."""
    user = request_user(request)
    records = access.emergency_reviews_for(user)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        raw = request.POST.get("record", "")
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            raise Http404
        record = get_object_or_404(records, pk=int(raw))
        if form.is_valid():
            services.emergency_access_review(actor=user, record=record, **form.cleaned_data)
            messages.success(request, _("The review has been saved."))
            return redirect("coordination:emergency_reviews")
    rows = list(records.order_by("reviewed_at", "-started_at")[:200])
    audit.record_many(
        [
            audit.build_event(
                actor=user,
                action=audit.Action.LIST,
                obj=row.case,
                detail={"view": "emergency_reviews"},
            )
            for row in rows
        ]
        or [
            audit.build_event(
                actor=user, action=audit.Action.LIST, detail={"view": "emergency_reviews"}
            )
        ]
    )
    status = 400 if form.is_bound else 200
    return render(
        request,
        "coordination/emergency_reviews.html",
        {"records": rows, "form": form},
        status=status,
    )
