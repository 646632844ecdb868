"""API v1 for auditors: `GET /api/v1/audit/events/` (filters in the query) and
`POST /api/v1/audit/events/search/` (a CPR number, only ever in the body). Token or session
authentication; anyone but an auditor is refused (403, audited); every call is audited with
the request's X-Request-ID; pages are cursors and cost the same number of queries."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Unit
from coordination import audit
from coordination.models import AuditEvent, Case
from tests.conftest import fresh_cpr
from tests.helpers import post_json, token_client

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/audit/events/"
SEARCH = "/api/v1/audit/events/search/"
FIELDS = {
    "id", "occurred_at", "actor", "actor_username", "actor_unit", "action", "outcome",
    "object_type", "object_id", "case", "citizen", "categories", "purpose", "legal_basis",
    "request_id", "ip",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _throttle_reset() -> Any:
    """The search throttle counts in the cache, which a test's rollback does not reset."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(persona) -> Client:
    """The auditor's API client, by token."""
    return token_client(persona("revisor"))


def quiet_day(weeks_ago: int = 3) -> dt.date:
    """A Wednesday some weeks back, when nothing else is logged (the seed logs "now")."""
    today = timezone.localdate()
    return today - dt.timedelta(days=(today.weekday() - 2) % 7 + 7 * weeks_ago)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def log_events(when: dt.datetime, count: int = 1, **kwargs: Any) -> list[AuditEvent]:
    """`count` events built as the application builds them, placed at `when`."""
    events = []
    for _ in range(count):
        event = audit.build_event(**kwargs)
        event.occurred_at = when
        events.append(event)
    audit.insert_events(events)
    return events


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def api_events() -> Any:
    return AuditEvent.objects.filter(actor_username="revisor", purpose="audit:api")


def event_texts() -> list[str]:
    fields = ("detail", "purpose", "object_id", "object_type", "actor_username", "request_id")
    return [json.dumps(row, default=str) for row in AuditEvent.objects.values(*fields)]


# --- Authentication and refusal ----------------------------------------------------------


def test_unauthenticated_call_is_401(client: Client) -> None:
    for response in (client.get(EVENTS), post_json(client, SEARCH, {"cpr": "0101011234"})):
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Token")
    assert not AuditEvent.objects.filter(purpose="audit:api").exists()


def test_a_wrong_token_is_401() -> None:
    response = Client(HTTP_AUTHORIZATION="Token not-a-real-token").get(EVENTS)
    assert response.status_code == 401


@pytest.mark.parametrize("username", ["ssp.aalborg", "politi.forebyg", "admin"])
def test_anyone_but_an_auditor_is_refused_and_it_is_audited(persona, username) -> None:
    client = token_client(persona(username))
    number = fresh_cpr(30)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    request_ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    listed = client.get(EVENTS, HTTP_X_REQUEST_ID=request_ids[0])
    searched = post_json(client, SEARCH, {"cpr": number}, HTTP_X_REQUEST_ID=request_ids[1])
    assert listed.status_code == 403 and searched.status_code == 403
    assert "results" not in listed.json()
    denied = AuditEvent.objects.filter(pk__gt=before).order_by("pk")
    assert [(e.actor_username, e.outcome, e.action, e.request_id) for e in denied] == [
        (username, "denied", "view", request_ids[0]),
        (username, "denied", "view", request_ids[1]),
    ]
    assert all(e.detail["object_type"] == "audit_log" for e in denied)
    assert not any(number in text for text in event_texts())


# --- Listing -------------------------------------------------------------------------------


def test_auditor_lists_the_newest_events_first(api: Client) -> None:
    newest = list(AuditEvent.objects.order_by("-pk").values_list("pk", flat=True)[:50])
    response = api.get(EVENTS)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    assert body["previous"] is None and body["next"].startswith("http://testserver" + EVENTS)
    assert [row["id"] for row in body["results"]] == newest
    assert set(body["results"][0]) == FIELDS
    written = list(api_events())
    assert written and all(e.action == "list" for e in written)
    assert all(e.detail["criterion"] == {} and e.detail["events"] == newest for e in written)
    shown = {row["citizen"] for row in body["results"] if row["citizen"]}
    assert {e.citizen_id for e in written} == (shown or {None})


