"""API v1 (docs/api.md): a case's actions: adding them, listing the open and
finished ones, completing one; 400 and 403 with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coordination import services
from coordination.models import Action, Case
from tests.helpers import (
    API,
    MISSING,
    action_body,
    add_informed_jobcenter,
    assert_field_error,
    content_state,
    events_since,
    make_action,
    mark,
    post_json,
    results,
    rid,
    token_client,
    unit,
    user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_reset")]

ACTION_FIELDS = {
    "id", "case", "title", "responsible", "responsible_unit", "due_at", "status",
    "result_note", "completed_at", "created_at",
    # Shared content (sharing-rules.md 3): its category, basis and audience.
    "category", "legal_basis", "audience_all", "audience",
}  # fmt: skip


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
        # Shared with all units taking part now, on the unit's own basis.
        "category": "general",
        "legal_basis": "RPL115_SSP",
        "audience_all": True,
        "audience": [],
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
