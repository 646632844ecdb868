"""Forms of follow-up actions, notifications and the user's reminder preferences."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from coordination import access, services
from coordination.forms.base import (
    PersonChoiceField,
    SharingForm,
    StyledForm,
    deadline_field,
)
from coordination.models import (
    Action,
    Case,
)


class ActionForm(SharingForm):
    title = forms.CharField(label=_("What is to be done"), max_length=300)
    responsible = PersonChoiceField(
        label=_("Responsible"),
        queryset=User.objects.none(),
        empty_label=_("Choose a person"),
        help_text=_("Someone from a unit that works on the case."),
    )
    due_at = deadline_field()

    def __init__(
        self, *args: Any, user: User, case: Case, shared_as_decision: bool = False, **kwargs: Any
    ) -> None:
        # An action decided at a meeting is shared as its decision was: no sharing fields.
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = access.action_assignees(case)  # type: ignore[attr-defined]
        self.fields["responsible"].initial = user.pk
        in_a_week = timezone.localtime() + dt.timedelta(days=7)
        self.fields["due_at"].initial = in_a_week.replace(hour=12, minute=0, second=0)
        if not shared_as_decision:
            self.add_sharing(case)

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
