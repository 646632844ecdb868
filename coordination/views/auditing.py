"""The auditors' pages (persona `revisor`): the log, its export, anomaly reports, review
samples and the citizen insight report. Auditors read the log, never case content.

Every page is itself audited (purpose `audit:…`): one event per citizen it shows, or one
event without a citizen when it shows none; a CPR search records the citizen found, never
the number typed. The CSV export, the printed insight report and its PDF are disclosures
(services.disclosures): they name the recipient, the basis and a justification."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from coordination import access, audit, reports, services
from coordination.filters import AuditEventFilter
from coordination.forms.auditing import (
    InsightExceptionForm,
    InsightForm,
    SampleConclusionForm,
    SampleDrawForm,
    insight_subject,
)
from coordination.forms.base import StyledForm, apply_service_errors
from coordination.forms.disclosures import DisclosureForm
from coordination.models import AuditEvent, AuditSampleItem, Citizen, LegalBasis
from coordination.views.base import request_user

LOG_PAGE_SIZE = 50
EXPORT_MAX_ROWS = 100_000
DISCLOSURE_FIELDS = ("recipient", "legal_basis", "justification")
ANOMALY_DEFAULT_DAYS = 30


def _filtered(request: HttpRequest, user: User) -> tuple[AuditEventFilter, Any, int]:
    data: QueryDict | None = request.POST if request.method == "POST" else None
    events = access.audit_events_for(user)
    filterset = AuditEventFilter(data, queryset=events.for_log())
    valid = data is None or filterset.is_valid()
    return filterset, (filterset.qs if valid else events.none()), 200 if valid else 400


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _token(event: AuditEvent) -> str:
    """The "show more" position after `event`: its time (µs since 1970) and id."""
    return f"{(event.occurred_at - _EPOCH) // dt.timedelta(microseconds=1)}-{event.pk}"


def _position(token: str) -> tuple[dt.datetime, int] | None:
    micros, _sep, pk = token.partition("-")
    if not (micros.isascii() and micros.isdigit() and pk.isascii() and pk.isdigit()):
        return None
    if len(micros) > 17 or len(pk) > 18:
        return None
    return _EPOCH + dt.timedelta(microseconds=int(micros)), int(pk)


@login_required
@require_http_methods(["GET", "POST"])
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, filtered by user, case, action, period or (by a CPR
    number in the POST body) citizen; "show more" pages by id, without counting."""
    user = request_user(request)
    filterset, events, status = _filtered(request, user)
    position = _position(request.POST.get("before", ""))
    if position is not None:
        events = events.before(*position)
    rows = list(events[: LOG_PAGE_SIZE + 1])
    has_more, rows = len(rows) > LOG_PAGE_SIZE, rows[:LOG_PAGE_SIZE]
    criterion = filterset.criterion()
    audit.record_shown(
        user,
        audit.Action.SEARCH if criterion else audit.Action.LIST,
        (e.citizen_id for e in rows),
        purpose="audit:log",
        detail={"view": "audit_log", "criterion": criterion, "events": [e.pk for e in rows]},
    )
    partial = bool(request.htmx)  # type: ignore[attr-defined]
    template = f"coordination/audit/{'_log_rows' if partial else 'log'}.html"
    context = {
        "filter": filterset,
        "events": rows,
        "has_more": has_more,
        "next_before": _token(rows[-1]) if rows else None,
        # The export's questions, keeping what was typed when the search is run again.
        "disclosure": DisclosureForm(
            document=services.Document.AUDIT_LOG,
            initial={k: request.POST[k] for k in DISCLOSURE_FIELDS if k in request.POST},
        ),
    }
    return render(request, template, context, status=status)


def _csv_cell(value: Any) -> str:
    # A cell starting with = + - @ would be a formula in a spreadsheet (CSV injection).
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


