"""API v1 (docs/api.md): registering a citizen and looking one up by CPR number:
the response's shape, 400, 403 and 409 with nothing written, the audit events (which never
hold the number) and the CPR throttle."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.throttling import ScopedRateThrottle

from coordination import services
from coordination.models import Case, Citizen
from tests.conftest import fresh_cpr
from tests.helpers import (
    API,
    assert_field_error,
    assert_no_cpr,
    count,
    events_since,
    mark,
    post_json,
    rid,
    token_client,
    user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_reset")]

CITIZEN_FIELDS = {"id", "name", "birth_date", "masked_cpr"}


def test_register_a_citizen() -> None:
    number = fresh_cpr(16)
    request_id = rid()
    before = mark()
    response = post_json(
        token_client("ssp.aalborg"),
        f"{API}/citizens/",
        {"cpr": f"{number[:6]}-{number[6:]}", "first_name": " Mikkel ", "last_name": "Jensen"},
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    citizen = Citizen.objects.by_cpr(number).get()
    assert body == {
        "id": citizen.pk,
        "name": "Mikkel Jensen",
        "birth_date": citizen.birth_date.isoformat(),
        "masked_cpr": citizen.masked_cpr,
    }
    assert citizen.birth_date.strftime("%d%m%y") == number[:6]
    assert number[6:] not in body["masked_cpr"]
    assert response["X-Request-ID"] == request_id
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.outcome) == ("ssp.aalborg", "create", "ok")
    assert (event.object_type, event.citizen_id, event.case_id) == (
        "coordination.citizen",
        citizen.pk,
        None,
    )
    assert event.request_id == request_id
    assert_no_cpr(number, before, response)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"cpr": "3213991234"}, ["cpr"]),  # no 32nd of December
        ({"cpr": "12345"}, ["cpr"]),
        ({"cpr": "abcdefghij"}, ["cpr"]),
        ({"cpr": ""}, ["cpr"]),
        ({"cpr": "010101-12345"}, ["cpr"]),  # too long
        ({"cpr": "<valid>", "first_name": ""}, ["first_name"]),
        ({"cpr": "<valid>", "last_name": "x" * 101}, ["last_name"]),
        ({"first_name": "A", "last_name": "B"}, ["cpr"]),
    ],
)
def test_register_with_bad_input_is_400_and_writes_nothing(body: dict[str, Any], fields) -> None:
    number = fresh_cpr(16)
    body = {"first_name": "Mikkel", "last_name": "Jensen", **body}
    if body.get("cpr") == "<valid>":
        body["cpr"] = number
    citizens, before = count(Citizen), mark()
    response = post_json(token_client("ssp.aalborg"), f"{API}/citizens/", body)
    assert_field_error(response, *fields)
    assert set(response.json()) == set(fields)
    assert count(Citizen) == citizens
    assert events_since(before) == []
    assert_no_cpr(number, before, response)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ('{"cpr": "0101', "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ("null", "application/json", 400),
        ("cpr=0101011234&first_name=A&last_name=B", "application/x-www-form-urlencoded", 415),
        ("cpr: 0101011234", "text/plain", 415),
    ],
    ids=["truncated", "a list", "null", "form-encoded", "text"],
)
def test_a_body_that_is_not_a_json_object_is_refused(body, content_type, status) -> None:
    client = token_client("ssp.aalborg")
    citizens, before = count(Citizen), mark()
    for path in (f"{API}/citizens/", f"{API}/citizens/lookup/"):
        response = client.post(path, body, content_type=content_type)
        assert response.status_code == status, response.content
        assert isinstance(response.json(), dict) and response.json()
    assert count(Citizen) == citizens
    assert events_since(before) == []


def test_a_duplicate_cpr_is_409_and_logged_as_a_search_without_the_number(kk: Case) -> None:
    # The citizen was registered by ssp.aalborg; politi.forebyg tries to register them again.
    number = fresh_cpr(17)
    existing = services.citizen_create(
        actor=user("ssp.aalborg"), cpr_number=number, first_name="Ida", last_name="Hansen"
    )
    citizens, before = count(Citizen), mark()
    request_id = rid()
    response = post_json(
        token_client("politi.forebyg"),
        f"{API}/citizens/",
        {"cpr": number, "first_name": "Anden", "last_name": "Person"},
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 409
    assert list(response.json()) == ["cpr"] and response.json()["cpr"]
    # The caller learns nothing about the record: no id, no name, no birth date.
    text = response.content.decode()
    assert str(existing.pk) not in text and "Ida" not in text and "Hansen" not in text
    assert count(Citizen) == citizens
    existing.refresh_from_db()
    assert (existing.first_name, existing.last_name) == ("Ida", "Hansen")
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.outcome) == (
        "politi.forebyg",
        "search",
        "ok",
    )
    assert event.citizen_id == existing.pk and event.request_id == request_id
    assert event.detail == {"criterion": "cpr", "matched": True}
    assert_no_cpr(number, before, response)


def test_look_up_a_citizen_by_cpr(kk: Case) -> None:
    number = fresh_cpr(16)
    citizen = services.citizen_create(
        actor=user("ssp.aalborg"), cpr_number=number, first_name="Ida", last_name="Hansen"
    )
    request_id = rid()
    before = mark()
    response = post_json(
        token_client("fam.aalborg"),
        f"{API}/citizens/lookup/",
        {"cpr": number},
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": citizen.pk,
        "name": "Ida Hansen",
        "birth_date": citizen.birth_date.isoformat(),
        "masked_cpr": citizen.masked_cpr,
    }
    assert response["X-Request-ID"] == request_id
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.outcome) == ("fam.aalborg", "search", "ok")
    assert event.citizen_id == citizen.pk and event.object_type == "coordination.citizen"
    assert event.detail == {"view": "api_citizen_lookup", "criterion": "cpr", "matched": True}
    assert event.request_id == request_id
    assert_no_cpr(number, before, response)


def test_look_up_an_unknown_cpr_is_404_and_audited_without_the_number() -> None:
    number = fresh_cpr(30)
    request_id = rid()
    before = mark()
    response = post_json(
        token_client("ssp.aalborg"),
        f"{API}/citizens/lookup/",
        {"cpr": number},
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 404
    assert list(response.json()) == ["detail"]
    [event] = events_since(before)
    assert (event.action, event.outcome, event.citizen_id) == ("search", "ok", None)
    assert event.detail == {"view": "api_citizen_lookup", "criterion": "cpr", "matched": False}
    assert event.request_id == request_id == response["X-Request-ID"]
    assert_no_cpr(number, before, response)


@pytest.mark.parametrize("typed", ["3213991234", "1234567", 1234567890, None])
def test_look_up_with_an_invalid_cpr_is_400(typed: Any) -> None:
    before = mark()
    response = post_json(token_client("ssp.aalborg"), f"{API}/citizens/lookup/", {"cpr": typed})
    assert_field_error(response, "cpr")
    assert events_since(before) == []


@pytest.mark.parametrize("username", ["statistik", "revisor", "politi.efterforsk", "admin"])
@pytest.mark.parametrize("route", ["citizens", "citizens/lookup"])
def test_who_may_not_open_cases_may_not_register_or_look_up(kk: Case, username, route) -> None:
    number = fresh_cpr(16)
    services.citizen_create(
        actor=user("ssp.aalborg"), cpr_number=number, first_name="Ida", last_name="Hansen"
    )
    citizens, before = count(Citizen), mark()
    request_id = rid()
    response = post_json(
        token_client(username),
        f"{API}/{route}/",
        {"cpr": number, "first_name": "A", "last_name": "B"},
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 403
    assert list(response.json()) == ["detail"]
    assert "Ida" not in response.content.decode()
    assert count(Citizen) == citizens
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.outcome) == (username, "search", "denied")
    view = "api_citizen_create" if route == "citizens" else "api_citizen_lookup"
    assert event.detail == {"object_type": "coordination.citizen", "view": view}
    assert event.citizen_id is None and event.request_id == request_id
    assert_no_cpr(number, before, response)


def test_the_cpr_throttle_answers_429_after_the_rate(monkeypatch) -> None:
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"cpr": "3/minute"})
    client = token_client("ssp.aalborg")
    statuses = [
        post_json(client, f"{API}/citizens/lookup/", {"cpr": fresh_cpr(30)}).status_code
        for _ in range(3)
    ]
    assert statuses == [404, 404, 404]
    before = mark()
    number = fresh_cpr(16)
    refused = [
        post_json(client, f"{API}/citizens/lookup/", {"cpr": number}),
        post_json(client, f"{API}/citizens/", {"cpr": number, "first_name": "A", "last_name": "B"}),
    ]
    for response in refused:
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert list(response.json()) == ["detail"]
    assert not Citizen.objects.by_cpr(number).exists()
    assert events_since(before) == []
    # Per user: someone else is not held back, and reads without a CPR number are not counted.
    other = post_json(token_client("fam.aalborg"), f"{API}/citizens/lookup/", {"cpr": number})
    assert other.status_code == 404
    assert client.get(f"{API}/cases/").status_code == 200
