"""API v1 (docs/api.md): the caller (/me/), the unit directory and the forums of
the caller's units. Directories, with no personal data about citizens: no audit events."""

from __future__ import annotations

import pytest

from accounts.models import Unit
from coordination.models import Forum
from tests.helpers import API, events_since, follow, forum, mark, results, token_client, unit, user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_reset")]


def test_me_is_the_caller_and_their_units() -> None:
    ssp = user("ssp.aalborg")
    before = mark()
    response = token_client("ssp.aalborg").get(f"{API}/me/")
    assert response.status_code == 200
    assert response.json() == {
        "id": ssp.pk,
        "username": "ssp.aalborg",
        "first_name": ssp.first_name,
        "last_name": ssp.last_name,
        "units": [
            {
                "id": unit("SSP Aalborg").pk,
                "name": "SSP Aalborg",
                "unit_type": "ssp",
                "role": "caseworker",
            }
        ],
    }
    assert events_since(before) == []  # a directory: no personal data about citizens


def test_me_works_with_the_session_too(client_as) -> None:
    response = client_as("revisor").get(f"{API}/me/")
    assert response.status_code == 200
    assert response.json()["units"] == [
        {"id": unit("Intern revision").pk, "name": "Intern revision", "unit_type": "administration",
         "role": "auditor"}
    ]  # fmt: skip


def test_units_are_the_whole_directory_in_name_order() -> None:
    rows = results(token_client("fam.aalborg").get(f"{API}/units/", {"page_size": 500}))
    expected = list(Unit.objects.order_by("name", "id").values_list("pk", flat=True))
    assert [row["id"] for row in rows] == expected
    police = unit("Forebyggelse Aalborg")
    row = next(row for row in rows if row["id"] == police.pk)
    assert row == {
        "id": police.pk,
        "name": "Forebyggelse Aalborg",
        "unit_type": "police_prevention",
        "organisation": {
            "id": police.organisation_id,
            "name": police.organisation.name,
            "org_type": police.organisation.org_type,
        },
        "municipality": police.municipality,
    }


def test_units_cursor_pages_return_every_unit_once() -> None:
    client = token_client("statistik")
    pages = follow(client, f"{API}/units/?page_size=7")
    seen = [row["id"] for page in pages for row in page]
    assert len(pages) > 2 and all(len(page) == 7 for page in pages[:-1])
    assert seen == list(Unit.objects.order_by("name", "id").values_list("pk", flat=True))


def test_forums_are_those_of_the_callers_units() -> None:
    before = mark()
    rows = results(token_client("ssp.aalborg").get(f"{API}/forums/"))
    expected = Forum.objects.filter(member_units=unit("SSP Aalborg")).order_by("name", "id")
    assert [row["id"] for row in rows] == [f.pk for f in expected]
    knock = forum("Knock Knock Aalborg")
    row = next(row for row in rows if row["id"] == knock.pk)
    assert {k: v for k, v in row.items() if k != "member_units"} == {
        "id": knock.pk,
        "name": "Knock Knock Aalborg",
        "effort_type": "knock_knock",
        "municipality": knock.municipality,
        "default_legal_basis": "RPL115_SSP",
        "age_min": 15,
        "age_max": 25,
        "consent_required": False,
    }
    assert sorted(row["member_units"]) == sorted(
        unit(name).pk
        for name in ("SSP Aalborg", "Familiegrupperne", "Jobcenter Aalborg", "Forebyggelse Aalborg")
    )
    assert "PSP Aalborg" not in {row["name"] for row in rows}
    assert events_since(before) == []


@pytest.mark.parametrize("username", ["politi.efterforsk", "statistik", "revisor"])
def test_people_outside_the_prevention_work_see_no_forums(username: str) -> None:
    assert results(token_client(username).get(f"{API}/forums/")) == []
