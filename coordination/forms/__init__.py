"""Forms of the coordination UI. They validate shape; the services validate meaning."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit, User
from coordination import access, cpr, policy, services, workflows
from coordination.models import (
    Action,
    AuditEvent,
    AuditSampleItem,
    Case,
    CaseParticipant,
    Category,
    Citizen,
    Consent,
    ConsentDecision,
    Contact,
    Forum,
    LegalBasis,
    RelatedPerson,
)


class StyledForm(forms.Form):
    """Gives widgets the classes and ARIA attributes of Det Fælles Designsystem."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                css = "form-checkbox"
            elif isinstance(widget, forms.RadioSelect):
                css = "form-radio"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-input"
            widget.attrs.setdefault("class", css)
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{name}-hint"

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["aria-invalid"] = "true"
                described = widget.attrs.get("aria-describedby", "")
                widget.attrs["aria-describedby"] = f"{described} id_{name}-error".strip()


class CprField(forms.CharField):
    """A CPR number, normalised to ten digits (only ever read from a POST body)."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return cpr.normalise(text) if text else ""


def offer_forums_and_units(form: forms.Form, user: User, unit_field: str) -> None:
    """Limit `forum` to the forums `user` works in and `unit_field` to their units there,
    each preselected when there is only one (opening a case, recording a concern,
    scheduling a meeting)."""
    for name, choices in (
        ("forum", access.forums_for_opening(user).order_by("name")),
        (unit_field, access.units_for_opening(user).order_by("name")),
    ):
        form.fields[name].queryset = choices  # type: ignore[attr-defined]
        if len(first_two := list(choices[:2])) == 1:
            form.fields[name].initial = first_two[0].pk


def check_unit_in_forum(form: forms.Form, data: dict[str, Any], unit_field: str) -> None:
    """The chosen unit must be a member of the chosen forum (a form error on the unit)."""
    forum, unit = data.get("forum"), data.get(unit_field)
    if forum and unit and not forum.member_units.filter(pk=unit.pk).exists():
        form.add_error(unit_field, _("The unit is not a member of the chosen forum."))


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where the form has one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class CaseOpenForm(StyledForm):
    cpr = forms.CharField(
        label=_("CPR number"),
        max_length=11,
        help_text=_("DDMMYY-XXXX"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    forum = forms.ModelChoiceField(label=_("Forum"), queryset=Forum.objects.none())
    lead_unit = forms.ModelChoiceField(label=_("Lead unit"), queryset=Unit.objects.none())
    track = forms.ChoiceField(label=_("Track"), choices=Case.Track.choices, required=False)
    age_override_reason = forms.CharField(
        label=_("Reason for age-band override"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only needed when the citizen is outside the forum's age band."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_forums_and_units(self, user, "lead_unit")

    def clean_cpr(self) -> str:
        return cpr.normalise(self.cleaned_data["cpr"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_unit_in_forum(self, data, "lead_unit")
        return data


class ContactForm(StyledForm):
    occurred_at = forms.DateTimeField(
        label=_("Time of contact"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Contact.Kind.choices)
    result = forms.ChoiceField(
        label=_("Result"), choices=[("", _("Choose the result")), *Contact.Result.choices]
    )
    partner = forms.ModelChoiceField(
        label=_("Together with"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )
    related_person = forms.ModelChoiceField(
        label=_("With guardian or related person"),
        queryset=RelatedPerson.objects.none(),
        required=False,
        empty_label=_("The citizen"),
    )
    note = forms.CharField(
        label=_("Short note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text=_("No sensitive details here: write an entry for those."),
    )

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        units = CaseParticipant.objects.active().filter(case=case).values("unit")
        self.fields["partner"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True, memberships__unit__in=units)
            .exclude(pk=user.pk)
            .distinct()
            .order_by("first_name", "last_name")
        )
        self.fields["related_person"].queryset = case.citizen.related_persons.all()  # type: ignore[attr-defined]


class EntryForm(StyledForm):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    audience = forms.ModelMultipleChoiceField(
        label=_("Recipients"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to share with all participants."),
    )
    consent = forms.ModelChoiceField(
        label=_("Consent"),
        queryset=Consent.objects.none(),
        required=False,
        empty_label=_("No consent"),
        help_text=_("Needed for consent-based legal bases."),
    )
    deciding_professional = forms.ModelChoiceField(
        label=_("Deciding health professional"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
        help_text=_("Needed for sundhedsloven § 43, stk. 2, nr. 2; the patient is told later."),
    )
    justification = forms.CharField(
        label=_("Why is sharing necessary?"), widget=forms.Textarea(attrs={"rows": 2})
    )
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["legal_basis"].initial = case.forum.default_legal_basis
        self.fields["audience"].queryset = access.audience_units(case)  # type: ignore[attr-defined]
        self.fields["consent"].queryset = Consent.objects.active().filter(  # type: ignore[attr-defined]
            citizen=case.citizen_id, forum=case.forum_id
        )
        self.fields["deciding_professional"].queryset = access.health_professionals(case)  # type: ignore[attr-defined]


class ParticipantForm(StyledForm):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (r.value, r.label) for r in CaseParticipant.Role if r != CaseParticipant.Role.LEAD
        ],
    )
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=[])
    categories = forms.MultipleChoiceField(
        label=_("Categories the unit may receive"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    valid_until = forms.DateTimeField(
        label=_("Access ends"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Leave empty while the unit works on the case."),
    )
    contact_user = forms.ModelChoiceField(
        label=_("Contact person"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("No named person"),
    )

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        effort = case.forum.effort_type
        candidates = access.participant_candidates(case)
        self.fields["unit"].queryset = candidates  # type: ignore[attr-defined]
        bases = sorted(policy.participant_bases(effort))
        labels = dict(LegalBasis.choices)
        self.fields["legal_basis"].choices = [(b, labels[b]) for b in bases]  # type: ignore[attr-defined]
        self.fields["legal_basis"].initial = case.forum.default_legal_basis
        self.fields["categories"].initial = [c.value for c in Category]
        self.fields["contact_user"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True, memberships__unit__in=candidates)
            .distinct()
            .order_by("first_name", "last_name")
        )


class ConsentForm(StyledForm):
    given_by = forms.ChoiceField(label=_("Given by"), choices=Consent.GivenBy.choices)
    guardian_name = forms.CharField(
        label=_("Guardian's name"),
        max_length=200,
        required=False,
        help_text=_("When a guardian gave or co-signed the consent."),
    )
    scope_units = forms.ModelMultipleChoiceField(
        label=_("Units covered"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    scope_categories = forms.MultipleChoiceField(
        label=_("Categories covered"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=300)
    form = forms.ChoiceField(label=_("Form"), choices=Consent.Form.choices)
    valid_until = forms.DateTimeField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    document_reference = forms.CharField(
        label=_("Document reference"),
        max_length=200,
        required=False,
        help_text=_("Where the signed consent is filed."),
    )

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope_units"].queryset = access.consent_scope_units(case)  # type: ignore[attr-defined]


class EmergencyAccessForm(StyledForm):
    reference = forms.CharField(
        label=_("Case reference"),
        max_length=20,
        help_text=_("For example SAG-000042."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Why do you need access now?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Your reason is logged and reviewed by your unit's lead."),
    )

    def clean_reference(self) -> int:
        match = re.match(r"^(?:SAG-?)?0*(\d{1,9})$", self.cleaned_data["reference"].strip(), re.I)
        if not match:
            raise ValidationError(_("Write the case reference, for example SAG-000042."))
        return int(match.group(1))


class ReviewForm(StyledForm):
    review_note = forms.CharField(
        label=_("Conclusion"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CloseCaseForm(StyledForm):
    code = forms.ChoiceField(label=_("Closed because"), choices=[])
    reason = forms.CharField(
        label=_("Note on the closing"),
        max_length=200,
        help_text=_("What happened, in a sentence. No sensitive details here."),
    )

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The forum type's closure reasons (coordination/workflows.py), for statistics.
        self.fields["code"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose the reason")),
            *workflows.closure_reasons(case.forum.effort_type),
        ]


class ConsentDecisionForm(StyledForm):
    situation = forms.ChoiceField(label=_("Situation"), choices=ConsentDecision.Situation.choices)
    reasoning = forms.CharField(
        label=_("Why the cooperation goes on without consent"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


# --- Follow-up actions, notifications and preferences -----------------------------------


class PersonChoiceField(forms.ModelChoiceField):
    """A user, shown by full name (the username when there is none)."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


