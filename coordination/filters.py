"""FilterSets shared by the HTML lists and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from coordination import access
from coordination.forms.base import CprField, StyledForm
from coordination.models import AuditEvent, Case, Citizen, Forum
from coordination.querysets import REFERENCE_RE


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        max_length=100,
        help_text=_("Name or case reference"),
    )
    forum = django_filters.ModelChoiceFilter(
        label=_("Forum"), queryset=Forum.objects.none(), empty_label=_("All forums")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Case.Status.choices, empty_label=_("All statuses")
    )

    class Meta:
        model = Case
        fields = ["q", "forum", "status"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The forums of the user's units (not derived from the case list: that would run
        # the permission filter a second time).
        self.filters["forum"].queryset = access.forums_for(user)

    def filter_search(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return queryset.search(value)  # type: ignore[attr-defined,no-any-return]


class MomentField(forms.CharField):
    """A date (2026-11-27) or an ISO 8601 time with offset; a date means its local midnight."""

    def to_python(self, value: Any) -> dt.datetime | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        try:
            moment = parse_datetime(text)
            day = None if moment else parse_date(text)
        except ValueError:
            moment = day = None
        if moment is None and day is None:
            raise ValidationError(
                _("Give a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM+01:00)."), code="invalid"
            )
        if moment is None:
            assert day is not None  # noqa: S101 (narrowing only)
            moment = dt.datetime.combine(day, dt.time.min)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment


class MomentFilter(django_filters.Filter):
    field_class = MomentField


class CaseReferenceField(forms.CharField):
    """A case reference (SAG-000042, or just 42), as the case's id."""

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        match = REFERENCE_RE.match(text) if len(text) <= 20 else None
        if not match:
            raise ValidationError(_("Give a case reference such as SAG-000042."), code="invalid")
        return int(match.group(1))


class CaseReferenceFilter(django_filters.Filter):
    field_class = CaseReferenceField


class CprFilter(django_filters.Filter):
    field_class = CprField


class AuditEventFilter(django_filters.FilterSet):
    """The auditor's filters: user, case, action, outcome, period and (by CPR) citizen."""

    user = django_filters.CharFilter(
        label=_("User"), method="filter_user", max_length=150, help_text=_("Username or user id")
    )
    case = CaseReferenceFilter(
        label=_("Case"), field_name="case_id", help_text=_("SAG-000042 or 42")
    )
    action = django_filters.ChoiceFilter(
        label=_("Action"), choices=AuditEvent.Action.choices, empty_label=_("All actions")
    )
    outcome = django_filters.ChoiceFilter(
        label=_("Outcome"), choices=AuditEvent.Outcome.choices, empty_label=_("All outcomes")
    )
    since = MomentFilter(label=_("From"), method="filter_since")
    until = MomentFilter(
        label=_("To"), method="filter_until", help_text=_("A date includes the whole day")
    )
    cpr = CprFilter(label=_("Citizen's CPR number"), method="filter_cpr")

    class Meta:
        model = AuditEvent
        fields = ["user", "case", "action", "outcome", "since", "until", "cpr"]
        form = StyledForm

    def filter_user(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> Any:
        value = value.strip()
        if value.isascii() and value.isdigit() and len(value) <= 18:
            return queryset.filter(actor_id=int(value))
        return queryset.filter(actor_username=value)

    def filter_since(self, queryset: QuerySet[AuditEvent], name: str, value: dt.datetime) -> Any:
        return queryset.filter(occurred_at__gte=value)

    def filter_until(self, queryset: QuerySet[AuditEvent], name: str, value: dt.datetime) -> Any:
        raw = str(self.data.get("until", "")).strip()
        if parse_date(raw) is not None and "T" not in raw:
            value += dt.timedelta(days=1)  # a date includes its whole day
        return queryset.filter(occurred_at__lt=value)

    def criterion(self) -> dict[str, str]:
        """The search criterion as the audit log records it: the fields used, with a CPR
        number replaced by the citizen it found (a CPR number never enters the log)."""
        data = self.form.cleaned_data if self.is_bound and self.is_valid() else {}
        used = {k: str(v) for k, v in data.items() if k != "cpr" and v not in (None, "")}
        if data.get("cpr"):
            found = Citizen.objects.by_cpr(data["cpr"]).values_list("pk", flat=True).first()
            used["cpr"] = f"citizen:{found}" if found else "no match"
        return used

    def filter_cpr(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> Any:
        # `=` one id, not `IN`: PostgreSQL then walks (citizen, -occurred_at) for the first
        # page instead of sorting all of a busy citizen's events (benchmarks/audit.py).
        return queryset.filter(citizen_id=Subquery(Citizen.objects.by_cpr(value).values("pk")[:1]))
