"""Every resource of API v1 (../shared/docs/API.md) but the audit log (tests/coordination/
test_audit_api.py), as the people who use it in practice call it: the response's shape,
400 with the field's name and nothing written, 401, 403 and 404 with their DENIED audit
events, the audit events of each successful call, and the semantics the contract promises
(access ends at once, consent withdrawal hides entries at once, cursors, the CPR throttle).

Most tests work on a Knock Knock Aalborg case led by ssp.aalborg (SSP Aalborg) with
Familiegrupperne (fam.aalborg) and Forebyggelse Aalborg (politi.forebyg) taking part; the
consent tests on an Exit Nordjylland case led by politi.forebyg."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from typing import Any

import pytest
from django.core.cache import cache
from django.db.models import Max, Model
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import Unit, User
from coordination import services
from coordination.models import (
    Action,
    AuditEvent,
    Case,
    CaseParticipant,
    Citizen,
    Consent,
    Contact,
    Entry,
    Forum,
    Notification,
    Reminder,
)
from tests.conftest import fresh_cpr

pytestmark = pytest.mark.django_db

API = "/api/v1"
KNOCK = ("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg")
KNOCK_OTHERS = ["Familiegrupperne", "Forebyggelse Aalborg"]
EXIT = ("Exit Nordjylland", "politi.forebyg", "Forebyggelse Aalborg")
OUTSIDERS = ["ssp.hjoerring", "politi.efterforsk"]
MISSING = 99_999_999

CITIZEN_FIELDS = {"id", "name", "birth_date", "masked_cpr"}
CASE_FIELDS = {
    "id", "reference", "citizen", "forum", "status", "stage", "track", "opened_at",
    "closed_at", "next_review_at", "coordinator",
}  # fmt: skip
PARTICIPANT_FIELDS = {
    "id", "unit", "role", "legal_basis", "categories", "valid_from", "valid_until",
    "contact_user", "emergency", "legal_review",
}  # fmt: skip
ENTRY_FIELDS = {
    "id", "category", "legal_basis", "justification", "author", "author_unit",
    "audience_all", "audience", "consent", "text", "created_at",
}  # fmt: skip
CONTACT_FIELDS = {
    "id", "kind", "result", "occurred_at", "note", "logged_by", "unit", "partner",
    "related_person", "created_at",
}  # fmt: skip
ACTION_FIELDS = {
    "id", "case", "title", "responsible", "responsible_unit", "due_at", "status",
    "result_note", "completed_at", "created_at",
}  # fmt: skip
CONSENT_FIELDS = {
    "id", "citizen", "given_by", "guardian_name", "scope_units", "scope_categories",
    "purpose", "form", "document_reference", "given_at", "valid_until", "withdrawn_at",
    "active",
}  # fmt: skip
NOTIFICATION_FIELDS = {
    "id", "kind", "case", "action", "consent", "deadline", "created_at", "read_at",
}  # fmt: skip


# --- Helpers -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _throttle_reset() -> Any:
    """The CPR throttle counts in the cache, which a test's rollback does not reset."""
    cache.clear()
    yield
    cache.clear()


def token_client(username: str) -> Client:
    token, _created = Token.objects.get_or_create(user=User.objects.get(username=username))
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def user(username: str) -> User:
    return User.objects.get(username=username)


def unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def forum(name: str) -> Forum:
    return Forum.objects.get(name=name)


def post_json(client: Client, path: str, body: Any, **extra: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def mark() -> int:
    """The newest audit event's id: events written after it are the call's."""
    return AuditEvent.objects.aggregate(newest=Max("pk"))["newest"] or 0


def events_since(before: int, **filters: Any) -> list[AuditEvent]:
    """The audit events written since `before` (but the issuing of the test's API tokens,
    which token_client does on first use)."""
    events = AuditEvent.objects.filter(pk__gt=before, **filters).order_by("pk")
    return [e for e in events if e.detail.get("change") != "api_token_issued"]


def rid() -> str:
    return str(uuid.uuid4())


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    rows: list[dict[str, Any]] = body["results"]
    return rows


def assert_field_error(response: Any, *fields: str, nested: bool = False) -> None:
    """A 400 in the contract's shape: {"field": ["message", ...]} for each of `fields`
    (`nested`: a list field's {"field": {"0": ["message"]}}, see test_list_field_errors_...)."""
    assert response.status_code == 400, response.content
    body = response.json()
    for field in fields:
        assert field in body, body
        if nested and isinstance(body[field], dict):
            assert all(isinstance(v, list) and v for v in body[field].values()), body
            continue
        assert isinstance(body[field], list) and body[field], body
        assert all(isinstance(message, str) and message for message in body[field]), body


def assert_no_cpr(number: str, before: int, *responses: Any) -> None:
    """Neither the responses nor any audit event written since `before` holds the number
    (in either of its spellings)."""
    spellings = (number, f"{number[:6]}-{number[6:]}")
    fields = ("detail", "purpose", "object_id", "object_type", "categories", "request_id")
    texts = [
        json.dumps(row, default=str)
        for row in AuditEvent.objects.filter(pk__gt=before).values(*fields)
    ]
    texts += [response.content.decode() for response in responses]
    for text in texts:
        for spelling in spellings:
            assert spelling not in text


def count(model: type[Model], **filters: Any) -> int:
    return model._default_manager.filter(**filters).count()


@pytest.fixture
def kk(open_case) -> Case:
    """A Knock Knock Aalborg case led by ssp.aalborg, with Familiegrupperne and Forebyggelse
    Aalborg taking part."""
    case: Case = open_case(*KNOCK, age=16, others=KNOCK_OTHERS, track="15-17")
    return case


@pytest.fixture
def exit_case(open_case) -> Case:
    """An Exit Nordjylland case led by politi.forebyg, with Socialforvaltningen Aalborg and
    Jobcenter Aalborg taking part."""
    case: Case = open_case(
        *EXIT, age=24, others=["Socialforvaltningen Aalborg", "Jobcenter Aalborg"]
    )
    return case


def add_informed_jobcenter(case: Case) -> CaseParticipant:
    return services.participant_add(
        actor=user("ssp.aalborg"),
        case=case,
        unit=unit("Jobcenter Aalborg"),
        role="informed",
        legal_basis="RPL115_SSP",
        categories=["employment", "general"],
    )


def make_action(case: Case, responsible: str = "ssp.aalborg", days: int = 3) -> Action:
    return services.action_create(
        actor=case.coordinator or user("ssp.aalborg"),
        case=case,
        title="Nyt besøg",
        responsible=user(responsible),
        due_at=timezone.now() + dt.timedelta(days=days),
    )


def make_consent(case: Case, actor: str, units: Iterable[str], categories: list[str]) -> Consent:
    return services.consent_register(
        actor=user(actor),
        case=case,
        given_by="citizen",
        scope_units=[unit(name) for name in units],
        scope_categories=categories,
        purpose="Exit-forløb",
        form="written",
    )


def entry_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "category": "general",
        "legal_basis": "RPL115_SSP",
        "justification": "Koordinering af besøg",
        "audience": [],
        "text": "Aftalt banke-på-besøg torsdag.",
    }
    return {**body, **overrides}


