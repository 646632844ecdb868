"""Forms about the people around a citizen (guardians of a young person, for example)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from coordination.forms.base import StyledForm
from coordination.models import Case, RelatedPerson


class RelatedPersonForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    relation = forms.ChoiceField(label=_("Relation"), choices=RelatedPerson.Relation.choices)
    has_custody = forms.BooleanField(
        label=_("Has custody"),
        required=False,
        help_text=_("A parent or guardian with custody of a young person under 18."),
    )

    def __init__(self, *args: Any, user: User, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
