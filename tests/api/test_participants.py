"""API v1 (docs/api.md): a case's participants: the list, adding one (access
starts at once), ending one (access ends at once); 400, 403 and 404 with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coordination import services
from coordination.models import Case, CaseParticipant
from tests.helpers import (
    API,
    KNOCK,
    KNOCK_OTHERS,
    MISSING,
    add_informed_jobcenter,
    assert_field_error,
    content_state,
    events_since,
    follow,
    make_action,
    mark,
    participant_body,
    post_json,
    results,
    rid,
    token_client,
    unit,
    user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_reset")]

PARTICIPANT_FIELDS = {
    "id", "unit", "role", "legal_basis", "categories", "valid_from", "valid_until",
    "contact_user", "emergency", "legal_review",
}  # fmt: skip


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
