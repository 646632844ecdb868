"""API v1 (docs/api.md): opening a case, the case list (its filters, its cursor,
an audit event for every case shown) and the case detail."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from coordination import services
from coordination.models import Case, CaseParticipant
from tests.conftest import fresh_cpr
from tests.helpers import (
    API,
    KNOCK,
    MISSING,
    assert_field_error,
    assert_no_cpr,
    count,
    events_since,
    follow,
    forum,
    mark,
    normalise_times,
    post_json,
    results,
    rid,
    token_client,
    unit,
    user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_reset")]

CASE_FIELDS = {
    "id", "reference", "citizen", "forum", "status", "stage", "track", "opened_at",
    "closed_at", "next_review_at", "coordinator",
}  # fmt: skip


def case_shape(case: Case) -> dict[str, Any]:
    case = Case.objects.for_list().get(pk=case.pk)
    return {
        "id": case.pk,
        "reference": f"SAG-{case.pk:06d}",
        "citizen": {
            "id": case.citizen_id,
            "name": case.citizen.name,
            "masked_cpr": case.citizen.masked_cpr,
        },
        "forum": {"id": case.forum_id, "name": case.forum.name, "effort_type": "knock_knock"},
        "status": "active",
        "stage": case.stage,
        "track": case.track,
        "opened_at": timezone.localtime(case.opened_at).isoformat(),
        "closed_at": None,
        "next_review_at": case.next_review_at.isoformat() if case.next_review_at else None,
        "coordinator": case.coordinator_id,
    }


def test_open_a_case_after_registering_the_citizen() -> None:
    ssp = token_client("ssp.aalborg")
    number = fresh_cpr(16)
    before = mark()
    citizen = post_json(
        ssp, f"{API}/citizens/", {"cpr": number, "first_name": "Mikkel", "last_name": "Jensen"}
    ).json()
    knock, lead = forum("Knock Knock Aalborg"), unit("SSP Aalborg")
    request_id = rid()
    response = post_json(
        ssp,
        f"{API}/cases/",
        {"citizen": citizen["id"], "forum": knock.pk, "lead_unit": lead.pk, "track": "15-17"},
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(pk=body["id"])
    assert set(body) == CASE_FIELDS
    assert normalise_times(body, "opened_at") == normalise_times(case_shape(case), "opened_at")
    assert body["citizen"] == {
        "id": citizen["id"],
        "name": "Mikkel Jensen",
        "masked_cpr": citizen["masked_cpr"],
    }
    assert body["track"] == "15-17" and body["coordinator"] == user("ssp.aalborg").pk
    [lead_row] = CaseParticipant.objects.filter(case=case)
    assert (lead_row.unit, lead_row.role, lead_row.contact_user) == (
        lead,
        "lead",
        user("ssp.aalborg"),
    )
    written = events_since(before, request_id=request_id)
    assert [(e.action, e.object_type, e.outcome) for e in written] == [
        ("create", "coordination.case", "ok"),
        ("grant_change", "coordination.caseparticipant", "ok"),
    ]
    assert all(e.case_id == case.pk and e.citizen_id == citizen["id"] for e in written)
    assert written[0].actor_unit == lead and written[0].legal_basis == "RPL115_SSP"
    assert_no_cpr(number, before, response)


def test_open_a_case_for_a_citizen_found_by_lookup(kk: Case) -> None:
    # Familiegrupperne opens its own Knock Knock case... no: the citizen has one open there.
    # So: a citizen registered by someone else, looked up by fam.aalborg, gets a case.
    number = fresh_cpr(18)
    citizen = services.citizen_create(
        actor=user("ssp.aalborg"), cpr_number=number, first_name="Ole", last_name="Berg"
    )
    fam = token_client("fam.aalborg")
    body = {
        "citizen": citizen.pk,
        "forum": forum("Knock Knock Aalborg").pk,
        "lead_unit": unit("Familiegrupperne").pk,
    }
    assert_field_error(post_json(fam, f"{API}/cases/", body), "citizen")
    assert post_json(fam, f"{API}/citizens/lookup/", {"cpr": number}).status_code == 200
    response = post_json(fam, f"{API}/cases/", body)
    assert response.status_code == 201, response.content
    assert response.json()["citizen"]["id"] == citizen.pk


def test_a_citizen_the_caller_never_identified_is_400_like_an_unknown_id() -> None:
    # ssp.hjoerring registered this citizen; ssp.aalborg only has the id.
    stranger = services.citizen_create(
        actor=user("ssp.hjoerring"), cpr_number=fresh_cpr(16), first_name="Eva", last_name="Lund"
    )
    client = token_client("ssp.aalborg")
    cases, before = count(Case), mark()
    answers = []
    for citizen_id in (stranger.pk, MISSING):
        response = post_json(
            client,
            f"{API}/cases/",
            {
                "citizen": citizen_id,
                "forum": forum("Knock Knock Aalborg").pk,
                "lead_unit": unit("SSP Aalborg").pk,
            },
        )
        assert_field_error(response, "citizen")
        assert list(response.json()) == ["citizen"]
        answers.append(response.json())
    assert answers[0] == answers[1]  # an id alone tells nothing
    assert "Eva" not in json.dumps(answers)
    assert count(Case) == cases
    assert events_since(before, outcome="ok", action__in=["create", "grant_change"]) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"forum": "PSP Aalborg"}, "forum"),  # SSP Aalborg is not a member
        ({"forum": MISSING}, "forum"),
        ({"lead_unit": "Familiegrupperne"}, "lead_unit"),  # not one of ssp.aalborg's units
        ({"lead_unit": MISSING}, "lead_unit"),
        ({"track": "12-14"}, "track"),
        ({"age": 40}, "age_override_reason"),  # outside Knock Knock's 15-25
        ({"track": "18-25"}, "track"),  # a 16-year-old
        ({"citizen": "abc"}, "citizen"),
    ],
)
def test_open_a_case_with_bad_input_is_400_and_writes_nothing(change: dict[str, Any], field):
    client = token_client("ssp.aalborg")
    number = fresh_cpr(change.get("age", 16))
    citizen = post_json(
        client, f"{API}/citizens/", {"cpr": number, "first_name": "Ny", "last_name": "Borger"}
    ).json()
    body: dict[str, Any] = {
        "citizen": citizen["id"],
        "forum": forum("Knock Knock Aalborg").pk,
        "lead_unit": unit("SSP Aalborg").pk,
    }
    for key in ("forum", "lead_unit", "track", "citizen"):
        if key in change:
            value = change[key]
            if key == "forum" and isinstance(value, str):
                value = forum(value).pk
            elif key == "lead_unit" and isinstance(value, str):
                value = unit(value).pk
            body[key] = value
    cases, participants, before = count(Case), count(CaseParticipant), mark()
    response = post_json(client, f"{API}/cases/", body)
    assert_field_error(response, field)
    assert (count(Case), count(CaseParticipant)) == (cases, participants)
    assert events_since(before) == []
    assert_no_cpr(number, before, response)


def test_a_second_open_case_in_the_forum_is_400(kk: Case) -> None:
    cases = count(Case)
    response = post_json(
        token_client("ssp.aalborg"),
        f"{API}/cases/",
        {
            "citizen": kk.citizen_id,
            "forum": kk.forum_id,
            "lead_unit": unit("SSP Aalborg").pk,
            "track": "15-17",
        },
    )
    assert_field_error(response, "forum")
    assert count(Case) == cases


@pytest.mark.parametrize("username", ["statistik", "politi.efterforsk"])
def test_who_may_not_open_cases_gets_403_on_case_create(kk: Case, username: str) -> None:
    cases, before = count(Case), mark()
    response = post_json(
        token_client(username),
        f"{API}/cases/",
        {"citizen": kk.citizen_id, "forum": kk.forum_id, "lead_unit": unit("SSP Aalborg").pk},
    )
    assert response.status_code == 403
    assert count(Case) == cases
    [event] = events_since(before)
    assert (event.action, event.outcome) == ("search", "denied")
    assert event.detail == {"object_type": "coordination.citizen", "view": "api_case_create"}


def test_case_list_shows_the_callers_cases_and_audits_each(kk: Case) -> None:
    request_id = rid()
    before = mark()
    client = token_client("ssp.aalborg")
    response = client.get(f"{API}/cases/", HTTP_X_REQUEST_ID=request_id)
    rows = results(response)
    visible = Case.objects.filter(
        participants__unit=unit("SSP Aalborg"), participants__valid_until__isnull=True
    )
    assert len(rows) == min(50, visible.count())
    assert rows[0]["id"] == kk.pk  # the newest first
    assert set(rows[0]) == CASE_FIELDS
    assert normalise_times(rows[0], "opened_at") == normalise_times(case_shape(kk), "opened_at")
    written = events_since(before)
    assert {e.case_id for e in written} == {row["id"] for row in rows}
    assert len(written) == len(rows)
    for event in written:
        assert (event.actor_username, event.action, event.outcome) == ("ssp.aalborg", "list", "ok")
        assert event.purpose.startswith("prevention:")
        assert event.detail == {"view": "api_case_list", "criterion": {}}
        assert event.request_id == request_id == response["X-Request-ID"]
    kk_event = next(e for e in written if e.case_id == kk.pk)
    assert kk_event.citizen_id == kk.citizen_id and kk_event.purpose == "prevention:knock_knock"


def test_case_list_filters_by_forum_and_status(kk: Case, open_case) -> None:
    psp = open_case("PSP Aalborg", "politi.forebyg", "Forebyggelse Aalborg", age=30)
    client = token_client("politi.forebyg")
    before = mark()
    query: dict[str, str | int] = {"forum": kk.forum_id, "status": "active"}
    rows = results(client.get(f"{API}/cases/", {**query, "page_size": 500}))
    ids = {row["id"] for row in rows}
    assert kk.pk in ids and psp.pk not in ids
    assert {row["forum"]["id"] for row in rows} == {kk.forum_id}
    assert {row["status"] for row in rows} == {"active"}
    criteria = {json.dumps(e.detail["criterion"], sort_keys=True) for e in events_since(before)}
    assert criteria == {json.dumps({"forum": str(kk.forum_id), "status": "active"})}
    closed = results(client.get(f"{API}/cases/", {"status": "closed"}))
    assert all(row["status"] == "closed" for row in closed)
    assert kk.pk not in {row["id"] for row in closed}


def test_case_list_with_nothing_to_show_is_still_audited() -> None:
    before = mark()
    response = token_client("ssp.hjoerring").get(f"{API}/cases/", {"status": "paused"})
    assert results(response) == []  # the seed pauses no case in Hjørring
    [event] = events_since(before)
    assert (event.action, event.case_id, event.citizen_id) == ("list", None, None)
    assert event.detail == {"view": "api_case_list", "criterion": {"status": "paused"}}


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"q": "Borger"}, ["q"]),
        ({"cpr": "0101011234"}, ["cpr"]),
        ({"q": "x", "cpr": "0101011234", "status": "active"}, ["q", "cpr"]),
        ({"status": "bogus"}, ["status"]),
        ({"forum": "abc"}, ["forum"]),
        ({"forum": "<PSP Aalborg>"}, ["forum"]),  # not a forum of SSP Aalborg
    ],
)
def test_case_list_refuses_personal_data_and_bad_filters(kk: Case, query, fields) -> None:
    if query.get("forum") == "<PSP Aalborg>":
        query = {"forum": forum("PSP Aalborg").pk}
    before = mark()
    response = token_client("ssp.aalborg").get(f"{API}/cases/", query)
    assert_field_error(response, *fields)
    assert set(response.json()) == set(fields)
    assert "results" not in response.json()
    assert events_since(before) == []


def test_case_list_cursor_returns_every_case_once(kk: Case, open_case) -> None:
    for _ in range(3):
        open_case(*KNOCK, age=17, others=["Familiegrupperne"])
    client = token_client("fam.aalborg")
    everything = [row["id"] for row in results(client.get(f"{API}/cases/", {"page_size": 500}))]
    pages = follow(client, f"{API}/cases/?page_size=2")
    assert all(len(page) == 2 for page in pages[:-1]) and len(pages) >= 2
    seen = [row["id"] for page in pages for row in page]
    assert seen == everything and len(seen) == len(set(seen))
    assert set(seen) == set(
        Case.objects.filter(
            participants__unit=unit("Familiegrupperne"), participants__valid_until__isnull=True
        ).values_list("pk", flat=True)
    )


def test_case_detail(kk: Case) -> None:
    request_id = rid()
    before = mark()
    response = token_client("politi.forebyg").get(
        f"{API}/cases/{kk.pk}/", HTTP_X_REQUEST_ID=request_id
    )
    assert response.status_code == 200
    assert normalise_times(response.json(), "opened_at") == normalise_times(
        case_shape(kk), "opened_at"
    )
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.outcome) == ("politi.forebyg", "view", "ok")
    assert (event.case_id, event.citizen_id) == (kk.pk, kk.citizen_id)
    assert event.actor_unit == unit("Forebyggelse Aalborg")
    assert (event.legal_basis, event.purpose) == ("RPL115_SSP", "prevention:knock_knock")
    assert event.detail == {"view": "api_case_detail"}
    assert event.request_id == request_id == response["X-Request-ID"]