def contact_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "kind": "knock_visit",
        "result": "not_home",
        "occurred_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "note": "Ingen hjemme",
    }
    return {**body, **overrides}


def action_body(responsible: str = "fam.aalborg", **overrides: Any) -> dict[str, Any]:
    body = {
        "title": "Opfølgende samtale",
        "responsible": user(responsible).pk,
        "due_at": (timezone.now() + dt.timedelta(days=3)).isoformat(),
    }
    return {**body, **overrides}


def consent_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "given_by": "citizen",
        "scope_units": [unit("Forebyggelse Aalborg").pk, unit("Socialforvaltningen Aalborg").pk],
        "scope_categories": ["social", "general"],
        "purpose": "Exit-forløb",
    }
    return {**body, **overrides}


def participant_body(name: str = "Jobcenter Aalborg", **overrides: Any) -> dict[str, Any]:
    body = {
        "unit": unit(name).pk,
        "role": "informed",
        "legal_basis": "RPL115_SSP",
        "categories": ["employment", "general"],
    }
    return {**body, **overrides}


def follow(client: Client, first: str) -> list[list[dict[str, Any]]]:
    """Every page of a cursor list, following `next` from `first`."""
    pages = []
    response = client.get(first)
    while True:
        pages.append(results(response))
        following = response.json()["next"]
        if following is None:
            return pages
        assert len(pages) < 100, "the cursor does not end"
        response = client.get(following)


# --- Authentication: 401 on every route ----------------------------------------------------

ROUTES = [
    ("get", "/me/"),
    ("get", "/units/"),
    ("get", "/forums/"),
    ("post", "/citizens/"),
    ("post", "/citizens/lookup/"),
    ("get", "/cases/"),
    ("post", "/cases/"),
    ("get", "/cases/{case}/"),
    ("get", "/cases/{case}/participants/"),
    ("post", "/cases/{case}/participants/"),
    ("delete", "/cases/{case}/participants/{participant}/"),
    ("get", "/cases/{case}/entries/"),
    ("post", "/cases/{case}/entries/"),
    ("get", "/cases/{case}/contacts/"),
    ("post", "/cases/{case}/contacts/"),
    ("get", "/cases/{case}/actions/"),
    ("post", "/cases/{case}/actions/"),
    ("post", "/actions/{action}/complete/"),
    ("get", "/cases/{case}/consents/"),
    ("post", "/cases/{case}/consents/"),
    ("post", "/consents/{consent}/withdraw/"),
    ("get", "/notifications/"),
]


@pytest.mark.parametrize("credentials", ["none", "bad token", "inactive user's token"])
@pytest.mark.parametrize(("method", "route"), ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
def test_every_route_is_401_without_valid_credentials(
    kk: Case, credentials: str, method: str, route: str
) -> None:
    participant = kk.participants.get(unit__name="Familiegrupperne")
    action = make_action(kk)
    consent = make_consent(kk, "ssp.aalborg", ["Familiegrupperne"], ["social"])
    path = API + route.format(
        case=kk.pk, participant=participant.pk, action=action.pk, consent=consent.pk
    )
    if credentials == "none":
        client = Client()
    elif credentials == "bad token":
        client = Client(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    else:
        gone = User.objects.create_user(username="gone.aalborg", is_active=False)
        client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=gone).key}")
    number = fresh_cpr(16)
    before = mark()
    rows = (Citizen, Case, CaseParticipant, Entry, Contact, Action, Consent)
    counts = [count(model) for model in rows]
    if method == "get":
        response = client.get(path)
    elif method == "delete":
        response = client.delete(path)
    else:
        response = post_json(client, path, {"cpr": number, "first_name": "A", "last_name": "B"})
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Token")
    assert set(response.json()) == {"detail"}
    assert events_since(before) == []
    assert [count(model) for model in rows] == counts
    assert CaseParticipant.objects.active().filter(pk=participant.pk).exists()
    assert Action.objects.get(pk=action.pk).status == "open"
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None


# --- The caller, units, forums -------------------------------------------------------------


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


# --- Citizens ------------------------------------------------------------------------------


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


# --- Cases ---------------------------------------------------------------------------------


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


def normalise_times(row: dict[str, Any], *fields: str) -> dict[str, Any]:
    return {k: (dt.datetime.fromisoformat(v) if k in fields and v else v) for k, v in row.items()}


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


# --- Outsiders: 404 on every object route, like a nonexistent id ------------------------

OBJECT_ROUTES = [
    ("get", "/cases/{case}/"),
    ("get", "/cases/{case}/participants/"),
    ("post", "/cases/{case}/participants/"),
    ("delete", "/cases/{case}/participants/{participant}/"),
    ("get", "/cases/{case}/entries/"),
    ("post", "/cases/{case}/entries/"),
    ("get", "/cases/{case}/contacts/"),
    ("post", "/cases/{case}/contacts/"),
    ("get", "/cases/{case}/actions/"),
    ("post", "/cases/{case}/actions/"),
    ("post", "/actions/{action}/complete/"),
    ("get", "/cases/{case}/consents/"),
    ("post", "/cases/{case}/consents/"),
    ("post", "/consents/{consent}/withdraw/"),
]


def valid_body(route: str) -> dict[str, Any]:
    """A body the lead could send with success, so that only access decides the answer."""
    if "participants" in route:
        return participant_body()
    if "entries" in route:
        return entry_body()
    if "contacts" in route:
        return contact_body()
    if route.endswith("/actions/"):
        return action_body()
    if route.endswith("/consents/"):
        return consent_body(scope_units=[unit("Familiegrupperne").pk])
    if "complete" in route:
        return {"note": "Klaret"}
    return {}


def call(client: Client, method: str, path: str, body: dict[str, Any]) -> Any:
    if method == "get":
        return client.get(path)
    if method == "delete":
        return client.delete(path)
    return post_json(client, path, body)


