"""API v1 (docs/api.md): opening a case (the citizen named by a handle, a forum resting on
consent opened with its consent), the case list (its filters, its cursor, an audit event for
every case shown) and the case detail (the citizen's id is a handle)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from coordination import cpr_register, handles, services
from coordination.access import IDENTIFIED_FOR
from coordination.models import Case, CaseParticipant, Citizen, Consent
from tests.conftest import fresh_cpr
from tests.helpers import (
    API,
    KNOCK,
    MISSING,
    assert_field_error,
    assert_no_cpr,
    consent_body,
    count,
    events_since,
    follow,
    forum,
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

CASE_FIELDS = {
    "id", "reference", "citizen", "forum", "status", "stage", "track", "opened_at",
    "closed_at", "next_review_at", "coordinator",
}  # fmt: skip


def case_shape(case: Case) -> dict[str, Any]:
    """The answer for `case`, but the citizen's `id`: a handle, checked by citizen_of."""
    case = Case.objects.for_list().get(pk=case.pk)
    return {
        "id": case.pk,
        "reference": f"SAG-{case.pk:06d}",
        "citizen": {"name": case.citizen.name, "masked_cpr": case.citizen.masked_cpr},
        "forum": {"id": case.forum_id, "name": case.forum.name, "effort_type": "knock_knock"},
        "status": "active",
        "stage": case.stage,
        "track": case.track,
        "opened_at": timezone.localtime(case.opened_at).isoformat(),
        "closed_at": None,
        "next_review_at": case.next_review_at.isoformat() if case.next_review_at else None,
        "coordinator": case.coordinator_id,
    }


def citizen_of(body: dict[str, Any], username: str) -> int | None:
    """The citizen id the answer's handle names for `username` (None: not a handle of theirs),
    checking that the answer carries no id of its own: the citizen's `id` is a handle."""
    handle = body["citizen"]["id"]
    assert isinstance(handle, str) and not handle.isdigit()
    found = handles.read(handle, user=user(username))
    return found.citizen_id if found is not None else None


def without_handle(body: dict[str, Any]) -> dict[str, Any]:
    citizen = {k: v for k, v in body["citizen"].items() if k != "id"}
    return normalise_times({**body, "citizen": citizen}, "opened_at")


def register(client: Any, number: str) -> dict[str, Any]:
    response = post_json(client, f"{API}/citizens/", {"cpr": number})
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def register_name(number: str) -> str:
    person = cpr_register.lookup(number)
    assert person is not None
    return person.name


