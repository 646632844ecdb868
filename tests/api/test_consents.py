"""API v1 (docs/api.md): consents, mostly on an Exit Nordjylland case led by
politi.forebyg: registering and listing them, withdrawing one (the entries that rest on it are
hidden at once); 400 and 403 with nothing written."""

from __future__ import annotations

import pytest

from coordination.models import Case, Consent
from tests.helpers import (
    API,
    MISSING,
    add_informed_jobcenter,
    assert_field_error,
    consent_body,
    count,
    entry_body,
    events_since,
    make_consent,
    mark,
    participant_body,
    post_json,
    results,
    rid,
    token_client,
    unit,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_reset")]

EXIT = ("Exit Nordjylland", "politi.forebyg", "Forebyggelse Aalborg")
CONSENT_FIELDS = {
    "id", "given_by", "guardian_name", "scope_units", "scope_categories",
    "purpose", "form", "document_reference", "given_at", "valid_until", "withdrawn_at",
    "active",
}  # fmt: skip


@pytest.fixture
def exit_case(open_case) -> Case:
    """An Exit Nordjylland case led by politi.forebyg, with Socialforvaltningen Aalborg and
    Jobcenter Aalborg taking part."""
    case: Case = open_case(
        *EXIT, age=24, others=["Socialforvaltningen Aalborg", "Jobcenter Aalborg"]
    )
    return case


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
    consent = Consent.objects.get(pk=body["id"])
    assert set(body) == CONSENT_FIELDS
    assert {k: v for k, v in body.items() if k != "given_at"} == {
        "id": consent.pk,
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
    # The consent the case was opened on, and the new one (newest first).
    assert results(listed)[0] == body and len(results(listed)) == 2
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.case_id) == (
        "job.aalborg",
        "view",
        exit_case.pk,
    )
    assert event.detail["view"] == "api_case_consents" and consent.pk in event.detail["consents"]
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
        ({"given_by": "guardian"}, "given_by"),  # the citizen is of age
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
    assert event.detail == {"change": "consent_withdraw", "cases_told": [exit_case.pk]}
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
