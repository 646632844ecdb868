"""The auditors' pages (persona `revisor`): the log, its export, anomaly reports, review
samples and the citizen insight report. Auditors read the log, never case content.

Every page is itself audited (purpose `audit:…`): one event per citizen it shows, or one
event without a citizen when it shows none; a CPR search records the citizen found, never
the number typed."""

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
from coordination.forms.auditing import InsightForm, SampleConclusionForm, SampleDrawForm
from coordination.forms.base import StyledForm, apply_service_errors
from coordination.models import AuditEvent, AuditSampleItem
from coordination.views.base import request_user

LOG_PAGE_SIZE = 50
EXPORT_MAX_ROWS = 100_000
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
    }
    return render(request, template, context, status=status)


def _csv_cell(value: Any) -> str:
    # A cell starting with = + - @ would be a formula in a spreadsheet (CSV injection).
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


@login_required
@require_POST
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered log as CSV (an export: audited, with its criterion and size)."""
    user = request_user(request)
    filterset, events, status = _filtered(request, user)
    if status != 200:
        return render(request, "coordination/audit/log.html", {"filter": filterset}, status=400)
    rows = list(events[:EXPORT_MAX_ROWS])
    audit.record_shown(
        user,
        audit.Action.EXPORT,
        (e.citizen_id for e in rows),
        purpose="audit:export",
        detail={"view": "audit_export", "criterion": filterset.criterion(), "rows": len(rows)},
    )
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


@login_required
@require_http_methods(["GET", "POST"])
def audit_insight(request: HttpRequest) -> HttpResponse:
    """The citizen insight report (sharing-rules.md 7): what is held, who received what on which
    basis, and the dates and purposes of every look-up; staff names only if chosen."""
    user = request_user(request)
    events = access.audit_events_for(user)
    form = InsightForm(request.POST if request.method == "POST" else None)
    if request.method != "POST" or not form.is_valid():
        # The form alone, or a CPR number that is invalid or matches no one: still a look-up.
        criterion = {}
        if form.is_bound:
            # clean() sets "citizen" (None when no one matches) only for a well-formed number.
            matched = "citizen" in getattr(form, "cleaned_data", {})
            criterion["cpr"] = "no match" if matched else "invalid"
        audit.record_shown(
            user,
            audit.Action.SEARCH if form.is_bound else audit.Action.VIEW,
            (),
            purpose="audit:insight",
            detail={"view": "audit_insight", "criterion": criterion},
        )
        status = 400 if form.is_bound else 200
        template = "coordination/audit/insight_form.html"
        return render(request, template, {"form": form}, status=status)
    citizen = form.cleaned_data["citizen"]
    report = reports.insight(events, citizen, include_staff=form.cleaned_data["include_staff"])
    as_pdf = request.POST.get("format") == "pdf"
    # Viewing the printable page is a print view; the PDF is an export (sharing-rules.md 3/5).
    audit.record(
        actor=user,
        action=audit.Action.EXPORT if as_pdf else audit.Action.PRINT,
        citizen_id=citizen.pk,
        purpose="audit:insight",
        detail={
            "view": "audit_insight",
            "format": "pdf" if as_pdf else "html",
            "include_staff": report.include_staff,
            "reference": form.cleaned_data["reference"],
            "lookups": len(report.lookups),
        },
    )
    context = {"report": report, "reference": form.cleaned_data["reference"]}
    if as_pdf:
        return _pdf(request, "coordination/audit/insight_document.html", context)
    return render(request, "coordination/audit/insight.html", context)


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