def content_state(case: Case) -> dict[str, Any]:
    return {
        "participants": sorted(
            CaseParticipant.objects.active().filter(case=case).values_list("pk", flat=True)
        ),
        "rows": [count(model, case=case) for model in (Entry, Contact, Action, CaseParticipant)],
        "consents": list(
            Consent.objects.filter(citizen=case.citizen_id).values_list("pk", "withdrawn_at")
        ),
        "actions": list(Action.objects.filter(case=case).values_list("pk", "status")),
    }


@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize(
    ("method", "route"), OBJECT_ROUTES, ids=[f"{m} {r}" for m, r in OBJECT_ROUTES]
)
def test_an_outsider_gets_404_like_a_nonexistent_id(kk: Case, outsider, method, route) -> None:
    participant = kk.participants.get(unit__name="Familiegrupperne")
    action = make_action(kk)
    consent = make_consent(kk, "ssp.aalborg", ["Familiegrupperne"], ["social"])
    ids = {"case": kk.pk, "participant": participant.pk, "action": action.pk, "consent": consent.pk}
    client = token_client(outsider)
    state, before = content_state(kk), mark()
    request_id = rid()
    path = API + route.format(**ids)
    response = (
        client.get(path, HTTP_X_REQUEST_ID=request_id)
        if method == "get"
        else client.delete(path, HTTP_X_REQUEST_ID=request_id)
        if method == "delete"
        else post_json(client, path, valid_body(route), HTTP_X_REQUEST_ID=request_id)
    )
    assert response.status_code == 404, response.content
    assert content_state(kk) == state
    written = events_since(before)
    assert [(e.actor_username, e.action, e.outcome) for e in written] == [
        (outsider, "view", "denied")
    ]
    [event] = written
    assert event.request_id == request_id
    if "consents/{consent}" in route:
        assert event.detail == {"object_type": "coordination.consent", "object_id": str(consent.pk)}
    else:
        assert event.detail == {"object_type": "coordination.case", "object_id": str(kk.pk)}
    # Nothing links the refusal to the citizen: the outsider must not learn of them, and the
    # log only says which id was tried.
    assert (event.case_id, event.citizen_id) == (None, None)
    # Exactly the answer for an id that does not exist.
    missing = API + route.format(**dict.fromkeys(ids, MISSING))
    nothing = call(client, method, missing, valid_body(route))
    assert nothing.status_code == 404
    assert nothing.json() == response.json()
    assert kk.citizen.first_name not in response.content.decode()


def test_completing_a_nonexistent_action_is_audited_as_denied() -> None:
    before = mark()
    response = post_json(token_client("ssp.hjoerring"), f"{API}/actions/{MISSING}/complete/", {})
    assert response.status_code == 404
    assert [(e.action, e.outcome) for e in events_since(before)] == [("view", "denied")]


def test_a_nonexistent_case_or_consent_id_is_audited_as_denied() -> None:
    client = token_client("ssp.aalborg")
    before = mark()
    assert client.get(f"{API}/cases/{MISSING}/entries/").status_code == 404
    assert post_json(client, f"{API}/consents/{MISSING}/withdraw/", {}).status_code == 404
    assert [(e.outcome, e.detail) for e in events_since(before)] == [
        ("denied", {"object_type": "coordination.case", "object_id": str(MISSING)}),
        ("denied", {"object_type": "coordination.consent", "object_id": str(MISSING)}),
    ]


# --- Participants --------------------------------------------------------------------------


def test_participants_list(kk: Case) -> None:
    request_id = rid()
    before = mark()
    response = token_client("fam.aalborg").get(
        f"{API}/cases/{kk.pk}/participants/", HTTP_X_REQUEST_ID=request_id
    )
    rows = results(response)
    participants = list(CaseParticipant.objects.filter(case=kk).order_by("pk"))
    assert [row["id"] for row in rows] == [p.pk for p in participants]
    assert all(set(row) == PARTICIPANT_FIELDS for row in rows)
    lead = rows[0]
    assert {k: lead[k] for k in ("unit", "role", "legal_basis", "contact_user", "emergency")} == {
        "unit": unit("SSP Aalborg").pk,
        "role": "lead",
        "legal_basis": "RPL115_SSP",
        "contact_user": user("ssp.aalborg").pk,
        "emergency": False,
    }
    assert sorted(lead["categories"]) == sorted(
        ["identity", "social", "health", "police", "school", "employment", "general"]
    )
    assert lead["valid_until"] is None and lead["legal_review"] is False
    assert {row["unit"] for row in rows[1:]} == {unit(name).pk for name in KNOCK_OTHERS}
    assert {row["role"] for row in rows[1:]} == {"participant"}
    [event] = events_since(before)
    assert (event.action, event.outcome, event.case_id) == ("view", "ok", kk.pk)
    assert event.actor_unit == unit("Familiegrupperne")
    assert event.detail == {
        "view": "api_case_participants",
        "participants": [p.pk for p in participants],
    }
    assert event.request_id == request_id == response["X-Request-ID"]


def test_participants_cursor_returns_every_row_once(kk: Case) -> None:
    add_informed_jobcenter(kk)
    client = token_client("ssp.aalborg")
    pages = follow(client, f"{API}/cases/{kk.pk}/participants/?page_size=2")
    assert [len(page) for page in pages] == [2, 2]
    seen = [row["id"] for page in pages for row in page]
    assert seen == list(
        CaseParticipant.objects.filter(case=kk).order_by("pk").values_list("pk", flat=True)
    )