def test_open_a_case_after_registering_the_citizen() -> None:
    ssp = token_client("ssp.aalborg")
    number = fresh_cpr(16)
    before = mark()
    citizen = register(ssp, number)
    assert not Citizen.objects.by_cpr(number).exists()
    knock, lead = forum("Knock Knock Aalborg"), unit("SSP Aalborg")
    request_id = rid()
    response = post_json(
        ssp,
        f"{API}/cases/",
        {"citizen": citizen["handle"], "forum": knock.pk, "lead_unit": lead.pk, "track": "15-17"},
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(pk=body["id"])
    assert set(body) == CASE_FIELDS
    assert without_handle(body) == normalise_times(case_shape(case), "opened_at")
    stored = Citizen.objects.by_cpr(number).get()
    assert citizen_of(body, "ssp.aalborg") == stored.pk == case.citizen_id
    assert body["citizen"]["name"] == citizen["name"] == register_name(number) == stored.name
    assert body["citizen"]["masked_cpr"] == citizen["masked_cpr"]
    assert body["track"] == "15-17" and body["coordinator"] == user("ssp.aalborg").pk
    [lead_row] = CaseParticipant.objects.filter(case=case)
    assert (lead_row.unit, lead_row.role, lead_row.contact_user) == (
        lead,
        "lead",
        user("ssp.aalborg"),
    )
    written = events_since(before, request_id=request_id)
    assert [(e.action, e.object_type, e.outcome) for e in written] == [
        ("create", "coordination.citizen", "ok"),
        ("create", "coordination.case", "ok"),
        ("grant_change", "coordination.caseparticipant", "ok"),
    ]
    assert all(e.citizen_id == stored.pk for e in written)
    assert all(e.case_id == case.pk for e in written[1:])
    assert written[1].actor_unit == lead and written[1].legal_basis == "RPL115_SSP"
    assert_no_cpr(number, before, response)


def test_open_a_case_for_a_citizen_found_by_lookup(kk: Case) -> None:
    # A citizen registered by someone else, looked up by fam.aalborg, gets a case; the
    # stored name is replaced by the register's (it is authoritative), and that is logged.
    number = fresh_cpr(18)
    citizen = services.citizen_create(
        actor=user("ssp.aalborg"), cpr_number=number, first_name="Ole", last_name="Berg"
    )
    fam = token_client("fam.aalborg")
    body = {
        "citizen": handles.mint(user=user("ssp.aalborg"), digits=number),  # not fam's
        "forum": forum("Knock Knock Aalborg").pk,
        "lead_unit": unit("Familiegrupperne").pk,
    }
    assert_field_error(post_json(fam, f"{API}/cases/", body), "citizen")
    found = post_json(fam, f"{API}/citizens/lookup/", {"cpr": number})
    assert found.status_code == 200 and found.json()["name"] is None  # no case fam can see
    before = mark()
    response = post_json(fam, f"{API}/cases/", {**body, "citizen": found.json()["handle"]})
    assert response.status_code == 201, response.content
    assert citizen_of(response.json(), "fam.aalborg") == citizen.pk
    assert count(Citizen, cpr_index=citizen.cpr_index) == 1
    citizen.refresh_from_db()
    assert citizen.name == register_name(number) == response.json()["citizen"]["name"]
    [renamed] = events_since(before, action="change", object_type="coordination.citizen")
    assert renamed.detail == {"change": "cpr_register", "fields": ["first_name", "last_name"]}
    assert renamed.citizen_id == citizen.pk and renamed.actor_username == "fam.aalborg"


def test_a_handle_of_a_shown_case_opens_another_case_for_its_citizen(kk: Case) -> None:
    client = token_client("ssp.aalborg")
    shown = client.get(f"{API}/cases/{kk.pk}/").json()
    assert citizen_of(shown, "ssp.aalborg") == kk.citizen_id
    response = post_json(
        client,
        f"{API}/cases/",
        {
            "citizen": shown["citizen"]["id"],
            "forum": forum("SSP Aalborg").pk,
            "lead_unit": unit("SSP Aalborg").pk,
        },
    )
    assert response.status_code == 201, response.content
    assert Case.objects.get(pk=response.json()["id"]).citizen_id == kk.citizen_id


def test_a_handle_is_refused_to_anyone_but_its_user_and_when_tampered_with(kk: Case) -> None:
    # ssp.hjoerring's handles, a tampered one and text that is no handle at all: the same
    # 400 on `citizen`, telling nothing about the citizen.
    number = fresh_cpr(16)
    theirs = register(token_client("ssp.hjoerring"), number)["handle"]
    mine = register(token_client("ssp.aalborg"), number)["handle"]
    tampered = mine[:-6] + ("A" if mine[-6] != "A" else "B") + mine[-5:]
    case_handle = handles.mint(user=user("ssp.hjoerring"), citizen_id=kk.citizen_id)
    client = token_client("ssp.aalborg")
    cases, citizens, before = count(Case), count(Citizen), mark()
    answers = []
    for handle in (theirs, case_handle, tampered, "abc", str(kk.citizen_id)):
        response = post_json(
            client,
            f"{API}/cases/",
            {
                "citizen": handle,
                "forum": forum("SSP Aalborg").pk,
                "lead_unit": unit("SSP Aalborg").pk,
            },
        )
        assert_field_error(response, "citizen")
        assert list(response.json()) == ["citizen"]
        answers.append(response.json())
    assert all(answer == answers[0] for answer in answers)  # a handle alone tells nothing
    assert "Testesen" not in json.dumps(answers)
    assert (count(Case), count(Citizen)) == (cases, citizens)
    assert events_since(before, outcome="ok", action__in=["create", "grant_change"]) == []


def test_an_expired_handle_is_refused() -> None:
    client = token_client("ssp.aalborg")
    number = fresh_cpr(16)
    handle = register(client, number)["handle"]
    body = {
        "citizen": handle,
        "forum": forum("Knock Knock Aalborg").pk,
        "lead_unit": unit("SSP Aalborg").pk,
        "track": "15-17",
    }
    with time_machine.travel(timezone.now() + IDENTIFIED_FOR + dt.timedelta(minutes=1)):
        response = post_json(client, f"{API}/cases/", body)
    assert_field_error(response, "citizen")
    assert not Citizen.objects.by_cpr(number).exists()
    with time_machine.travel(timezone.now() + IDENTIFIED_FOR - dt.timedelta(minutes=5)):
        assert post_json(client, f"{API}/cases/", body).status_code == 201


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
        ({"citizen": 12}, "citizen"),
        ({"citizen": ""}, "citizen"),
        ({"citizen": "x" * 1001}, "citizen"),
        ({"consent": "yes"}, "consent"),
    ],
)
def test_open_a_case_with_bad_input_is_400_and_writes_nothing(change: dict[str, Any], field):
    client = token_client("ssp.aalborg")
    number = fresh_cpr(change.get("age", 16))
    citizen = register(client, number)
    body: dict[str, Any] = {
        "citizen": citizen["handle"],
        "forum": forum("Knock Knock Aalborg").pk,
        "lead_unit": unit("SSP Aalborg").pk,
    }
    for key in ("forum", "lead_unit", "track", "citizen", "consent"):
        if key in change:
            value = change[key]
            if key == "forum" and isinstance(value, str):
                value = forum(value).pk
            elif key == "lead_unit" and isinstance(value, str):
                value = unit(value).pk
            body[key] = value
    cases, participants, citizens, before = (
        count(Case),
        count(CaseParticipant),
        count(Citizen),
        mark(),
    )
    response = post_json(client, f"{API}/cases/", body)
    assert_field_error(response, field)
    assert (count(Case), count(CaseParticipant), count(Citizen)) == (cases, participants, citizens)
    assert events_since(before) == []
    assert_no_cpr(number, before, response)


