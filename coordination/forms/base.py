"""What every form shares: Det Fælles Designsystem's classes and ARIA attributes, the CPR
field, the date picker, a person picker, the deadline field, the forum-and-unit choices, and
showing a service's errors on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from coordination import access, cpr
from coordination.models import Category, LegalBasis


class DateInput(forms.DateInput):
    """The browser's date picker (`type=date`), which shows and sends ISO dates whatever the
    language: the value is written as ISO too (a Danish "04.03.2027" would be dropped)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class StyledForm(forms.Form):
    """Gives widgets the classes and ARIA attributes of Det Fælles Designsystem."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            self.style(name, field)

    @staticmethod
    def style(name: str, field: forms.Field) -> None:
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


class SharingForm(StyledForm):
    """A form that writes about a citizen. Everything it writes is shared content
    (sharing-rules.md 3), so it carries the same "Deling" fields as an entry: the category,
    the legal basis (automatic: the basis the unit takes part on), the recipients (none
    named: every unit taking part now) and the consent it rests on (automatic: the one that
    covers it). Templates show the main fields by iterating the form, and the sharing
    fields with coordination/_sharing.html; the service checks them against the policy."""

    SHARING = ("category", "legal_basis", "audience", "consent")
    # A form whose content has a category of its own (an incident: its kind) drops it.
    with_category = True

    def add_sharing(self, case: Any) -> None:
        fields: dict[str, forms.Field] = {}
        if self.with_category:
            fields["category"] = forms.ChoiceField(
                label=_("Category"),
                choices=Category.choices,
                initial=Category.GENERAL,
                required=False,
                help_text=_("What kind of information the text holds: it decides who may see it."),
            )
        fields["legal_basis"] = forms.ChoiceField(
            label=_("Legal basis"),
            required=False,
            choices=[
                ("", _("The basis your unit takes part on")),
                *((b, label) for b, label in LegalBasis.choices if b != LegalBasis.GDPR15),
            ],
        )
        fields["audience"] = forms.ModelMultipleChoiceField(
            label=_("Recipients"),
            queryset=access.audience_units(case).order_by("name"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("None chosen: every unit taking part in the case now."),
        )
        fields["consent"] = forms.ModelChoiceField(
            label=_("Consent"),
            queryset=access.active_consents(case),
            required=False,
            empty_label=_("The consent that covers it (when the basis is consent)"),
        )
        for name, field in fields.items():
            self.style(name, field)
            self.fields[name] = field

    def clean_category(self) -> str:
        return str(self.cleaned_data.get("category") or Category.GENERAL)

    def __iter__(self) -> Any:
        return (self[name] for name in self.fields if name not in self.SHARING)

    @property
    def sharing_fields(self) -> list[Any]:
        return [self[name] for name in self.SHARING if name in self.fields]


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


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where the form has one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class PersonChoiceField(forms.ModelChoiceField):
    """A user, shown by full name (the username when there is none)."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


def deadline_field() -> forms.DateTimeField:
    # A datetime-local input sends local time without an offset; Django reads it in the
    # current time zone (Europe/Copenhagen).
    return forms.DateTimeField(
        label=_("Deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