@login_required
@require_POST
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered log as CSV: a disclosure to the recipient named in the form, logged per
    citizen it holds with its criterion and size (sharing-rules.md 5)."""
    user = request_user(request)
    filterset, events, status = _filtered(request, user)
    disclosure = DisclosureForm(request.POST, document=services.Document.AUDIT_LOG)
    rows: list[AuditEvent] = []
    if status == 200 and disclosure.is_valid():
        rows = list(events[:EXPORT_MAX_ROWS])
        try:
            services.disclosures_record(
                actor=user,
                document=services.Document.AUDIT_LOG,
                channel=services.Channel.CSV,
                citizen_ids=(e.citizen_id for e in rows),
                detail={
                    "view": "audit_export",
                    "criterion": filterset.criterion(),
                    "rows": len(rows),
                },
                **disclosure.cleaned_data,
            )
        except ValidationError as error:
            apply_service_errors(disclosure, error)
    if status != 200 or not disclosure.is_valid():
        context = {"filter": filterset, "disclosure": disclosure, "export_failed": True}
        return render(request, "coordination/audit/log.html", context, status=400)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="revisionslog-{stamp}.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 only with a byte-order mark
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            "id", "time", "user", "unit", "action", "outcome", "object_type", "object_id",
            "case", "citizen", "categories", "purpose", "legal_basis", "request_id", "ip",
        ]
    )  # fmt: skip
    for e in rows:
        writer.writerow(
            _csv_cell(v)
            for v in (
                e.pk, timezone.localtime(e.occurred_at).isoformat(), e.actor_username,
                e.actor_unit.name if e.actor_unit else "", e.action, e.outcome, e.object_type,
                e.object_id, e.case_id, e.citizen_id, ",".join(e.categories), e.purpose,
                e.legal_basis, e.request_id, e.ip,
            )
        )  # fmt: skip
    return response


def _day(raw: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def _chart(per_day: list[dict[str, Any]], first: dt.date, last: dt.date) -> dict[str, Any]:
    """Bars for the events-per-day chart (every day of the period, empty days too), drawn as
    inline SVG by the template."""
    height, width = 120, 12
    counts = {d["day"]: d for d in per_day}
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    peak = max((d["reads"] + d["denied"] for d in per_day), default=0) or 1
    bars = []
    for index, day in enumerate(days):
        row = counts.get(day, {"reads": 0, "denied": 0})
        reads = round(height * row["reads"] / peak)
        denied = round(height * row["denied"] / peak)
        bars.append({"x": index * (width + 2), "day": day, "reads": row["reads"],
                     "denied": row["denied"], "reads_h": reads, "denied_h": denied,
                     "reads_y": height - reads, "denied_y": height - reads - denied})  # fmt: skip
    return {"bars": bars, "height": height, "width": max(len(bars) * (width + 2), 1), "peak": peak}


@login_required
@require_http_methods(["GET"])
def audit_anomalies(request: HttpRequest) -> HttpResponse:
    """Anomaly reports for a period: many citizens outside one's own cases in a day, access
    outside working hours, emergency access, exports and failed logins."""
    user = request_user(request)
    events = access.audit_events_for(user)
    today = timezone.localdate()
    until_day = _day(request.GET.get("til"), today)
    since_day = _day(request.GET.get("fra"), until_day - dt.timedelta(days=ANOMALY_DEFAULT_DAYS))
    if since_day > until_day:
        since_day, until_day = until_day, since_day
    zone = timezone.get_current_timezone()
    since = dt.datetime.combine(since_day, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(until_day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    report = reports.anomalies(events, since=since, until=until)
    audit.record_shown(
        user,
        audit.Action.VIEW,
        report.citizen_ids,
        purpose="audit:anomalies",
        detail={"view": "audit_anomalies", "period": [str(since_day), str(until_day)]},
    )
    context = {
        "report": report,
        "since_day": since_day,
        "until_day": until_day,
        "chart": _chart(report.per_day, since_day, until_day),
        "threshold": settings.AUDIT_ANOMALY_CITIZENS_PER_DAY,
    }
    return render(request, "coordination/audit/anomalies.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def audit_samples(request: HttpRequest) -> HttpResponse:
    """Review samples (stikprøver): draw a new one, or open one drawn before."""
    user = request_user(request)
    samples = access.audit_samples_for(user)
    form = SampleDrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            sample = services.audit_sample_draw(actor=user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(n)d events were drawn for review.") % {"n": sample.size})
            return redirect("coordination:audit_sample", pk=sample.pk)
    rows = list(samples[:100])
    audit.record_shown(
        user,
        audit.Action.LIST,
        (),
        purpose="audit:sample",
        detail={"view": "audit_samples", "samples": [s.pk for s in rows]},
    )
    status = 400 if form.is_bound else 200
    return render(
        request, "coordination/audit/samples.html", {"samples": rows, "form": form}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def audit_sample(request: HttpRequest, pk: int) -> HttpResponse:
    """One sample: each drawn event, with the reviewer's conclusion or a form for it."""
    user = request_user(request)
    sample = get_object_or_404(access.audit_samples_for(user), pk=pk)
    items = list(AuditSampleItem.objects.filter(sample=sample).select_related("reviewed_by"))
    events = {
        e.pk: e
        for e in AuditEvent.objects.filter(pk__in=[i.event_id for i in items]).select_related(
            "actor_unit"
        )
    }
    form: StyledForm | None = None
    if request.method == "POST":
        raw_item = request.POST.get("item", "")
        if not (raw_item.isascii() and raw_item.isdigit() and len(raw_item) <= 18):
            raise Http404
        item = get_object_or_404(AuditSampleItem, sample=sample, pk=int(raw_item))
        form = SampleConclusionForm(request.POST)
        if form.is_valid():
            try:
                services.audit_sample_conclude(actor=user, item=item, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The conclusion has been recorded."))
                return redirect("coordination:audit_sample", pk=sample.pk)
        form.item_pk = item.pk  # type: ignore[attr-defined]
    for item in items:
        item.event = events.get(item.event_id)  # type: ignore[assignment]  # None when purged
    audit.record_shown(
        user,
        audit.Action.VIEW,
        (e.citizen_id for e in events.values()),
        purpose="audit:sample",
        detail={"view": "audit_sample", "sample": sample.pk, "events": sorted(events)},
    )
    context = {
        "sample": sample,
        "items": items,
        "form": form,
        "blank_form": SampleConclusionForm(),
        "reviewed": sum(1 for i in items if i.reviewed_at),
    }
    return render(
        request,
        "coordination/audit/sample.html",
        context,
        status=400 if form is not None else 200,
    )


def _insight_refused(request: HttpRequest, user: User, form: InsightForm) -> HttpResponse:
    """The form alone, or a CPR number that is invalid or matches no one (or a report's
    token that expired): still a look-up, logged with what it was, never the number."""
    audit.record_shown(
        user,
        audit.Action.SEARCH if form.is_bound else audit.Action.VIEW,
        (),
        purpose="audit:insight",
        detail={"view": "audit_insight", "criterion": form.criterion()},
    )
    status = 400 if form.is_bound else 200
    return render(request, "coordination/audit/insight_form.html", {"form": form}, status=status)


def _insight_detail(form: InsightForm, report: reports.Insight) -> dict[str, Any]:
    return {
        "view": "audit_insight",
        "include_staff": report.include_staff,
        "include_content": report.include_content,
        "reference": form.cleaned_data["reference"],
        "lookups": len(report.lookups),
        "withheld": report.withheld_count,
    }


def _insight_review(
    request: HttpRequest,
    user: User,
    form: InsightForm,
    report: reports.Insight,
    *,
    disclosure: DisclosureForm | None = None,
    exception_form: InsightExceptionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The auditor's own view of the report: every item, the withheld ones with their
    reasoning, a form per item to withhold it, and the form to print it or make the PDF
    (a disclosure). Viewing it is a look-up of the citizen's data, not a disclosure."""
    audit.record(
        actor=user,
        action=audit.Action.VIEW,
        citizen_id=report.citizen.pk,
        purpose="audit:insight",
        detail=_insight_detail(form, report),
    )
    context = {
        "report": report,
        "reference": form.cleaned_data["reference"],
        "review": True,
        "subject": insight_subject(user, report.citizen),
        "options": form.options(),
        "disclosure": disclosure or DisclosureForm(document=services.Document.INSIGHT),
        "exception_form": exception_form,
    }
    return render(request, "coordination/audit/insight.html", context, status=status)


def _insight_report(user: User, form: InsightForm, citizen: Citizen) -> reports.Insight:
    return reports.insight(
        access.audit_events_for(user),
        citizen,
        include_staff=form.cleaned_data["include_staff"],
        include_content=form.cleaned_data["include_content"],
    )


@login_required
@require_http_methods(["GET", "POST"])
def audit_insight(request: HttpRequest) -> HttpResponse:
    """The citizen insight report (sharing-rules.md 7): what is held, who wrote it, who
    received what on which basis, what was printed or exported, and the dates and purposes
    of every look-up; staff names and the texts only if chosen. The auditor reviews it
    here; printing it or making the PDF is a disclosure (recipient, basis, justification),
    which leaves the withheld items out."""
    user = request_user(request)
    access.require_auditor(user, "audit_insight")
    form = InsightForm(request.POST if request.method == "POST" else None, user=user)
    if request.method != "POST" or not form.is_valid():
        return _insight_refused(request, user, form)
    report = _insight_report(user, form, form.cleaned_data["citizen"])
    channel = request.POST.get("format", "")
    if channel not in (services.Channel.PRINT, services.Channel.PDF):
        return _insight_review(request, user, form, report)
    disclosure = DisclosureForm(request.POST, document=services.Document.INSIGHT)
    document = report.for_document()
    if disclosure.is_valid():
        try:
            services.disclosure_record(
                actor=user,
                document=services.Document.INSIGHT,
                channel=channel,
                citizen_id=report.citizen.pk,
                categories=document.categories,
                detail=_insight_detail(form, report),
                **disclosure.cleaned_data,
            )
        except ValidationError as error:
            apply_service_errors(disclosure, error)
        else:
            context = {
                "report": document,
                "reference": form.cleaned_data["reference"],
                "disclosed": disclosure.cleaned_data,
                "basis_label": LegalBasis(disclosure.cleaned_data["legal_basis"]).label,
            }
            if channel == services.Channel.PDF:
                return _pdf(request, "coordination/audit/insight_document.html", context)
            return render(request, "coordination/audit/insight_print.html", context)
    return _insight_review(request, user, form, report, disclosure=disclosure, status=400)


@login_required
@require_POST
def audit_insight_exception(request: HttpRequest) -> HttpResponse:
    """Withhold one item of the report from the citizen's document (databeskyttelsesloven
    § 22), with the auditor's reasoning; the report is shown again with it."""
    user = request_user(request)
    access.require_auditor(user, "audit_insight_exception")
    form = InsightForm(request.POST, user=user)
    if not form.is_valid():
        return _insight_refused(request, user, form)
    citizen = form.cleaned_data["citizen"]
    exception_form = InsightExceptionForm(request.POST)
    done = False
    if exception_form.is_valid():
        data = exception_form.cleaned_data
        try:
            services.insight_exception_add(
                actor=user,
                citizen=citizen,
                kind=data["kind"],
                object_id=data["object_id"],
                reasoning=data["reasoning"],
            )
        except ValidationError as error:
            apply_service_errors(exception_form, error)
        else:
            done = True
            messages.success(request, _("The item is withheld from the citizen's document."))
    report = _insight_report(user, form, citizen)
    if done:
        return _insight_review(request, user, form, report)
    return _insight_review(request, user, form, report, exception_form=exception_form, status=400)


def _pdf(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render a template to PDF with WeasyPrint (imported here: it loads Pango)."""
    import weasyprint

    html = render_to_string(template, context, request=request)
    stylesheet = finders.find("css/insight-document.css")
    document = weasyprint.HTML(string=html).write_pdf(
        stylesheets=[weasyprint.CSS(filename=stylesheet)] if stylesheet else []
    )
    response = HttpResponse(document, content_type="application/pdf")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    # No name or CPR number in the file name: it ends up in download folders and logs.
    response["Content-Disposition"] = f'attachment; filename="indsigtsrapport-{stamp}.pdf"'
    return response