def _deadline_field() -> forms.DateTimeField:
    # A datetime-local input sends local time without an offset; Django reads it in the
    # current time zone (Europe/Copenhagen).
    return forms.DateTimeField(
        label=_("Deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )


class ActionForm(StyledForm):
    title = forms.CharField(label=_("What is to be done"), max_length=300)
    responsible = PersonChoiceField(
        label=_("Responsible"),
        queryset=User.objects.none(),
        empty_label=_("Choose a person"),
        help_text=_("Someone from a unit that works on the case."),
    )
    due_at = _deadline_field()

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = access.action_assignees(case)  # type: ignore[attr-defined]
        self.fields["responsible"].initial = user.pk
        in_a_week = timezone.localtime() + dt.timedelta(days=7)
        self.fields["due_at"].initial = in_a_week.replace(hour=12, minute=0, second=0)

    def clean_due_at(self) -> dt.datetime:
        return services.check_deadline(self.cleaned_data["due_at"])


class ActionCompleteForm(StyledForm):
    note = forms.CharField(
        label=_("What came of it"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        help_text=_("No sensitive details here: write an entry for those."),
    )

    def __init__(self, *args: Any, action: Action, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class ActionReassignForm(StyledForm):
    responsible = PersonChoiceField(
        label=_("New responsible"),
        queryset=User.objects.none(),
        empty_label=_("Choose a person"),
        help_text=_("Reminders not yet sent will go to the new responsible."),
    )

    def __init__(self, *args: Any, action: Action, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assignees = access.action_assignees(action.case)
        if action.responsible_id is not None:
            assignees = assignees.exclude(pk=action.responsible_id)
        self.fields["responsible"].queryset = assignees  # type: ignore[attr-defined]


class PreferencesForm(StyledForm):
    reminder_email = forms.ChoiceField(
        label=_("Reminders by e-mail"),
        choices=User.ReminderEmail.choices,
        widget=forms.RadioSelect,
        help_text=_("Reminders are always shown under the bell in Samråd."),
    )


# --- Auditors ---------------------------------------------------------------------------


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