def test_filter_by_user_name_or_id(api: Client, persona) -> None:
    statistik = persona("statistik")
    made = log_events(at(quiet_day(), 10), 3, actor=statistik, action="view")
    expected = sorted((e.pk for e in made), reverse=True)
    assert ids(api.get(EVENTS, {"user": "statistik"})) == expected
    assert ids(api.get(EVENTS, {"user": str(statistik.pk)})) == expected
    search = api_events().order_by("pk").first()
    assert search.action == "search" and search.detail["criterion"] == {"user": "statistik"}


def test_filter_by_action(api: Client, client: Client) -> None:
    for attempt in ("wrong-1", "wrong-2"):
        client.post(reverse("login"), {"username": "skole.aalborg", "password": attempt})
    expected = sorted(
        AuditEvent.objects.filter(action="login_failed").values_list("pk", flat=True), reverse=True
    )
    assert len(expected) == 2
    assert ids(api.get(EVENTS, {"action": "login_failed"})) == expected
    assert ids(api.get(EVENTS, {"action": "login_failed", "outcome": "ok"})) == []


def test_filter_by_case(api: Client, kk_citizen, client_as) -> None:
    case, _number = kk_citizen
    page = client_as("ssp.aalborg").get(reverse("coordination:case_detail", args=[case.pk]))
    assert page.status_code == 200
    expected = sorted(
        AuditEvent.objects.filter(case_id=case.pk).values_list("pk", flat=True), reverse=True
    )
    for reference in (f"SAG-{case.pk:06d}", str(case.pk)):
        assert ids(api.get(EVENTS, {"case": reference})) == expected


def test_filter_by_period(api: Client, persona) -> None:
    day = quiet_day()
    actor = persona("skole.aalborg")
    log_events(at(day - dt.timedelta(days=1), 23, 59), actor=actor, action="view")
    midnight = log_events(at(day, 0), actor=actor, action="view")
    noon = log_events(at(day, 12), actor=actor, action="list")
    late = log_events(at(day, 23, 59), actor=actor, action="view")
    log_events(at(day + dt.timedelta(days=1), 0), actor=actor, action="view")

    def shown(**query: str) -> set[int]:
        return set(ids(api.get(EVENTS, query)))

    assert shown(since=str(day), until=str(day)) == {e.pk for e in midnight + noon + late}
    assert shown(since=str(day), until=at(day, 12).isoformat()) == {midnight[0].pk}
    assert shown(since=at(day, 12).isoformat(), until=str(day)) == {noon[0].pk, late[0].pk}
    # Filters combine.
    assert shown(since=str(day), until=str(day), action="view") == {midnight[0].pk, late[0].pk}


def test_a_cpr_number_in_the_query_is_refused(api: Client, kk_citizen) -> None:
    _case, number = kk_citizen
    for query in ({"cpr": number}, {"cpr": number, "action": "view"}, {"cpr": ""}):
        response = api.get(EVENTS, query)
        assert response.status_code == 400
        assert list(response.json()) == ["cpr"]
        assert response.json()["cpr"] and isinstance(response.json()["cpr"], list)
    assert not api_events().exists()
    assert not any(number in text for text in event_texts())


@pytest.mark.parametrize(
    ("field", "value"),
    [("since", "notadate"), ("until", "2026-02-30"), ("action", "nope"), ("case", "xyz")],
)
def test_a_bad_filter_is_400_with_the_field(api: Client, field, value) -> None:
    response = api.get(EVENTS, {field: value})
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert isinstance(response.json()[field], list) and response.json()[field]


