"""API v1 (docs/api.md): a case's contact log: logging a contact and listing the
log; 400 with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coordination.models import Case, Contact
from tests.helpers import (
    API,
    assert_field_error,
    contact_body,
    content_state,
    events_since,
    mark,
    post_json,
    results,
    rid,
    token_client,
    unit,
    user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_reset")]

CONTACT_FIELDS = {
    "id", "kind", "result", "occurred_at", "note", "logged_by", "unit", "partner",
    "related_person", "created_at",
    # Shared content (sharing-rules.md 3): its category, basis and audience.
    "category", "legal_basis", "audience_all", "audience",
}  # fmt: skip


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
        # Shared with all units taking part now, on the unit's own basis.
        "category": "general",
        "legal_basis": "RPL115_SSP",
        "audience_all": True,
        "audience": [],
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
