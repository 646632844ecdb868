"""Forms of the work on a case: outreach offers, referrals, PSP incidents, outcome snapshots
and the case's stage. They validate shape; the services validate meaning."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit, User
from coordination import access, policy, workflows
from coordination.forms.base import DateInput, SharingForm, StyledForm
from coordination.models import Case, Contact, Incident, Offer, OutcomeSnapshot, Referral

_NOTE_HELP = _("Shared as chosen under Sharing below, like an entry.")


def _note_field(label: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Short note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
        help_text=_NOTE_HELP,
    )


class ContactChoiceField(forms.ModelChoiceField):
    """One of the case's contacts, shown by its time and kind (no personal details)."""

    def label_from_instance(self, obj: Any) -> str:
        when = timezone.localtime(obj.occurred_at).strftime("%d-%m-%Y %H:%M")
        return f"{when}: {obj.get_kind_display()} ({obj.get_result_display()})"


class OfferForm(SharingForm):
    kind = forms.ChoiceField(label=_("Offer"), choices=Offer.Kind.choices)
    status = forms.ChoiceField(
        label=_("Answer"),
        choices=Offer.Status.choices,
        initial=Offer.Status.MADE,
        widget=forms.RadioSelect,
        help_text=_("Choose accepted or declined if the young person answered at once."),
    )
    contact = ContactChoiceField(
        label=_("Made at the contact"),
        queryset=Contact.objects.none(),
        required=False,
        empty_label=_("Not at a logged contact"),
    )
    note = _note_field()

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = access.contacts_for(user, case).order_by(  # type: ignore[attr-defined]
            "-occurred_at", "-pk"
        )
        self.add_sharing(case)


class OfferAnswerForm(StyledForm):
    status = forms.ChoiceField(
        label=_("Answer"),
        choices=[
            (Offer.Status.ACCEPTED.value, Offer.Status.ACCEPTED.label),
            (Offer.Status.DECLINED.value, Offer.Status.DECLINED.label),
        ],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, offer: Offer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class ReferralForm(SharingForm):
    to_unit = forms.ModelChoiceField(
        label=_("To a unit of the forum"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("No unit: a service outside the forum"),
    )
    to_service = forms.CharField(
        label=_("Or to a service"),
        max_length=200,
        required=False,
        help_text=_("For example a club, a mentor scheme or an education guidance centre."),
    )
    purpose = forms.CharField(label=_("What for"), max_length=300)

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = (  # type: ignore[attr-defined]
            case.forum.member_units.exclude(unit_type__in=policy.INVESTIGATION).order_by("name")
        )
        self.add_sharing(case)
        self.fields["legal_basis"].help_text = _(
            "Outside the case (a service, a unit not taking part) a referral rests on the "
            "citizen's consent unless you choose another basis."
        )


class ReferralUpdateForm(StyledForm):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[c for c in Referral.Status.choices if c[0] != Referral.Status.SENT],
    )
    feedback = forms.CharField(
        label=_("Feedback"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        help_text=_NOTE_HELP,
    )

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class IncidentForm(SharingForm):
    with_category = False  # an incident's category is its kind's

    kind = forms.ChoiceField(label=_("Kind"), choices=Incident.Kind.choices)
    occurred_on = forms.DateField(
        label=_("Date"),
        widget=DateInput,
        input_formats=["%Y-%m-%d"],
        help_text=_("Incidents from 12 months before enrolment on are counted."),
    )
    source_unit = forms.ModelChoiceField(
        label=_("Source"), queryset=Unit.objects.none(), empty_label=None
    )
    note = _note_field()

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only kinds the user's unit receives: a unit records no category it may not read.
        seen = access.categories_seen(user, case)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (kind, label)
            for kind, label in Incident.Kind.choices
            if Incident.CATEGORY[kind] in seen
        ]
        self.fields["occurred_on"].initial = timezone.localdate()
        units = access.audience_units(case).order_by("name")
        self.fields["source_unit"].queryset = units  # type: ignore[attr-defined]
        own = access.acting_participation(user, case, access.CaseAction.LOG_CONTACT)
        if own is not None:
            self.fields["source_unit"].initial = own.unit_id
        self.add_sharing(case)


class OutcomeForm(SharingForm):
    milestone = forms.TypedChoiceField(label=_("Milestone"), coerce=int, choices=[])
    education = forms.ChoiceField(label=_("Education"), choices=OutcomeSnapshot.Education.choices)
    job = forms.ChoiceField(label=_("Job"), choices=OutcomeSnapshot.Job.choices)
    housing = forms.ChoiceField(label=_("Housing"), choices=OutcomeSnapshot.Housing.choices)
    leisure = forms.BooleanField(
        label=_("Takes part in an organised leisure activity"), required=False
    )
    new_police_contact = forms.BooleanField(
        label=_("Has had new contact with the police"), required=False
    )
    note = _note_field()

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        recorded = set(access.outcomes_for(user, case).values_list("milestone", flat=True))
        labels = dict(OutcomeSnapshot.Milestone.choices)
        choices = [(m, labels[m]) for m in workflows.OUTCOME_MILESTONES if m not in recorded]
        self.fields["milestone"].choices = choices  # type: ignore[attr-defined]
        if choices:
            self.fields["milestone"].initial = choices[0][0]
        self.add_sharing(case)


class StageForm(StyledForm):
    stage = forms.ChoiceField(label=_("Stage"), choices=[])

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [  # type: ignore[attr-defined]
            (code, str(label)) for code, label in workflows.stages(case.forum.effort_type)
        ]
        self.fields["stage"].initial = case.stage