@pytest.mark.parametrize("user", ["²", "9" * 25], ids=["superscript", "huge"])
def test_a_numeric_looking_user_is_not_a_server_error(api: Client, user) -> None:
    api.raise_request_exception = False
    assert api.get(EVENTS, {"user": user}).status_code in (200, 400)


def test_cursor_pages_follow_next_without_duplicates(api: Client, persona) -> None:
    made = log_events(at(quiet_day(), 10), 12, actor=persona("statistik"), action="view")
    pages: list[list[int]] = []
    response = api.get(EVENTS, {"user": "statistik", "page_size": 5})
    while True:
        pages.append(ids(response))
        following = response.json()["next"]
        if following is None:
            break
        assert len(pages) < 5, "the cursor does not end"
        response = api.get(following)
    assert [len(page) for page in pages] == [5, 5, 2]
    seen = [pk for page in pages for pk in page]
    assert len(seen) == len(set(seen))
    assert seen == sorted((e.pk for e in made), reverse=True)
    assert response.json()["previous"] is not None
    assert api_events().count() == 3  # each page is a call, and each call is audited


# --- Search by CPR number ------------------------------------------------------------------


def test_search_by_cpr_returns_only_that_citizens_events(
    api: Client, kk_citizen, client_as, open_case
) -> None:
    case, number = kk_citizen
    open_case("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg", age=16, track="15-17")
    page = client_as("ssp.aalborg").get(reverse("coordination:case_detail", args=[case.pk]))
    assert page.status_code == 200
    for typed in (number, f"{number[:6]}-{number[6:]}"):
        expected = sorted(
            AuditEvent.objects.filter(citizen_id=case.citizen_id).values_list("pk", flat=True),
            reverse=True,
        )
        response = post_json(api, SEARCH, {"cpr": typed})
        assert ids(response) == expected
        assert {row["citizen"] for row in response.json()["results"]} == {case.citizen_id}
    views = post_json(api, SEARCH, {"cpr": number, "action": "view"})
    assert {row["action"] for row in views.json()["results"]} == {"view"}
    assert len(ids(views)) == 1
    searches = list(api_events())
    assert len(searches) == 3
    for search in searches:
        assert search.action == "search" and search.citizen_id == case.citizen_id
        assert search.detail["criterion"]["cpr"] == f"citizen:{case.citizen_id}"
    assert not any(number in text for text in event_texts())
    assert not any(f"{number[:6]}-{number[6:]}" in text for text in event_texts())


def test_search_pages_by_posting_the_body_to_next(api: Client, kk_citizen, client_as) -> None:
    case, number = kk_citizen
    caseworker = client_as("ssp.aalborg")
    for _ in range(3):
        page = caseworker.get(reverse("coordination:case_detail", args=[case.pk]))
        assert page.status_code == 200
    expected = sorted(
        AuditEvent.objects.filter(citizen_id=case.citizen_id).values_list("pk", flat=True),
        reverse=True,
    )
    assert len(expected) > 4
    seen: list[int] = []
    response = post_json(api, SEARCH + "?page_size=2", {"cpr": number})
    while True:
        seen += ids(response)
        if response.json()["next"] is None:
            break
        response = post_json(api, response.json()["next"], {"cpr": number})
    assert seen == expected


def test_search_for_an_unknown_number_finds_nothing(api: Client) -> None:
    number = fresh_cpr(40)
    response = post_json(api, SEARCH, {"cpr": number})
    assert ids(response) == []
    search = api_events().get()
    assert search.detail["criterion"] == {"cpr": "no match"} and search.citizen_id is None
    assert not any(number in text for text in event_texts())


@pytest.mark.parametrize("body", [{}, {"cpr": ""}, {"action": "view"}, ["0101011234"]])
def test_search_without_a_cpr_number_is_400(api: Client, body) -> None:
    response = post_json(api, SEARCH, body)
    assert response.status_code == 400
    assert list(response.json()) == ["cpr"]
    assert not api_events().exists()


