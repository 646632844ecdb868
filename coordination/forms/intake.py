"""Forms of the intake (bekymringshenvendelser): record, identify, screen, give feedback.

They validate shape; the services validate meaning (coordination/services.py). A CPR number
is only ever read from a POST body."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit, User
from coordination import access, cpr_register, handles
from coordination.forms.base import (
    CprField,
    StyledForm,
    check_unit_in_forum,
    offer_forums_and_units,
)
from coordination.models import Case, ConcernReport, EffortType, Forum

IDENTIFICATION = ("cpr", "first_name", "last_name", "confirmation")
NAMES = ("first_name", "last_name")


class _Identification(StyledForm):
    """The citizen named by CPR number: found, or registered. With a CPR register there are
    no name fields: the view shows the register's name for confirmation first (the hidden
    `confirmation` then carries a handle of the number); without one, the typed name."""

    cpr = CprField(
        label=_("CPR number"),
        max_length=11,
        required=False,
        help_text=_("DDMMYY-XXXX"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    confirmation = forms.CharField(
        required=False, max_length=handles.MAX_LENGTH, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if cpr_register.configured():
            for name in NAMES:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        names = [name for name in NAMES if name in self.fields]
        if data.get("cpr"):
            for name in names:
                if not (data.get(name) or "").strip() and name not in self.errors:
                    self.add_error(name, _("Give the name when you give the CPR number."))
        elif any(data.get(name) for name in names) and "cpr" not in self.errors:
            self.add_error(
                "cpr", _("A name alone does not identify anyone: give the CPR number too.")
            )
        return data


class ConcernReportForm(_Identification):
    """ "Ny bekymringshenvendelse": what was received, and (optionally) about whom."""

    field_order = [
        "forum",
        "received_by",
        "channel",
        "urgency",
        "reporter",
        "reporter_contact",
        "summary",
        *IDENTIFICATION,
    ]

    forum = forms.ModelChoiceField(
        label=_("Forum"), queryset=Forum.objects.none(), empty_label=_("Choose the forum")
    )
    received_by = forms.ModelChoiceField(
        label=_("Received by"), queryset=Unit.objects.none(), empty_label=_("Choose the unit")
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", _("Choose the channel")), *ConcernReport.Channel.choices],
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=ConcernReport.Urgency.choices,
        widget=forms.RadioSelect,
        help_text=_("Sets the screening deadline: red 24 hours, amber 3 days, green 10 days."),
    )
    reporter = forms.CharField(
        label=_("Reporter"),
        max_length=200,
        required=False,
        help_text=_("Who raised the concern; they hear back after the screening."),
    )
    reporter_contact = forms.CharField(
        label=_("Reporter's contact"), max_length=200, required=False
    )
    summary = forms.CharField(
        label=_("The concern"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Anonymised until the citizen is identified: no name here"),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_forums_and_units(self, user, "received_by")

    def report_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in IDENTIFICATION]

    def identification_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in IDENTIFICATION if name in self.fields]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        check_unit_in_forum(self, data, "received_by")
        return data


class IdentifyForm(_Identification):
    """Name the citizen an anonymised concern is about."""

    def __init__(self, *args: Any, user: User, report: ConcernReport, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("cpr", *NAMES):
            if name in self.fields:
                self.fields[name].required = True


class _CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.reference} · {obj.forum.name}"


class ScreeningForm(StyledForm):
    """The screening decision and what it needs: a lead unit and track for a new case, the
    existing case, or the recipient of a forwarded concern."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=ConcernReport.Decision.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Reasoning"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    lead_unit = forms.ModelChoiceField(
        label=_("Lead unit"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("Choose the lead unit"),
        help_text=_("When a case is opened: the unit that leads it."),
    )
    track = forms.ChoiceField(
        label=_("Track"),
        choices=Case.Track.choices,
        required=False,
        help_text=_("Knock Knock: 15-17 or 18-25."),
    )
    age_override_reason = forms.CharField(
        label=_("Reason for age-band override"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only needed when the citizen is outside the forum's age band or track."),
    )
    case = _CaseChoiceField(
        label=_("Existing case"),
        queryset=Case.objects.none(),
        required=False,
        empty_label=_("Choose the case"),
        help_text=_("When the concern is added to an existing case of the citizen."),
    )
    forwarded_to = forms.CharField(
        label=_("Forwarded to"),
        max_length=200,
        required=False,
        help_text=_("When the concern is forwarded: the authority that received it."),
    )

    def __init__(self, *args: Any, user: User, report: ConcernReport, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = access.units_for_opening(user, report.forum)
        self.fields["lead_unit"].queryset = units  # type: ignore[attr-defined]
        if len(choices := list(units[:2])) == 1:
            self.fields["lead_unit"].initial = choices[0].pk
        self.fields["case"].queryset = (  # type: ignore[attr-defined]
            access.cases_for(user, access.CaseAction.LOG_CONTACT)
            .open()
            .filter(citizen=report.citizen_id)
            .select_related("forum")
            .order_by("pk")
            if report.citizen_id is not None
            else Case.objects.none()
        )
        if report.forum.effort_type != EffortType.KNOCK_KNOCK:
            del self.fields["track"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data.setdefault("track", "")
        return data


class FeedbackForm(StyledForm):
    """What the reporter was told (the outcome, not the citizen's details)."""

    note = forms.CharField(
        label=_("What the reporter was told"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text=_("The outcome only: no details about the citizen."),
    )

    def __init__(self, *args: Any, user: User, report: ConcernReport, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