def test_the_lead_adds_a_participant_whose_access_starts_at_once(kk: Case) -> None:
    job = token_client("job.aalborg")
    assert job.get(f"{API}/cases/{kk.pk}/").status_code == 404
    request_id = rid()
    before = mark()
    valid_until = (timezone.now() + dt.timedelta(days=90)).replace(microsecond=0)
    response = post_json(
        token_client("ssp.aalborg"),
        f"{API}/cases/{kk.pk}/participants/",
        participant_body(
            categories=["general", "employment", "general"],
            valid_until=valid_until.isoformat(),
            contact_user=user("job.aalborg").pk,
        ),
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    participant = CaseParticipant.objects.get(case=kk, unit__name="Jobcenter Aalborg")
    assert set(body) == PARTICIPANT_FIELDS
    assert body["id"] == participant.pk
    assert {k: body[k] for k in ("unit", "role", "legal_basis", "categories", "contact_user")} == {
        "unit": unit("Jobcenter Aalborg").pk,
        "role": "informed",
        "legal_basis": "RPL115_SSP",
        "categories": ["employment", "general"],
        "contact_user": user("job.aalborg").pk,
    }
    assert dt.datetime.fromisoformat(body["valid_until"]) == valid_until
    assert body["emergency"] is False and body["legal_review"] is False
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.outcome) == (
        "ssp.aalborg",
        "grant_change",
        "ok",
    )
    assert (event.case_id, event.citizen_id) == (kk.pk, kk.citizen_id)
    assert event.detail["change"] == "participant_add"
    assert event.detail["unit"] == unit("Jobcenter Aalborg").pk
    assert event.request_id == request_id == response["X-Request-ID"]
    assert job.get(f"{API}/cases/{kk.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unit": "SSP Hjørring"}, "unit"),  # an SSP unit, but not a member of the forum
        ({"unit": "Socialforvaltningen Aalborg"}, "unit"),  # the law does not admit it
        ({"unit": "Efterforskning"}, "unit"),
        ({"unit": "Familiegrupperne"}, "unit"),  # already takes part
        ({"unit": MISSING}, "unit"),
        ({"role": "lead"}, "role"),
        ({"role": "boss"}, "role"),
        ({"legal_basis": "RPL115_PSP"}, "legal_basis"),
        ({"legal_basis": "MAGIC"}, "legal_basis"),
        ({"categories": ["gossip"]}, "categories"),
        ({"categories": []}, "categories"),
        ({"categories": "general"}, "categories"),
        ({"valid_until": "2001-01-01T00:00:00+01:00"}, "valid_until"),
        ({"valid_until": "next week"}, "valid_until"),
        ({"contact_user": "fam.aalborg"}, "contact_user"),  # not in Jobcenter Aalborg
    ],
)
def test_adding_a_participant_with_bad_input_is_400(kk: Case, change, field) -> None:
    body = participant_body()
    for key, value in change.items():
        if key == "unit" and isinstance(value, str):
            value = unit(value).pk
        if key == "contact_user":
            value = user(value).pk
        body[key] = value
    state, before = content_state(kk), mark()
    response = post_json(token_client("ssp.aalborg"), f"{API}/cases/{kk.pk}/participants/", body)
    assert_field_error(response, field, nested=True)
    assert list(response.json()) == [field]
    assert content_state(kk) == state
    assert events_since(before) == []


@pytest.mark.parametrize("username", ["fam.aalborg", "politi.forebyg"])
def test_a_participant_who_does_not_lead_may_not_add_participants(kk: Case, username) -> None:
    state, before = content_state(kk), mark()
    request_id = rid()
    response = post_json(
        token_client(username),
        f"{API}/cases/{kk.pk}/participants/",
        participant_body(),
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 403
    assert list(response.json()) == ["detail"]
    assert content_state(kk) == state
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.outcome) == (username, "view", "denied")
    assert (event.case_id, event.citizen_id) == (kk.pk, kk.citizen_id)
    assert event.detail == {"refused": "manage_case"} and event.request_id == request_id


def test_ending_a_participation_ends_access_at_once(kk: Case) -> None:
    family = kk.participants.get(unit__name="Familiegrupperne")
    entry = services.entry_share(
        actor=user("ssp.aalborg"),
        case=kk,
        category="social",
        legal_basis="RPL115_SSP",
        justification="j",
        text="Familien er orienteret",
    )
    action = make_action(kk, responsible="fam.aalborg")
    fam = token_client("fam.aalborg")
    assert [row["id"] for row in results(fam.get(f"{API}/cases/{kk.pk}/entries/"))] == [entry.pk]
    request_id = rid()
    before = mark()
    response = token_client("ssp.aalborg").delete(
        f"{API}/cases/{kk.pk}/participants/{family.pk}/", HTTP_X_REQUEST_ID=request_id
    )
    assert response.status_code == 204
    assert response.content == b""
    family.refresh_from_db()
    assert family.valid_until is not None and family.valid_until <= timezone.now()
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.outcome) == (
        "ssp.aalborg",
        "grant_change",
        "ok",
    )
    assert event.case_id == kk.pk and event.request_id == request_id
    assert event.detail == {"change": "participant_end", "unit": unit("Familiegrupperne").pk}
    # fam.aalborg: the case is gone on the very next request, everywhere.
    for path in ("/", "/entries/", "/contacts/", "/participants/", "/actions/", "/consents/"):
        assert fam.get(f"{API}/cases/{kk.pk}{path}").status_code == 404, path
    assert post_json(fam, f"{API}/actions/{action.pk}/complete/", {}).status_code == 404
    assert kk.pk not in {row["id"] for row in results(fam.get(f"{API}/cases/?page_size=500"))}
    # The lead's list no longer shows the unit; ending it again is a 404.
    rows = results(token_client("ssp.aalborg").get(f"{API}/cases/{kk.pk}/participants/"))
    assert family.pk not in {row["id"] for row in rows}
    again = token_client("ssp.aalborg").delete(f"{API}/cases/{kk.pk}/participants/{family.pk}/")
    assert again.status_code == 404


def test_the_lead_unit_cannot_be_removed(kk: Case) -> None:
    lead = kk.participants.get(role="lead")
    before = mark()
    response = token_client("ssp.aalborg").delete(f"{API}/cases/{kk.pk}/participants/{lead.pk}/")
    assert_field_error(response, "unit")
    assert CaseParticipant.objects.active().filter(pk=lead.pk).exists()
    assert events_since(before, action="grant_change") == []


def test_ending_a_participant_of_another_case_is_404(kk: Case, open_case) -> None:
    other = open_case(*KNOCK, age=17, others=["Familiegrupperne"])
    theirs = other.participants.get(unit__name="Familiegrupperne")
    response = token_client("ssp.aalborg").delete(f"{API}/cases/{kk.pk}/participants/{theirs.pk}/")
    assert response.status_code == 404
    assert CaseParticipant.objects.active().filter(pk=theirs.pk).exists()


def test_a_participant_may_not_end_participations(kk: Case) -> None:
    police = kk.participants.get(unit__name="Forebyggelse Aalborg")
    before = mark()
    response = token_client("fam.aalborg").delete(f"{API}/cases/{kk.pk}/participants/{police.pk}/")
    assert response.status_code == 403
    assert CaseParticipant.objects.active().filter(pk=police.pk).exists()
    [event] = events_since(before)
    assert (event.outcome, event.case_id, event.detail) == (
        "denied",
        kk.pk,
        {"refused": "manage_case"},
    )


# --- Entries -------------------------------------------------------------------------------