@pytest.mark.parametrize("typed", ["3213991234", "1234567", "abcdefghij", 1234567890123])
def test_search_with_an_invalid_cpr_number_is_400(api: Client, typed) -> None:
    response = post_json(api, SEARCH, {"cpr": typed})
    assert response.status_code == 400
    assert "cpr" in response.json()
    assert not api_events().exists()
    assert not any(str(typed) in text for text in event_texts())


def test_search_takes_json_only(api: Client, kk_citizen) -> None:
    """JSON everywhere (docs/api.md): a form-encoded body is refused before anything is read."""
    case, number = kk_citizen
    response = api.post(SEARCH, {"cpr": number})
    assert response.status_code == 415
    assert set(response.json()) == {"detail"}
    assert number not in response.content.decode()
    json_body = api.post(SEARCH, {"cpr": number}, content_type="application/json")
    assert {row["citizen"] for row in json_body.json()["results"]} == {case.citizen_id}


# --- Auditing of the API itself ----------------------------------------------------------


def test_every_call_is_audited_with_its_request_id(api: Client, kk_citizen) -> None:
    _case, number = kk_citizen
    calls = [
        lambda rid: api.get(EVENTS, HTTP_X_REQUEST_ID=rid),
        lambda rid: api.get(EVENTS, {"action": "create"}, HTTP_X_REQUEST_ID=rid),
        lambda rid: post_json(api, SEARCH, {"cpr": number}, HTTP_X_REQUEST_ID=rid),
    ]
    for call in calls:
        rid = str(uuid.uuid4())
        response = call(rid)
        assert response.status_code == 200
        assert response["X-Request-ID"] == rid
        written = list(AuditEvent.objects.filter(request_id=rid))
        assert written
        for event in written:
            assert event.actor_username == "revisor" and event.purpose == "audit:api"
            assert event.detail["view"] == "api_audit_events"
            assert event.detail["events"] == [row["id"] for row in response.json()["results"]]
            assert event.ip == "127.0.0.1"
    assert api_events().values("request_id").distinct().count() == len(calls)


def test_a_malformed_request_id_is_replaced(api: Client) -> None:
    response = api.get(EVENTS, HTTP_X_REQUEST_ID="not-a-uuid; DROP TABLE")
    assert response.status_code == 200
    issued = response["X-Request-ID"]
    assert str(uuid.UUID(issued)) == issued
    assert {e.request_id for e in api_events()} == {issued}


def test_session_authentication_works_too(client_as, kk_citizen) -> None:
    case, number = kk_citizen
    client = client_as("revisor")
    assert client.get(EVENTS).status_code == 200
    response = post_json(client, SEARCH, {"cpr": number})
    assert response.status_code == 200
    assert {row["citizen"] for row in response.json()["results"]} == {case.citizen_id}
    assert client_as("ssp.aalborg").get(EVENTS).status_code == 403


def test_query_count_does_not_grow_with_the_page_size(api: Client, persona) -> None:
    # The newest fifty events: fifty citizens, seen from several units (each would cost a
    # query if the page loaded them one by one).
    units = list(Unit.objects.order_by("pk")[:5])
    events = [
        audit.build_event(
            actor=persona("ssp.aalborg"), action="view", obj=case, unit=units[i % len(units)]
        )
        for i, case in enumerate(Case.objects.order_by("citizen_id").distinct()[:50])
    ]
    audit.insert_events(events)
    api.get(EVENTS, {"page_size": 5})  # warm up (content types, the token's user, ...)
    with CaptureQueriesContext(connection) as few:
        small = api.get(EVENTS, {"page_size": 5})
    with CaptureQueriesContext(connection) as many:
        large = api.get(EVENTS, {"page_size": 50})
    assert len(ids(small)) == 5 and len(ids(large)) == 50
    rows = large.json()["results"]
    assert {r["actor_unit"] for r in rows} >= {u.pk for u in units}
    assert len({r["citizen"] for r in rows}) > 5
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
