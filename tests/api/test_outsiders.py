"""API v1 (docs/api.md): an outsider gets 404 on every object route, exactly the
answer for an id that does not exist; nothing changes, and the DENIED audit event names only
the id tried."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from coordination.models import Case
from tests.helpers import (
    API,
    MISSING,
    action_body,
    consent_body,
    contact_body,
    content_state,
    entry_body,
    events_since,
    make_action,
    make_consent,
    mark,
    participant_body,
    post_json,
    rid,
    token_client,
    unit,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_reset")]

OUTSIDERS = ["ssp.hjoerring", "politi.efterforsk"]
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