def test_share_an_entry_with_all_participants(kk: Case) -> None:
    request_id = rid()
    before = mark()
    response = post_json(
        token_client("ssp.aalborg"),
        f"{API}/cases/{kk.pk}/entries/",
        entry_body(),
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    entry = Entry.objects.get(case=kk)
    assert set(body) == ENTRY_FIELDS
    assert normalise_times(body, "created_at") == {
        "id": entry.pk,
        "category": "general",
        "legal_basis": "RPL115_SSP",
        "justification": "Koordinering af besøg",
        "author": user("ssp.aalborg").pk,
        "author_unit": unit("SSP Aalborg").pk,
        "audience_all": True,
        "audience": [],
        "consent": None,
        "text": "Aftalt banke-på-besøg torsdag.",
        "created_at": entry.created_at,
    }
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.outcome) == ("ssp.aalborg", "disclose", "ok")
    assert (event.case_id, event.citizen_id, event.object_id) == (
        kk.pk,
        kk.citizen_id,
        str(entry.pk),
    )
    assert event.categories == ["general"] and event.legal_basis == "RPL115_SSP"
    assert event.purpose == "Koordinering af besøg"
    assert event.detail == {
        "recipients": sorted(unit(name).pk for name in KNOCK_OTHERS),
        "audience_all": True,
    }
    assert event.request_id == request_id == response["X-Request-ID"]
    for username in ("fam.aalborg", "politi.forebyg"):
        rows = results(token_client(username).get(f"{API}/cases/{kk.pk}/entries/"))
        assert [row["id"] for row in rows] == [entry.pk]


def test_entries_list_respects_the_audience(kk: Case) -> None:
    ssp = token_client("ssp.aalborg")
    add_informed_jobcenter(kk)
    family = unit("Familiegrupperne")
    named = post_json(
        ssp,
        f"{API}/cases/{kk.pk}/entries/",
        entry_body(category="social", audience=[family.pk], text="Kun til familien"),
    )
    assert named.status_code == 201, named.content
    assert named.json()["audience"] == [family.pk] and named.json()["audience_all"] is False
    everyone = post_json(ssp, f"{API}/cases/{kk.pk}/entries/", entry_body(category="social"))
    assert everyone.status_code == 201
    general = post_json(ssp, f"{API}/cases/{kk.pk}/entries/", entry_body())
    assert general.status_code == 201
    ids = {
        name: r.json()["id"] for name, r in (("named", named), ("all", everyone), ("gen", general))
    }

    def seen(username: str) -> list[int]:
        return [
            row["id"]
            for row in results(token_client(username).get(f"{API}/cases/{kk.pk}/entries/"))
        ]

    assert seen("ssp.aalborg") == [ids["gen"], ids["all"], ids["named"]]  # newest first
    assert seen("fam.aalborg") == [ids["gen"], ids["all"], ids["named"]]
    assert seen("politi.forebyg") == [ids["gen"], ids["all"]]  # not in the audience
    # A jobcenter sees social entries only when named (LEGAL.md 3); general ones it sees.
    assert seen("job.aalborg") == [ids["gen"]]
    before = mark()
    request_id = rid()
    response = token_client("politi.forebyg").get(
        f"{API}/cases/{kk.pk}/entries/", HTTP_X_REQUEST_ID=request_id
    )
    assert "Kun til familien" not in response.content.decode()
    [event] = events_since(before)
    assert (event.action, event.case_id, event.citizen_id) == ("view", kk.pk, kk.citizen_id)
    assert event.detail == {"view": "api_case_entries", "entries": [ids["gen"], ids["all"]]}
    assert event.categories == ["general", "social"]
    assert event.actor_unit == unit("Forebyggelse Aalborg")
    assert event.request_id == request_id == response["X-Request-ID"]


def test_entries_cursor_returns_every_entry_once(kk: Case) -> None:
    made = [
        services.entry_share(
            actor=user("ssp.aalborg"),
            case=kk,
            category="general",
            legal_basis="RPL115_SSP",
            justification="j",
            text=f"Notat {n}",
        ).pk
        for n in range(5)
    ]
    pages = follow(token_client("fam.aalborg"), f"{API}/cases/{kk.pk}/entries/?page_size=2")
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [row["id"] for page in pages for row in page] == made[::-1]


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"category": "gossip"}, ["category"]),
        ({"legal_basis": "RPL115_PSP"}, ["legal_basis"]),  # a PSP basis in Knock Knock
        ({"legal_basis": "SUL43_2_2"}, ["legal_basis", "deciding_professional"]),
        ({"legal_basis": "CONSENT"}, ["consent"]),  # no consent named
        ({"audience": ["Jobcenter Aalborg"]}, ["audience"]),  # not taking part
        ({"audience": [MISSING]}, ["audience"]),
        ({"legal_basis": "UNDERRETNING", "audience": ["Forebyggelse Aalborg"]}, ["audience"]),
        ({"legal_basis": "UNDERRETNING"}, ["audience"]),  # must name child welfare
        ({"justification": ""}, ["justification"]),
        ({"text": ""}, ["text"]),
        ({"audience": "all"}, ["audience"]),
        ({"unit": "Familiegrupperne"}, ["non_field_errors"]),
    ],
)
def test_sharing_with_bad_input_is_400_and_writes_nothing(kk: Case, change, fields) -> None:
    body = entry_body()
    for key, value in change.items():
        if key == "audience" and isinstance(value, list):
            value = [unit(v).pk if isinstance(v, str) else v for v in value]
        if key == "unit":
            value = unit(value).pk
        body[key] = value
    state, before = content_state(kk), mark()
    response = post_json(token_client("ssp.aalborg"), f"{API}/cases/{kk.pk}/entries/", body)
    if fields == ["non_field_errors"]:
        # Sharing for a unit the caller does not work in is refused, whichever code it is.
        assert response.status_code in (400, 403), response.content
    else:
        assert_field_error(response, *fields)
        assert set(response.json()) == set(fields)
    assert content_state(kk) == state
    assert events_since(before, outcome="ok") == []


def test_an_informed_participant_may_read_but_not_share(kk: Case) -> None:
    add_informed_jobcenter(kk)
    job = token_client("job.aalborg")
    assert results(job.get(f"{API}/cases/{kk.pk}/entries/")) == []
    for path, body in (
        ("entries", entry_body()),
        ("contacts", contact_body()),
        ("actions", action_body()),
        ("consents", consent_body(scope_units=[unit("Familiegrupperne").pk])),
    ):
        state, before = content_state(kk), mark()
        request_id = rid()
        response = post_json(
            job, f"{API}/cases/{kk.pk}/{path}/", body, HTTP_X_REQUEST_ID=request_id
        )
        assert response.status_code == 403, path
        assert content_state(kk) == state
        [event] = events_since(before)
        assert (event.actor_username, event.action, event.outcome) == (
            "job.aalborg",
            "view",
            "denied",
        )
        refused = "log_contact" if path in ("contacts", "actions") else "add_entry"
        assert event.detail == {"refused": refused}
        assert event.case_id == kk.pk and event.request_id == request_id


