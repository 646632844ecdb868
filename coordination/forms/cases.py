"""Forms of the case pages: opening a case, contacts, entries, participants, consents,
emergency access and closing. They validate shape; the services validate meaning."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit, User
from coordination import access, cpr, cpr_register, handles, policy, workflows
from coordination.forms.base import (
    SharingForm,
    StyledForm,
    check_unit_in_forum,
    offer_forums_and_units,
)
from coordination.models import (
    Case,
    CaseParticipant,
    Category,
    Consent,
    ConsentDecision,
    Contact,
    Forum,
    LegalBasis,
    RelatedPerson,
)
from coordination.querysets import REFERENCE_RE


class CaseOpenForm(StyledForm):
    """ "Ny sag": the citizen by CPR number, the forum, lead unit and track, and in a forum
    that rests on consent the citizen's written consent, recorded with the opening.

    With a CPR register (settings.CPR_REGISTER) there are no name fields: the first POST
    shows the register's name for the number ("Er det NN?") and opens nothing; the page
    then carries a handle of the number in `confirmation`, and only a POST with it (for the
    same number) opens the case. Without a register the typed name is used."""

    cpr = forms.CharField(
        label=_("CPR number"),
        max_length=11,
        help_text=_("DDMMYY-XXXX"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    confirmation = forms.CharField(
        required=False, max_length=handles.MAX_LENGTH, widget=forms.HiddenInput
    )
    forum = forms.ModelChoiceField(label=_("Forum"), queryset=Forum.objects.none())
    lead_unit = forms.ModelChoiceField(label=_("Lead unit"), queryset=Unit.objects.none())
    track = forms.ChoiceField(label=_("Track"), choices=Case.Track.choices, required=False)
    age_override_reason = forms.CharField(
        label=_("Reason for age-band override"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only needed when the citizen is outside the forum's age band."),
    )
    # The consent a case in a forum resting on consent is opened on (sharing-rules.md 4).
    consent_given_by = forms.ChoiceField(
        label=_("Given by"),
        required=False,
        choices=[("", _("Choose who gave it")), *Consent.GivenBy.choices],
    )
    consent_guardian_name = forms.CharField(
        label=_("Guardian's name"),
        max_length=200,
        required=False,
        help_text=_("When a guardian gave or co-signed the consent."),
    )
    consent_scope_units = forms.ModelMultipleChoiceField(
        label=_("Units covered"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Members of the forum; the lead unit must be one of them."),
    )
    consent_scope_categories = forms.MultipleChoiceField(
        label=_("Categories covered"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent_purpose = forms.CharField(label=_("Purpose"), max_length=300, required=False)
    consent_form = forms.ChoiceField(
        label=_("Form"),
        choices=[c for c in Consent.Form.choices if c[0] in policy.WRITTEN_CONSENT_FORMS],
        required=False,
        initial=Consent.Form.WRITTEN,
    )
    consent_document_reference = forms.CharField(
        label=_("Document reference"),
        max_length=200,
        required=False,
        help_text=_("Where the signed consent is filed."),
    )
    consent_valid_until = forms.DateTimeField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    NAMES = ("first_name", "last_name")
    CONSENT_REQUIRED = (
        "consent_given_by",
        "consent_scope_units",
        "consent_scope_categories",
        "consent_purpose",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_forums_and_units(self, user, "lead_unit")
        if cpr_register.configured():
            for name in self.NAMES:
                del self.fields[name]
        forums = self.fields["forum"].queryset  # type: ignore[attr-defined]
        self.consent_forums = [
            f for f in forums if policy.rests_on_consent(f.effort_type, f.consent_required)
        ]
        if self.consent_forums:
            self.fields["consent_scope_units"].queryset = (  # type: ignore[attr-defined]
                Unit.objects.filter(forums__in=self.consent_forums)
                .exclude(unit_type__in=policy.INVESTIGATION)
                .distinct()
                .order_by("name")
            )
        else:
            for name in self.consent_field_names():
                del self.fields[name]

    @staticmethod
    def consent_field_names() -> list[str]:
        return [name for name in CaseOpenForm.base_fields if name.startswith("consent_")]

    def case_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in self.fields if not n.startswith("consent_")]

    def consent_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in self.fields if n.startswith("consent_")]

    def clean_cpr(self) -> str:
        return cpr.normalise(self.cleaned_data["cpr"])

    def clean_consent_form(self) -> str:
        return str(self.cleaned_data.get("consent_form") or Consent.Form.WRITTEN)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_unit_in_forum(self, data, "lead_unit")
        forum = data.get("forum")
        data["consent"] = None
        if forum is not None and policy.rests_on_consent(forum.effort_type, forum.consent_required):
            missing = [n for n in self.CONSENT_REQUIRED if not data.get(n) and n not in self.errors]
            for name in missing:
                self.add_error(name, _("This forum rests on the citizen's written consent."))
            data["consent"] = {
                name.removeprefix("consent_"): data.get(name) for name in self.consent_field_names()
            }
        return data


class ContactForm(SharingForm):
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
        help_text=_("Shared as chosen under Sharing below, like an entry."),
    )

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["partner"].queryset = access.contact_partners(case, user)  # type: ignore[attr-defined]
        self.fields["related_person"].queryset = case.citizen.related_persons.all()  # type: ignore[attr-defined]
        self.add_sharing(case)


class EntryForm(SharingForm):
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
        help_text=_("For consent-based legal bases: empty uses the one consent that covers it."),
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
        self.fields["consent"].queryset = access.active_consents(case)  # type: ignore[attr-defined]
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
        match = REFERENCE_RE.match(self.cleaned_data["reference"].strip())
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


def content_key(item: Any) -> str:
    """How a piece of content is named in a form: its kind and id."""
    return f"{item._meta.model_name}:{item.pk}"


def content_label(item: Any) -> str:
    """A line naming a piece of the user's own unit's content: kind, date, category, start."""
    when = timezone.localtime(getattr(item, item.SHARED_AT_FIELD)).strftime("%d.%m.%Y")
    text = next(
        (
            str(getattr(item, name))
            for name in ("text", "note", "picture", "decision", "purpose", "title")
            if getattr(item, name, "")
        ),
        "",
    )
    excerpt = f": {text[:60]}…" if len(text) > 60 else (f": {text}" if text else "")
    return f"{item._meta.verbose_name.capitalize()} {when} · {item.get_category_display()}{excerpt}"


class ShareAgainForm(StyledForm):
    """ "Del tidligere oplysninger": the unit's own earlier content, shared with a unit that
    did not receive it (a new disclosure with its own basis and justification)."""

    unit = forms.ModelChoiceField(label=_("Share with"), queryset=Unit.objects.none())
    items = forms.MultipleChoiceField(
        label=_("What to share"), choices=[], widget=forms.CheckboxSelectMultiple
    )
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    justification = forms.CharField(
        label=_("Why is sharing it necessary?"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, user: User, case: Case, unit: Unit | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        units = access.audience_units(case).order_by("name")
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["legal_basis"].initial = case.forum.default_legal_basis
        chosen = unit or self._chosen_unit(units)
        self.candidates = access.shareable_again(user, case, chosen) if chosen else []
        self.fields["items"].choices = [  # type: ignore[attr-defined]
            (content_key(item), content_label(item)) for item in self.candidates
        ]
        if chosen is not None:
            self.fields["unit"].initial = chosen.pk

    def _chosen_unit(self, units: Any) -> Unit | None:
        raw = str(self.data.get("unit", "")) if self.is_bound else ""
        valid = raw.isascii() and raw.isdigit() and len(raw) <= 18
        return units.filter(pk=int(raw)).first() if valid else None

    def clean_items(self) -> list[Any]:
        keys = set(self.cleaned_data["items"])
        return [item for item in self.candidates if content_key(item) in keys]
