"""API v1 (docs/api.md): registering a citizen and looking one up by CPR number: the
answer's shape (a handle, the register's name), that it is the same whether or not Samraad
holds the number (the acceptance of issue 14, item 7: ssp.hjoerring cannot tell whether an
Exit citizen's number is registered), 400 and 403 with nothing written, the audit events
(which never hold the number) and the CPR throttle."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.throttling import ScopedRateThrottle

from coordination import cpr, cpr_register, handles, services
from coordination.models import ALL_CATEGORIES, Case, Citizen
from tests.conftest import fresh_cpr
from tests.helpers import (
    API,
    assert_field_error,
    assert_no_cpr,
    count,
    events_since,
    forum,
    mark,
    post_json,
    rid,
    token_client,
    unit,
    user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_reset")]

CITIZEN_FIELDS = {"handle", "name", "birth_date", "masked_cpr"}


def register_name(number: str) -> str:
    person = cpr_register.lookup(number)
    assert person is not None
    return person.name


def exit_case(number: str) -> Case:
    """politi.forebyg opens an Exit Nordjylland case for the number, on the citizen's
    written consent (the forum rests on consent)."""
    police = user("politi.forebyg")
    citizen = services.citizen_create(
        actor=police, cpr_number=number, first_name="Hemmelig", last_name="Exitsen"
    )
    exit_forum, lead = forum("Exit Nordjylland"), unit("Forebyggelse Aalborg")
    services.consent_for_opening(
        actor=police,
        citizen=citizen,
        forum=exit_forum,
        lead_unit=lead,
        given_by="citizen",
        scope_units=[lead],
        scope_categories=list(ALL_CATEGORIES),
        purpose="Exit-forløb",
        form="written",
    )
    return services.case_open(actor=police, citizen=citizen, forum=exit_forum, lead_unit=lead)


def test_register_a_citizen_answers_with_the_registers_name_and_a_handle() -> None:
    number = fresh_cpr(16)
    request_id = rid()
    citizens, before = count(Citizen), mark()
    response = post_json(
        token_client("ssp.aalborg"),
        f"{API}/citizens/",
        {"cpr": f"{number[:6]}-{number[6:]}"},
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    born = cpr.birth_date(number)
    assert set(body) == CITIZEN_FIELDS
    assert body["name"] == register_name(number)
    assert (body["birth_date"], body["masked_cpr"]) == (born.isoformat(), cpr.mask(born))
    found = handles.read(body["handle"], user=user("ssp.aalborg"))
    assert found is not None and found.digits == number and found.citizen_id is None
    assert count(Citizen) == citizens  # nothing is stored until a case is opened
    assert response["X-Request-ID"] == request_id
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.outcome) == ("ssp.aalborg", "search", "ok")
    assert (event.citizen_id, event.case_id) == (None, None)
    assert event.detail == {"view": "api_citizen_create", "criterion": "cpr", "matched": False}
    assert event.request_id == request_id
    assert_no_cpr(number, before, response)


def test_typed_names_are_ignored_where_a_register_gives_the_name() -> None:
    number = fresh_cpr(16)
    response = post_json(
        token_client("ssp.aalborg"),
        f"{API}/citizens/",
        {"cpr": number, "first_name": "Selv", "last_name": "Valgt"},
    )
    assert response.status_code == 200
    assert response.json()["name"] == register_name(number) != "Selv Valgt"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"cpr": "3213991234"}, ["cpr"]),  # no 32nd of December
        ({"cpr": "12345"}, ["cpr"]),
        ({"cpr": "abcdefghij"}, ["cpr"]),
        ({"cpr": ""}, ["cpr"]),
        ({"cpr": "010101-12345"}, ["cpr"]),  # too long
        ({"cpr": 1234567890}, ["cpr"]),
        ({"cpr": "<valid>", "last_name": "x" * 101}, ["last_name"]),
        ({"first_name": "A", "last_name": "B"}, ["cpr"]),
    ],
)
def test_register_with_bad_input_is_400_and_writes_nothing(body: dict[str, Any], fields) -> None:
    number = fresh_cpr(16)
    if body.get("cpr") == "<valid>":
        body = {**body, "cpr": number}
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


def test_registering_a_known_number_answers_as_for_an_unknown_one(kk: Case) -> None:
    # ssp.aalborg registered the citizen; politi.forebyg registers the number again: no 409,
    # the register's name (not the stored one), nothing changed; the audit log knows.
    number = fresh_cpr(17)
    existing = services.citizen_create(
        actor=user("ssp.aalborg"), cpr_number=number, first_name="Ida", last_name="Hansen"
    )
    citizens, before = count(Citizen), mark()
    request_id = rid()
    response = post_json(
        token_client("politi.forebyg"),
        f"{API}/citizens/",
        {"cpr": number},
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == CITIZEN_FIELDS and body["name"] == register_name(number)
    text = response.content.decode()
    assert "Ida" not in text and "Hansen" not in text and f'"{existing.pk}"' not in text
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
    assert event.detail == {"view": "api_citizen_create", "criterion": "cpr", "matched": True}
    assert_no_cpr(number, before, response)


def test_look_up_a_citizen_of_a_visible_case_gives_the_stored_name(kk: Case) -> None:
    number = kk.citizen.full_cpr()
    request_id = rid()
    before = mark()
    response = post_json(
        token_client("fam.aalborg"),  # takes part in the case
        f"{API}/citizens/lookup/",
        {"cpr": number},
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == CITIZEN_FIELDS
    assert body["name"] == kk.citizen.name
    assert body["masked_cpr"] == kk.citizen.masked_cpr
    found = handles.read(body["handle"], user=user("fam.aalborg"))
    assert found is not None and found.digits == number
    assert response["X-Request-ID"] == request_id
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.outcome) == ("fam.aalborg", "search", "ok")
    assert event.citizen_id == kk.citizen_id and event.object_type == "coordination.citizen"
    assert event.detail == {"view": "api_citizen_lookup", "criterion": "cpr", "matched": True}
    assert event.request_id == request_id
    assert_no_cpr(number, before, response)


def test_look_up_without_a_visible_case_gives_no_name_known_or_not(kk: Case) -> None:
    # ssp.hjoerring sees no case of kk's citizen: the known number and an unknown one get
    # the same answer (no name), and both are audited (the log tells them apart).
    client = token_client("ssp.hjoerring")
    answers, events = [], []
    for number in (kk.citizen.full_cpr(), fresh_cpr(16)):
        before = mark()
        response = post_json(client, f"{API}/citizens/lookup/", {"cpr": number})
        assert response.status_code == 200
        answers.append(response.json())
        [event] = events_since(before)
        events.append(event)
        assert_no_cpr(number, before, response)
    assert [set(a) for a in answers] == [CITIZEN_FIELDS, CITIZEN_FIELDS]
    assert [a["name"] for a in answers] == [None, None]
    assert "Testesen" not in json.dumps(answers) and kk.citizen.first_name not in json.dumps(
        answers
    )
    assert [e.detail["matched"] for e in events] == [True, False]
    assert [e.citizen_id for e in events] == [kk.citizen_id, None]
    assert {(e.action, e.outcome, e.detail["criterion"]) for e in events} == {
        ("search", "ok", "cpr")
    }


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
    assert statuses == [200, 200, 200]
    before = mark()
    number = fresh_cpr(16)
    refused = [
        post_json(client, f"{API}/citizens/lookup/", {"cpr": number}),
        post_json(client, f"{API}/citizens/", {"cpr": number}),
    ]
    for response in refused:
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert list(response.json()) == ["detail"]
    assert not Citizen.objects.by_cpr(number).exists()
    assert events_since(before) == []
    # Per user: someone else is not held back, and reads without a CPR number are not counted.
    other = post_json(token_client("fam.aalborg"), f"{API}/citizens/lookup/", {"cpr": number})
    assert other.status_code == 200
    assert client.get(f"{API}/cases/").status_code == 200


# --- The acceptance: nothing tells ssp.hjoerring whether an Exit citizen is known ---------


# What differs between any two numbers: compared by type (and a handle by its length too).
PER_NUMBER = ("handle", "id", "name", "birth_date", "masked_cpr")


def _strip(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (type(value).__name__, len(value) if key in ("handle", "id") else None)
        if key in PER_NUMBER
        else value
        for key, value in answer.items()
    }


def test_ssp_hjoerring_cannot_tell_whether_an_exit_citizens_number_is_known() -> None:
    known, unknown = fresh_cpr(16), fresh_cpr(16)
    exit_citizen = exit_case(known).citizen
    assert not Citizen.objects.by_cpr(unknown).exists()
    hjoerring = token_client("ssp.hjoerring")
    answers: dict[str, dict[str, Any]] = {}
    for label, number in (("known", known), ("unknown", unknown)):
        for route in ("citizens", "citizens/lookup"):
            response = post_json(hjoerring, f"{API}/{route}/", {"cpr": number})
            assert response.status_code == 200, response.content
            body = response.json()
            answers[f"{label} {route}"] = body
            # No id anywhere: every value is text (the handle is opaque) or null.
            assert "id" not in body
            assert all(isinstance(value, str | None) for value in body.values())
            text = response.content.decode()
            assert "Hemmelig" not in text and "Exitsen" not in text
            # The name's source is the same for both: the register, or (look-up) none.
            expected = register_name(number) if route == "citizens" else None
            assert body["name"] == expected
    assert _strip(answers["known citizens"]) == _strip(answers["unknown citizens"])
    assert _strip(answers["known citizens/lookup"]) == _strip(answers["unknown citizens/lookup"])

    # Opening an SSP Hjørring case with either handle: answers of the same shape, the
    # citizen named by a handle and by the register's name, whichever was known.
    opened = {}
    for label, number in (("known", known), ("unknown", unknown)):
        response = post_json(
            hjoerring,
            f"{API}/cases/",
            {
                "citizen": answers[f"{label} citizens"]["handle"],
                "forum": forum("SSP Hjørring").pk,
                "lead_unit": unit("SSP Hjørring").pk,
            },
        )
        assert response.status_code == 201, response.content
        opened[label] = response.json()
        citizen = opened[label]["citizen"]
        assert set(citizen) == {"id", "name", "masked_cpr"}
        assert isinstance(citizen["id"], str) and handles.read(
            citizen["id"], user=user("ssp.hjoerring")
        )
        assert citizen["name"] == register_name(number)
        assert "Hemmelig" not in response.content.decode()
    # The case's own id, reference and time differ between any two cases.
    shapes = {
        label: {
            **{k: v for k, v in body.items() if k not in ("id", "reference", "opened_at")},
            "citizen": _strip(body["citizen"]),
        }
        for label, body in opened.items()
    }
    assert shapes["known"] == shapes["unknown"]
    # The known citizen got the new case (one record per number), named as the register
    # names them now; the unknown one was created only with the case.
    assert Citizen.objects.by_cpr(known).get().pk == exit_citizen.pk
    exit_citizen.refresh_from_db()
    assert exit_citizen.name == register_name(known)
    assert Citizen.objects.by_cpr(unknown).count() == 1
