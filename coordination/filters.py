"""FilterSets shared by the HTML lists and (later) the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from coordination import access
from coordination.models import Case, Forum


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        max_length=100,
        help_text=_("Name or case reference"),
    )
    forum = django_filters.ModelChoiceFilter(
        label=_("Forum"), queryset=Forum.objects.none(), empty_label=_("All forums")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Case.Status.choices, empty_label=_("All statuses")
    )

    class Meta:
        model = Case
        fields = ["q", "forum", "status"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The forums of the user's units (not derived from the case list: that would run
        # the permission filter a second time).
        self.filters["forum"].queryset = access.forums_for(user)

    def filter_search(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return queryset.search(value)  # type: ignore[attr-defined,no-any-return]