# --- Contacts ------------------------------------------------------------------------------


def test_log_a_contact_and_list_the_log(kk: Case) -> None:
    request_id = rid()
    before = mark()
    occurred = (timezone.now() - dt.timedelta(hours=1)).replace(microsecond=0)
    response = post_json(
        token_client("politi.forebyg"),
        f"{API}/cases/{kk.pk}/contacts/",
        contact_body(occurred_at=occurred.isoformat(), partner=user("ssp.aalborg").pk),
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    contact = Contact.objects.get(case=kk)
    assert set(body) == CONTACT_FIELDS
    assert {k: v for k, v in body.items() if k not in ("occurred_at", "created_at")} == {
        "id": contact.pk,
        "kind": "knock_visit",
        "result": "not_home",
        "note": "Ingen hjemme",
        "logged_by": user("politi.forebyg").pk,
        "unit": unit("Forebyggelse Aalborg").pk,
        "partner": user("ssp.aalborg").pk,
        "related_person": None,
    }
    assert dt.datetime.fromisoformat(body["occurred_at"]) == occurred
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.outcome, event.object_type) == (
        "politi.forebyg",
        "create",
        "ok",
        "coordination.contact",
    )
    assert (event.case_id, event.citizen_id) == (kk.pk, kk.citizen_id)
    assert event.request_id == request_id == response["X-Request-ID"]

    before = mark()
    request_id = rid()
    listed = token_client("fam.aalborg").get(
        f"{API}/cases/{kk.pk}/contacts/", HTTP_X_REQUEST_ID=request_id
    )
    rows = results(listed)
    assert rows == [body]
    [event] = events_since(before)
    assert (event.action, event.case_id) == ("view", kk.pk)
    assert event.detail == {"view": "api_case_contacts", "contacts": [contact.pk]}
    assert event.request_id == request_id == listed["X-Request-ID"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"occurred_at": "<tomorrow>"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": None}, "occurred_at"),
        ({"kind": "carrier_pigeon"}, "kind"),
        ({"result": "maybe"}, "result"),
        ({"note": "x" * 501}, "note"),
        ({"partner": "ssp.hjoerring"}, "partner"),  # not taking part
        ({"partner": "ssp.aalborg"}, "partner"),  # oneself
    ],
)
def test_logging_a_contact_with_bad_input_is_400(kk: Case, change, field) -> None:
    body = contact_body()
    for key, value in change.items():
        if value == "<tomorrow>":
            value = (timezone.now() + dt.timedelta(days=1)).isoformat()
        if key == "partner":
            value = user(value).pk
        body[key] = value
    state, before = content_state(kk), mark()
    response = post_json(token_client("ssp.aalborg"), f"{API}/cases/{kk.pk}/contacts/", body)
    assert_field_error(response, field)
    assert list(response.json()) == [field]
    assert content_state(kk) == state
    assert events_since(before) == []


# --- Actions -------------------------------------------------------------------------------


def test_add_an_action_and_list_open_and_finished_ones(kk: Case) -> None:
    done = make_action(kk, days=1)
    services.action_complete(actor=user("ssp.aalborg"), action=done, note="ok")
    request_id = rid()
    before = mark()
    due = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    response = post_json(
        token_client("ssp.aalborg"),
        f"{API}/cases/{kk.pk}/actions/",
        action_body(due_at=due.isoformat()),
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    action = Action.objects.get(case=kk, title="Opfølgende samtale")
    assert set(body) == ACTION_FIELDS
    assert {k: v for k, v in body.items() if k not in ("due_at", "created_at")} == {
        "id": action.pk,
        "case": kk.pk,
        "title": "Opfølgende samtale",
        "responsible": user("fam.aalborg").pk,
        "responsible_unit": unit("Familiegrupperne").pk,
        "status": "open",
        "result_note": "",
        "completed_at": None,
    }
    assert dt.datetime.fromisoformat(body["due_at"]) == due
    [event] = events_since(before)
    assert (event.action, event.outcome, event.object_type, event.case_id) == (
        "create",
        "ok",
        "coordination.action",
        kk.pk,
    )
    assert event.detail["responsible"] == user("fam.aalborg").pk
    assert event.request_id == request_id == response["X-Request-ID"]

    before = mark()
    request_id = rid()
    listed = token_client("politi.forebyg").get(
        f"{API}/cases/{kk.pk}/actions/", HTTP_X_REQUEST_ID=request_id
    )
    rows = results(listed)
    assert [(row["id"], row["status"]) for row in rows] == [(done.pk, "done"), (action.pk, "open")]
    [event] = events_since(before)
    assert event.detail == {"view": "api_case_actions", "actions": [done.pk, action.pk]}
    assert event.request_id == request_id == listed["X-Request-ID"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"due_at": "<an hour ago>"}, "due_at"),
        ({"due_at": "soon"}, "due_at"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"responsible": "ssp.hjoerring"}, "responsible"),  # not taking part
        ({"responsible": "politi.efterforsk"}, "responsible"),
        ({"responsible": "job.aalborg"}, "responsible"),  # only informed
        ({"responsible": MISSING}, "responsible"),
    ],
)
def test_adding_an_action_with_bad_input_is_400(kk: Case, change, field) -> None:
    add_informed_jobcenter(kk)
    body = action_body()
    for key, value in change.items():
        if value == "<an hour ago>":
            value = (timezone.now() - dt.timedelta(hours=1)).isoformat()
        if key == "responsible" and isinstance(value, str):
            value = user(value).pk
        body[key] = value
    state, before = content_state(kk), mark()
    response = post_json(token_client("ssp.aalborg"), f"{API}/cases/{kk.pk}/actions/", body)
    assert_field_error(response, field)
    assert list(response.json()) == [field]
    assert content_state(kk) == state
    assert events_since(before) == []


def test_complete_an_action(kk: Case) -> None:
    action = make_action(kk, responsible="fam.aalborg")
    request_id = rid()
    before = mark()
    response = post_json(
        token_client("fam.aalborg"),
        f"{API}/actions/{action.pk}/complete/",
        {"note": " Besøg aftalt "},
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    action.refresh_from_db()
    assert set(body) == ACTION_FIELDS
    assert (body["id"], body["status"], body["result_note"]) == (action.pk, "done", "Besøg aftalt")
    assert dt.datetime.fromisoformat(body["completed_at"]) == action.completed_at
    assert action.status == "done"
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.outcome, event.case_id) == (
        "fam.aalborg",
        "change",
        "ok",
        kk.pk,
    )
    assert event.detail == {"change": "action_complete"}
    assert event.request_id == request_id == response["X-Request-ID"]
    # Twice is a 400 about the whole body, and changes nothing.
    again = post_json(token_client("fam.aalborg"), f"{API}/actions/{action.pk}/complete/", {})
    assert_field_error(again, "non_field_errors")
    action.refresh_from_db()
    assert action.result_note == "Besøg aftalt"


