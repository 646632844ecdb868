"""The life of a case (sharing-rules.md 6): the review, the decision at the band's end, and a
legal hold. Each is handed to its service in services/reviews.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit, User
from coordination import access, lifecycle, workflows
from coordination.forms.base import DateInput, StyledForm
from coordination.models import Case, CaseReview, EffortType, Forum

Decision = CaseReview.Decision


class ReviewForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Decision.CONTINUE, _("The case is still necessary")),
            (Decision.CLOSE, _("Close the case")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the cooperation is still needed, or why it ends. Read by your unit only."),
    )
    next_review_at = forms.DateField(
        label=_("Next review"),
        required=False,
        widget=DateInput,
        help_text=_("At most the forum's interval ahead; empty: the full interval."),
    )
    code = forms.ChoiceField(label=_("Closed because"), choices=[], required=False)

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["next_review_at"].initial = lifecycle.next_review(case.forum)
        self.fields["code"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose the reason (when closing)")),
            *workflows.closure_reasons(case.forum.effort_type),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == Decision.CLOSE and not data.get("code"):
            self.add_error("code", _("Choose why the case is closed."))
        if data.get("decision") == Decision.CONTINUE:
            data["code"] = "other"
        return data


class HandoverForm(StyledForm):
    """The decision as the citizen leaves the forum's band or the case's track."""

    decision = forms.ChoiceField(label=_("Decision"), choices=[], widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Read by your unit only."),
    )
    to_forum = forms.ModelChoiceField(
        label=_("Move the case to"),
        queryset=Forum.objects.none(),
        required=False,
        help_text=_("Only when transferring: a forum the citizen fits from the day."),
    )
    lead_unit = forms.ModelChoiceField(
        label=_("Lead unit of the new case"), queryset=Unit.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = (
            [(Decision.MOVE_TRACK, _("Move to the 18-25 track"))]
            if (
                case.forum.effort_type == EffortType.KNOCK_KNOCK
                and case.track == lifecycle.HANDOVER_TRACK
            )
            else []
        )
        choices += [
            (Decision.TRANSFER, _("Transfer to another forum (e.g. SSP+)")),
            (Decision.CONTINUE, _("Continue past the age band (give the reason)")),
            (Decision.CLOSE, _("Close the case")),
        ]
        self.fields["decision"].choices = choices  # type: ignore[attr-defined]
        opening = access.forums_for_opening(user).exclude(pk=case.forum_id)
        self.fields["to_forum"].queryset = opening  # type: ignore[attr-defined]
        self.fields["lead_unit"].queryset = access.units_for_opening(user)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") != Decision.TRANSFER:
            data["to_forum"] = data["lead_unit"] = None
        return data


class LegalHoldForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason for the hold"),
        max_length=300,
        help_text=_("E.g. a complaint, a court case or a request for insight being handled."),
    )
    until = forms.DateField(label=_("Keep the case until"), widget=DateInput)

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["until"].initial = timezone.localdate() + dt.timedelta(days=180)