def test_a_second_open_case_in_the_forum_is_400(kk: Case) -> None:
    client = token_client("ssp.aalborg")
    handle = client.get(f"{API}/cases/{kk.pk}/").json()["citizen"]["id"]
    cases = count(Case)
    response = post_json(
        client,
        f"{API}/cases/",
        {
            "citizen": handle,
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
        {
            "citizen": handles.mint(user=user(username), citizen_id=kk.citizen_id),
            "forum": kk.forum_id,
            "lead_unit": unit("SSP Aalborg").pk,
        },
    )
    assert response.status_code == 403
    assert count(Case) == cases
    [event] = events_since(before)
    assert (event.action, event.outcome) == ("search", "denied")
    assert event.detail == {"object_type": "coordination.citizen", "view": "api_case_create"}


# --- A forum that rests on consent (Exit): the consent comes with the opening --------------


def exit_body(handle: str, **consent: Any) -> dict[str, Any]:
    return {
        "citizen": handle,
        "forum": forum("Exit Nordjylland").pk,
        "lead_unit": unit("Forebyggelse Aalborg").pk,
        "consent": consent_body(**consent),
    }


def test_an_exit_case_is_opened_with_its_consent_in_one_go() -> None:
    police = token_client("politi.forebyg")
    number = fresh_cpr(22)
    before = mark()
    response = post_json(
        police,
        f"{API}/cases/",
        exit_body(register(police, number)["handle"], document_reference="Exit-2026-17"),
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    [consent] = Consent.objects.filter(citizen=case.citizen)
    assert (consent.forum, consent.form, consent.given_by) == (case.forum, "written", "citizen")
    assert consent.document_reference == "Exit-2026-17"
    assert {u.name for u in consent.scope_units.all()} == {
        "Forebyggelse Aalborg",
        "Socialforvaltningen Aalborg",
    }
    written = [(e.action, e.object_type) for e in events_since(before, outcome="ok")]
    assert ("create", "coordination.consent") in written
    assert ("create", "coordination.case") in written
    assert_no_cpr(number, before, response)


@pytest.mark.parametrize(
    ("consent", "why"),
    [
        (None, "no consent sent"),
        ({"scope_units": ["Socialforvaltningen Aalborg"]}, "not covering the lead unit"),
        ({"scope_units": ["SSP Aalborg"]}, "a unit that is not a member of Exit"),
        ({"form": "oral"}, "not written"),
        ({"purpose": ""}, "no purpose"),
        ({"given_by": "guardian"}, "a guardian for an adult"),
    ],
)
def test_an_exit_case_without_a_valid_consent_is_400_on_consent(consent, why) -> None:
    police = token_client("politi.forebyg")
    number = fresh_cpr(22)
    handle = register(police, number)["handle"]
    if consent is None:
        body = {**exit_body(handle)}
        del body["consent"]
    else:
        names = consent.get("scope_units")
        if names:
            consent = {**consent, "scope_units": [unit(n).pk for n in names]}
        body = exit_body(handle, **consent)
    counts, before = (count(Case), count(Citizen), count(Consent)), mark()
    response = post_json(police, f"{API}/cases/", body)
    assert_field_error(response, "consent")
    assert list(response.json()) == ["consent"], why
    assert (count(Case), count(Citizen), count(Consent)) == counts
    assert events_since(before, outcome="ok") == []
    assert_no_cpr(number, before, response)


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
    assert without_handle(rows[0]) == normalise_times(case_shape(kk), "opened_at")
    assert citizen_of(rows[0], "ssp.aalborg") == kk.citizen_id
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
    body = response.json()
    life = body.pop("life")
    assert without_handle(body) == normalise_times(case_shape(kk), "opened_at")
    # The case's dates (sharing-rules.md 6): open, reviewed on its date, not on hold.
    assert life == {
        "next_review": body["next_review_at"],
        "review_overdue": False,
        "leaves_band": life["leaves_band"],
        "handover_pending": False,
        "aged_out": False,
        "closes_on": None,
        "deletion_due": None,
        "held_until": None,
    }
    assert body["next_review_at"] is not None
    assert citizen_of(response.json(), "politi.forebyg") == kk.citizen_id
    assert citizen_of(response.json(), "ssp.aalborg") is None  # minted for the caller only
    [event] = events_since(before)
    assert (event.actor_username, event.action, event.outcome) == ("politi.forebyg", "view", "ok")
    assert (event.case_id, event.citizen_id) == (kk.pk, kk.citizen_id)
    assert event.actor_unit == unit("Forebyggelse Aalborg")
    assert (event.legal_basis, event.purpose) == ("RPL115_SSP", "prevention:knock_knock")
    assert event.detail == {"view": "api_case_detail"}
    assert event.request_id == request_id == response["X-Request-ID"]
