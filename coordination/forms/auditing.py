"""Forms of the auditors' pages: review samples, the citizen insight report and the items
withheld from it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from coordination.forms.base import (
    CprField,
    DateInput,
    StyledForm,
)
from coordination.models import (
    AuditEvent,
    AuditSampleItem,
    Citizen,
)
from coordination.services.auditing import INSIGHT_REASONING_MAX_LENGTH

# The insight report's own forms (print, PDF, withhold an item) name the citizen by a token
# signed for the auditor who typed the CPR number, never by the number itself (it is not
# on the page) nor by a bare id (the report is opened by the number).
INSIGHT_SUBJECT_SALT = "coordination.insight.subject"
INSIGHT_SUBJECT_MAX_AGE = 2 * 60 * 60


def insight_subject(user: User, citizen: Citizen) -> str:
    """The token naming `citizen` in the report's forms, for `user` only, for two hours."""
    return signing.dumps({"c": citizen.pk, "u": user.pk}, salt=INSIGHT_SUBJECT_SALT)


class SampleDrawForm(StyledForm):
    period_start = forms.DateField(label=_("From"), widget=DateInput)
    period_end = forms.DateField(label=_("To"), widget=DateInput)
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
    """The citizen insight report: the CPR number only ever travels in this POST body; the
    report's own forms send the signed `subject` instead."""

    cpr = CprField(
        label=_("Citizen's CPR number"), max_length=11, required=False, help_text=_("DDMMYY-XXXX")
    )
    subject = forms.CharField(widget=forms.HiddenInput, required=False, max_length=300)
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
    include_content = forms.BooleanField(
        label=_("Include the content"),
        required=False,
        help_text=_(
            "The texts themselves (entries, notes, discussions, decisions). "
            "Without it the report says what is held, not what it says."
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        # Required unless the report's own form names the citizen by its token.
        self.fields["cpr"].required = not (self.data.get("subject") if self.is_bound else "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("subject"):
            data["citizen"] = self._subject(data["subject"])
            if data["citizen"] is not None:
                return data
            del data["citizen"]
            if not data.get("cpr"):
                self.add_error(None, _("The report has expired: type the CPR number again."))
                return data
        digits = data.get("cpr")
        if digits:
            citizen = Citizen.objects.by_cpr(digits).first()
            if citizen is None:
                self.add_error("cpr", _("No citizen with this CPR number is registered."))
            data["citizen"] = citizen
        return data

    def _subject(self, token: str) -> Citizen | None:
        try:
            payload = signing.loads(
                token, salt=INSIGHT_SUBJECT_SALT, max_age=INSIGHT_SUBJECT_MAX_AGE
            )
        except signing.BadSignature:
            return None
        if not isinstance(payload, dict) or payload.get("u") != self.user.pk:
            return None
        citizen_pk = payload.get("c")
        if not isinstance(citizen_pk, int):
            return None
        return Citizen.objects.filter(pk=citizen_pk).first()

    def criterion(self) -> dict[str, str]:
        """What the look-up was, for the log of a refused report: never the number typed."""
        if not self.is_bound:
            return {}
        data = getattr(self, "cleaned_data", {})
        if data.get("subject") and not data.get("cpr"):
            return {"subject": "expired"}
        # clean() sets "citizen" (None when no one matches) only for a well-formed number.
        return {"cpr": "no match" if "citizen" in data else "invalid"}

    def options(self) -> list[tuple[str, str]]:
        """The report's options as hidden fields for its own forms (the CPR number not)."""
        data = self.cleaned_data
        pairs = [("reference", data.get("reference") or "")]
        pairs += [(name, "on") for name in ("include_staff", "include_content") if data.get(name)]
        return [(name, value) for name, value in pairs if value]


class InsightExceptionForm(StyledForm):
    """Withhold one item of the report from the citizen's document, with the reasoning."""

    item = forms.CharField(label=_("Item"), widget=forms.HiddenInput, max_length=100)
    reasoning = forms.CharField(
        label=_("Reasoning"),
        max_length=INSIGHT_REASONING_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Why the citizen's right of access gives way for this item "
            "(databeskyttelsesloven § 22), e.g. an ongoing police matter."
        ),
    )

    def clean_item(self) -> str:
        value = str(self.cleaned_data.get("item") or "")
        kind, _sep, pk = value.partition(":")
        if not (kind and pk.isascii() and pk.isdigit() and len(pk) <= 18):
            raise forms.ValidationError(_("Choose an item of the report."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("item"):
            kind, _sep, pk = data["item"].partition(":")
            data["kind"], data["object_id"] = kind, int(pk)
        return data