def test_completing_with_bad_input_is_400(kk: Case) -> None:
    action = make_action(kk)
    response = post_json(
        token_client("ssp.aalborg"), f"{API}/actions/{action.pk}/complete/", {"note": "x" * 2001}
    )
    assert_field_error(response, "note")
    assert Action.objects.get(pk=action.pk).status == "open"


def test_an_informed_participant_may_not_complete_an_action(kk: Case) -> None:
    add_informed_jobcenter(kk)
    action = make_action(kk)
    before = mark()
    response = post_json(token_client("job.aalborg"), f"{API}/actions/{action.pk}/complete/", {})
    assert response.status_code == 403
    assert Action.objects.get(pk=action.pk).status == "open"
    [event] = events_since(before)
    assert (event.outcome, event.case_id, event.detail) == (
        "denied",
        kk.pk,
        {"refused": "log_contact"},
    )


# --- Consents ------------------------------------------------------------------------------


def test_register_a_consent_and_list_consents(exit_case: Case) -> None:
    request_id = rid()
    before = mark()
    response = post_json(
        token_client("politi.forebyg"),
        f"{API}/cases/{exit_case.pk}/consents/",
        consent_body(document_reference="J.nr. 12"),
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    consent = Consent.objects.get(citizen=exit_case.citizen)
    assert set(body) == CONSENT_FIELDS
    assert {k: v for k, v in body.items() if k != "given_at"} == {
        "id": consent.pk,
        "citizen": exit_case.citizen_id,
        "given_by": "citizen",
        "guardian_name": "",
        "scope_units": sorted(
            [unit("Forebyggelse Aalborg").pk, unit("Socialforvaltningen Aalborg").pk]
        ),
        "scope_categories": ["general", "social"],
        "purpose": "Exit-forløb",
        "form": "written",
        "document_reference": "J.nr. 12",
        "valid_until": None,
        "withdrawn_at": None,
        "active": True,
    }
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.outcome, event.object_type) == (
        "politi.forebyg",
        "create",
        "ok",
        "coordination.consent",
    )
    assert (event.case_id, event.citizen_id) == (exit_case.pk, exit_case.citizen_id)
    assert event.legal_basis == "CONSENT" and event.categories == ["general", "social"]
    assert event.request_id == request_id == response["X-Request-ID"]

    before = mark()
    request_id = rid()
    listed = token_client("job.aalborg").get(
        f"{API}/cases/{exit_case.pk}/consents/", HTTP_X_REQUEST_ID=request_id
    )
    assert results(listed) == [body]
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.case_id) == (
        "job.aalborg",
        "view",
        exit_case.pk,
    )
    assert event.detail == {"view": "api_case_consents", "consents": [consent.pk]}
    assert event.request_id == request_id == listed["X-Request-ID"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"scope_units": ["SSP Aalborg"]}, "scope_units"),  # not a member of Exit
        ({"scope_units": []}, "scope_units"),
        ({"scope_units": [MISSING]}, "scope_units"),
        ({"scope_categories": ["gossip"]}, "scope_categories"),
        ({"scope_categories": []}, "scope_categories"),
        ({"valid_until": "2001-01-01T00:00:00Z"}, "valid_until"),
        ({"form": "oral"}, "form"),  # Exit rests on written consent
        ({"given_by": "guardian"}, "guardian_name"),
        ({"given_by": "neighbour"}, "given_by"),
        ({"purpose": ""}, "purpose"),
    ],
)
def test_registering_a_consent_with_bad_input_is_400(exit_case: Case, change, field) -> None:
    body = consent_body()
    for key, value in change.items():
        if key == "scope_units":
            value = [unit(v).pk if isinstance(v, str) else v for v in value]
        body[key] = value
    consents, before = count(Consent, citizen=exit_case.citizen_id), mark()
    response = post_json(
        token_client("politi.forebyg"), f"{API}/cases/{exit_case.pk}/consents/", body
    )
    assert_field_error(response, field, nested=True)
    assert list(response.json()) == [field]
    assert count(Consent, citizen=exit_case.citizen_id) == consents
    assert events_since(before) == []


def test_withdrawing_a_consent_hides_its_entries_at_once(exit_case: Case) -> None:
    police = token_client("politi.forebyg")
    consent = post_json(police, f"{API}/cases/{exit_case.pk}/consents/", consent_body()).json()
    shared = post_json(
        police,
        f"{API}/cases/{exit_case.pk}/entries/",
        entry_body(
            category="social",
            legal_basis="CONSENT",
            consent=consent["id"],
            justification="Plan",
            text="Bolig på plads",
        ),
    )
    assert shared.status_code == 201, shared.content
    assert shared.json()["consent"] == consent["id"]
    social, job = token_client("social.aalborg"), token_client("job.aalborg")
    entries = f"{API}/cases/{exit_case.pk}/entries/"
    assert [row["id"] for row in results(social.get(entries))] == [shared.json()["id"]]
    assert results(job.get(entries)) == []  # the consent does not cover the jobcenter

    request_id = rid()
    before = mark()
    response = post_json(
        social, f"{API}/consents/{consent['id']}/withdraw/", None, HTTP_X_REQUEST_ID=request_id
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == CONSENT_FIELDS
    assert body["id"] == consent["id"] and body["active"] is False
    assert body["withdrawn_at"] is not None
    assert {k: v for k, v in body.items() if k not in ("withdrawn_at", "active")} == {
        k: v for k, v in consent.items() if k not in ("withdrawn_at", "active")
    }
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.outcome, event.object_type) == (
        "social.aalborg",
        "change",
        "ok",
        "coordination.consent",
    )
    assert (event.case_id, event.citizen_id) == (exit_case.pk, exit_case.citizen_id)
    assert event.detail == {"change": "consent_withdraw"}
    assert event.request_id == request_id == response["X-Request-ID"]
    # Hidden from the very next request (the author unit still sees its own entry).
    assert results(social.get(entries)) == []
    assert "Bolig på plads" not in social.get(entries).content.decode()
    assert [row["id"] for row in results(police.get(entries))] == [shared.json()["id"]]
    # No new entry can rest on it.
    again = post_json(
        police,
        entries,
        entry_body(category="social", legal_basis="CONSENT", consent=consent["id"]),
    )
    assert_field_error(again, "consent")


