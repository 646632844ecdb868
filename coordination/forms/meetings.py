"""Forms of the case conferences (sagsmøder): scheduling, attendees, the agenda, the
discussion of a case and the distribution of the minutes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit, User
from coordination import access
from coordination.forms.base import (
    PersonChoiceField,
    SharingForm,
    StyledForm,
    check_unit_in_forum,
    offer_forums_and_units,
)
from coordination.models import Case, Forum, Meeting

_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    """Users, shown by full name (the username when there is none)."""

    label_from_instance = PersonChoiceField.label_from_instance


class CaseChoiceField(forms.ModelChoiceField):
    """A case, shown by its reference and its citizen's name."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.reference} · {obj.citizen.name}"


class MeetingForm(StyledForm):
    forum = forms.ModelChoiceField(label=_("Forum"), queryset=Forum.objects.none())
    organiser_unit = forms.ModelChoiceField(
        label=_("Organising unit"), queryset=Unit.objects.none()
    )
    starts_at = forms.DateTimeField(
        label=_("Time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=_DATETIME_FORMATS,
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Meeting.Kind.choices,
        initial=Meeting.Kind.REGULAR,
        widget=forms.RadioSelect,
        help_text=_(
            "A regular meeting's agenda is built from the cases due for review and the "
            "unscreened concerns; an emergency meeting starts with an empty agenda."
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_forums_and_units(self, user, "organiser_unit")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_unit_in_forum(self, data, "organiser_unit")
        return data


class AttendeesForm(StyledForm):
    attendees = PeopleChoiceField(
        label=_("Attendees"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Working members of the forum's member units."),
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = access.attendee_candidates(meeting)  # type: ignore[attr-defined]
        self.fields["attendees"].initial = [user.pk for user in meeting.attendees.all()]


class AddCaseForm(StyledForm):
    case = CaseChoiceField(
        label=_("Case"),
        queryset=Case.objects.none(),
        empty_label=_("Choose a case"),
        help_text=_("Open cases of the forum that are not on the agenda."),
    )

    def __init__(self, *args: Any, user: User, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = access.agenda_candidates(user, meeting)  # type: ignore[attr-defined]


class DiscussionForm(SharingForm):
    picture = forms.CharField(
        label=_("The picture now"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the participants know about the situation now."),
    )
    assessment = forms.CharField(
        label=_("Assessment"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    decision = forms.CharField(
        label=_("Decision"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Create the follow-up actions of the decision afterwards."),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_sharing(case)


class MinutesForm(StyledForm):
    units = forms.ModelMultipleChoiceField(
        label=_("Send the minutes to"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Each unit receives only the discussion of the cases it takes part in; every "
            "sending is recorded as a disclosure."
        ),
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = meeting.forum.member_units.order_by("name")  # type: ignore[attr-defined]
