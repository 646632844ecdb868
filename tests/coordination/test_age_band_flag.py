"""A case whose citizen is outside the forum's age band is flagged in "Mine sager" and on
the case page (sharing-rules.md 2, rule 2), without extra queries per row."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_case_list_flags_cases_outside_the_age_band(open_case, client_as) -> None:
    inside = open_case("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg", age=16)
    outside = open_case("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg", age=27)
    assert outside.age_override_reason  # opened with a reason, as the law asks
    assert outside.outside_age_band and not inside.outside_age_band
    page = client_as("ssp.aalborg").get(reverse("coordination:case_list"))
    rows = {case.pk: case for case in page.context["cases"]}
    html = page.content.decode()
    assert outside.pk in rows and inside.pk in rows
    row_of = {
        pk: html.split(f"{case.reference}</a>", 1)[1].split("</tr>", 1)[0]
        for pk, case in rows.items()
        if pk in (inside.pk, outside.pk)
    }
    assert "badge-warning" in row_of[outside.pk]
    assert "badge-warning" not in row_of[inside.pk]
    detail = client_as("ssp.aalborg").get(reverse("coordination:case_detail", args=[outside.pk]))
    assert 'data-testid="age-band-alert"' in detail.content.decode()
