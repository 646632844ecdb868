"""Forms of the auditors' pages: review samples and the citizen insight report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coordination.forms.base import (
    CprField,
    StyledForm,
)
from coordination.models import (
    AuditEvent,
    AuditSampleItem,
    Citizen,
)


class SampleDrawForm(StyledForm):
    period_start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *AuditEvent.Action.choices],
    )
    size = forms.IntegerField(label=_("Number of events"), min_value=1, max_value=100, initial=20)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["period_start"].initial = today - dt.timedelta(days=30)
        self.fields["period_end"].initial = today


class SampleConclusionForm(StyledForm):
    conclusion = forms.ChoiceField(
        label=_("Conclusion"),
        choices=[
            c
            for c in AuditSampleItem.Conclusion.choices
            if c[0] != AuditSampleItem.Conclusion.PENDING
        ],
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required unless the access was justified."),
    )


class InsightForm(StyledForm):
    """The citizen insight report: the CPR number only ever travels in this POST body."""

    cpr = CprField(label=_("Citizen's CPR number"), max_length=11, help_text=_("DDMMYY-XXXX"))
    reference = forms.CharField(
        label=_("Request reference"),
        max_length=100,
        required=False,
        help_text=_("E.g. the journal number of the citizen's request"),
    )
    include_staff = forms.BooleanField(
        label=_("Include staff names"),
        required=False,
        help_text=_("Only when it is needed for the citizen's rights (C-579/21)."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        digits = data.get("cpr")
        if digits:
            citizen = Citizen.objects.by_cpr(digits).first()
            if citizen is None:
                self.add_error("cpr", _("No citizen with this CPR number is registered."))
            data["citizen"] = citizen
        return data
