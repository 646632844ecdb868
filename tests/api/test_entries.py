"""API v1 (docs/api.md): sharing entries and reading them as their audience
allows; 400 and 403 with nothing written; the disclosure's audit events."""

from __future__ import annotations

import pytest

from coordination import services
from coordination.models import Case, Entry
from tests.helpers import (
    API,
    KNOCK_OTHERS,
    MISSING,
    action_body,
    add_informed_jobcenter,
    assert_field_error,
    consent_body,
    contact_body,
    content_state,
    entry_body,
    events_since,
    follow,
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

ENTRY_FIELDS = {
    "id", "category", "legal_basis", "justification", "author", "author_unit",
    "audience_all", "audience", "consent", "text", "created_at",
}  # fmt: skip


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
    # A jobcenter sees social entries only when named (sharing-rules.md 3); general ones it sees.
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