@pytest.mark.parametrize("path", ["participants", "consents"])
def test_list_field_errors_have_the_contracts_shape(kk: Case, path: str) -> None:
    body = (
        participant_body(categories=["general", "gossip"])
        if path == "participants"
        else consent_body(
            scope_units=[unit("Familiegrupperne").pk], scope_categories=["general", "gossip"]
        )
    )
    response = post_json(token_client("ssp.aalborg"), f"{API}/cases/{kk.pk}/{path}/", body)
    field = "categories" if path == "participants" else "scope_categories"
    assert response.status_code == 400
    assert isinstance(response.json()[field], list)


def test_an_informed_participant_may_not_withdraw_a_consent(kk: Case) -> None:
    add_informed_jobcenter(kk)
    consent = make_consent(kk, "ssp.aalborg", ["Familiegrupperne"], ["social"])
    before = mark()
    response = post_json(token_client("job.aalborg"), f"{API}/consents/{consent.pk}/withdraw/", {})
    assert response.status_code == 403
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None
    [event] = events_since(before)
    assert (event.outcome, event.case_id, event.detail) == (
        "denied",
        kk.pk,
        {"refused": "add_entry"},
    )


# --- Notifications -------------------------------------------------------------------------


def notify(username: str, action: Action) -> Notification:
    reminder, _created = Reminder.objects.get_or_create(
        kind=Reminder.Kind.ACTION_DUE_SOON,
        action=action,
        case=action.case,
        deadline=action.due_at,
        defaults={"recipient": user(username)},
    )
    return Notification.objects.create(reminder=reminder, user=user(username))


def test_notifications_are_the_callers_own(kk: Case) -> None:
    action = make_action(kk, responsible="fam.aalborg")
    mine = notify("fam.aalborg", action)
    notify("ssp.aalborg", action)
    request_id = rid()
    before = mark()
    response = token_client("fam.aalborg").get(
        f"{API}/notifications/", HTTP_X_REQUEST_ID=request_id
    )
    rows = results(response)
    theirs = Notification.objects.filter(user__username="fam.aalborg").count()
    assert len(rows) == theirs and rows[0]["id"] == mine.pk
    assert set(rows[0]) == NOTIFICATION_FIELDS
    assert normalise_times(rows[0], "deadline", "created_at") == {
        "id": mine.pk,
        "kind": "action_due_soon",
        "case": kk.pk,
        "action": action.pk,
        "consent": None,
        "deadline": action.due_at,
        "created_at": mine.created_at,
        "read_at": None,
    }
    written = events_since(before)
    assert written and all(e.request_id == request_id for e in written)
    assert request_id == response["X-Request-ID"]
    assert kk.citizen_id in {e.citizen_id for e in written}
    for event in written:
        assert (event.actor_username, event.action, event.purpose) == (
            "fam.aalborg",
            "list",
            "notifications",
        )
        assert event.detail == {
            "view": "api_notifications",
            "notifications": [row["id"] for row in rows],
        }


def test_notifications_about_a_case_no_longer_visible_are_hidden(kk: Case) -> None:
    note = notify("fam.aalborg", make_action(kk, responsible="fam.aalborg"))
    fam = token_client("fam.aalborg")
    assert note.pk in {row["id"] for row in results(fam.get(f"{API}/notifications/"))}
    family = kk.participants.get(unit__name="Familiegrupperne")
    services.participant_end(actor=user("ssp.aalborg"), participant=family)
    assert note.pk not in {row["id"] for row in results(fam.get(f"{API}/notifications/"))}


def test_notifications_cursor_returns_every_row_once(kk: Case) -> None:
    made = [notify("politi.forebyg", make_action(kk, days=n + 1)).pk for n in range(5)]
    pages = follow(token_client("politi.forebyg"), f"{API}/notifications/?page_size=2")
    seen = [row["id"] for page in pages for row in page]
    assert len(seen) == len(set(seen))
    assert seen[:5] == made[::-1]
    assert len(seen) == Notification.objects.filter(user__username="politi.forebyg").count()


# --- Gaps these tests found, fixed -----------------------------------------------------------


@pytest.mark.parametrize("huge", [2**63, 10**30], ids=["2**63", "10**30"])
@pytest.mark.parametrize("path", ["", "entries/", "participants/", "consents/"])
def test_a_case_id_beyond_bigint_is_404_not_500(huge: int, path: str) -> None:
    client = token_client("ssp.aalborg")
    client.raise_request_exception = False
    response = client.get(f"{API}/cases/{huge}/{path}")
    assert response.status_code == 404
    assert response.json() == client.get(f"{API}/cases/987654321/{path}").json()


def test_an_ended_participation_can_be_started_again(kk: Case) -> None:
    family = kk.participants.get(unit__name="Familiegrupperne")
    ssp = token_client("ssp.aalborg")
    assert ssp.delete(f"{API}/cases/{kk.pk}/participants/{family.pk}/").status_code == 204
    response = post_json(
        ssp,
        f"{API}/cases/{kk.pk}/participants/",
        participant_body("Familiegrupperne", role="participant"),
    )
    assert response.status_code == 201, response.content
    assert response.json()["id"] == family.pk and response.json()["valid_until"] is None
    assert token_client("fam.aalborg").get(f"{API}/cases/{kk.pk}/").status_code == 200
    event = AuditEvent.objects.filter(action="grant_change", object_id=str(family.pk)).latest("pk")
    assert event.detail["change"] == "participant_add" and event.detail["renewed"] is True


def test_a_unit_outside_the_consents_forum_may_not_withdraw_it(open_case) -> None:
    knock = open_case(*KNOCK, age=20)
    exit_case = services.case_open(
        actor=user("politi.forebyg"),
        citizen=knock.citizen,
        forum=forum("Exit Nordjylland"),
        lead_unit=unit("Forebyggelse Aalborg"),
    )
    consent = make_consent(
        exit_case,
        "politi.forebyg",
        ["Forebyggelse Aalborg", "Socialforvaltningen Aalborg"],
        ["social"],
    )
    ssp = token_client("ssp.aalborg")
    response = post_json(ssp, f"{API}/consents/{consent.pk}/withdraw/", {})
    assert response.status_code == 404
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None
    # Nor does the Knock Knock case show it: it would tell SSP that the citizen is in Exit.
    listed = ssp.get(f"{API}/cases/{knock.pk}/consents/").json()["results"]
    assert consent.pk not in [row["id"] for row in listed]
    # Exit's own lead withdraws it.
    withdrawn = post_json(
        token_client("politi.forebyg"), f"{API}/consents/{consent.pk}/withdraw/", {}
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["active"] is False
