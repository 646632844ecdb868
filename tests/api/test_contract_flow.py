"""The API guide's session (docs/api.md), as a client written only from docs/api.md would run
it: ssp.aalborg registers a citizen, opens a Knock Knock case, adds participants, shares an
entry, logs a contact and adds an action; then the others see what the law lets them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from coordination.models import AuditEvent
from tests.conftest import fresh_cpr
from tests.helpers import token_client

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(autouse=True)
def _throttle_reset() -> Any:
    cache.clear()
    yield
    cache.clear()


def by_name(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(row for row in rows if row["name"] == name)


def test_the_guide_session_as_ssp_aalborg() -> None:
    ssp = token_client("ssp.aalborg")

    me = ssp.get(f"{API}/me/").json()
    assert me["username"] == "ssp.aalborg"
    ssp_unit = by_name(me["units"], "SSP Aalborg")

    forums = ssp.get(f"{API}/forums/").json()["results"]
    knock = by_name(forums, "Knock Knock Aalborg")
    assert knock["effort_type"] == "knock_knock"
    units = {u["name"]: u for u in ssp.get(f"{API}/units/?page_size=500").json()["results"]}
    police, family = units["Forebyggelse Aalborg"], units["Familiegrupperne"]
    assert {police["id"], family["id"], ssp_unit["id"]} <= set(knock["member_units"])

    cpr = fresh_cpr(16)
    made = ssp.post(f"{API}/citizens/", {"cpr": cpr}, content_type="application/json")
    assert made.status_code == 200, made.content
    citizen = made.json()
    assert set(citizen) == {"handle", "name", "birth_date", "masked_cpr"}
    assert citizen["name"] and cpr not in made.content.decode()  # the CPR register's name
    again = ssp.post(f"{API}/citizens/", {"cpr": cpr}, content_type="application/json")
    assert again.status_code == 200 and again.json()["name"] == citizen["name"]
    found = ssp.post(f"{API}/citizens/lookup/", {"cpr": cpr}, content_type="application/json")
    assert found.status_code == 200 and found.json()["name"] is None  # no case of theirs yet
    assert found.json()["masked_cpr"] == citizen["masked_cpr"]

    opened = ssp.post(
        f"{API}/cases/",
        {"citizen": citizen["handle"], "forum": knock["id"], "lead_unit": ssp_unit["id"]},
        content_type="application/json",
    )
    assert opened.status_code == 201, opened.content
    case = opened.json()
    assert case["citizen"]["name"] == citizen["name"] and case["status"] == "active"
    assert isinstance(case["citizen"]["id"], str)  # a handle, not the citizen's id
    # Now that ssp.aalborg takes part in a case of theirs, a look-up names them.
    found = ssp.post(f"{API}/citizens/lookup/", {"cpr": cpr}, content_type="application/json")
    assert found.json()["name"] == citizen["name"]
    assert case["forum"] == {"id": knock["id"], "name": knock["name"], "effort_type": "knock_knock"}
    base = f"{API}/cases/{case['id']}"

    for unit in (police, family):
        added = ssp.post(
            f"{base}/participants/",
            {
                "unit": unit["id"],
                "role": "participant",
                "legal_basis": knock["default_legal_basis"],
                "categories": ["general", "social", "police"],
            },
            content_type="application/json",
        )
        assert added.status_code == 201, added.content
    participants = ssp.get(f"{base}/participants/").json()["results"]
    assert {p["unit"] for p in participants} == {ssp_unit["id"], police["id"], family["id"]}

    shared = ssp.post(
        f"{base}/entries/",
        {
            "category": "general",
            "legal_basis": knock["default_legal_basis"],
            "justification": "Koordinering af besøg",
            "audience": [],
            "text": "Aftalt banke-på-besøg torsdag.",
        },
        content_type="application/json",
    )
    assert shared.status_code == 201, shared.content
    entry = shared.json()
    assert entry["audience"] == [] and entry["audience_all"] is True

    contact = ssp.post(
        f"{base}/contacts/",
        {
            "kind": "knock_visit",
            "result": "not_home",
            "occurred_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
            "note": "Ingen hjemme",
        },
        content_type="application/json",
    )
    assert contact.status_code == 201, contact.content

    due = (timezone.now() + dt.timedelta(days=3)).isoformat()
    action = ssp.post(
        f"{base}/actions/",
        {"title": "Nyt besøg", "responsible": me["id"], "due_at": due},
        content_type="application/json",
    )
    assert action.status_code == 201, action.content
    assert action.json()["status"] == "open"

    # The police participant sees the case, the entry and the contact.
    police_client = token_client("politi.forebyg")
    assert police_client.get(f"{base}/").status_code == 200
    entries = police_client.get(f"{base}/entries/").json()["results"]
    assert [e["id"] for e in entries] == [entry["id"]]
    assert len(police_client.get(f"{base}/contacts/").json()["results"]) == 1
    # The investigator and an outsider see nothing.
    for outsider in ("politi.efterforsk", "ssp.hjoerring"):
        assert token_client(outsider).get(f"{base}/").status_code == 404

    done = ssp.post(
        f"{API}/actions/{action.json()['id']}/complete/",
        {"note": "Besøg aftalt"},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["status"] == "done"

    actions = {e.action for e in AuditEvent.objects.filter(case_id=case["id"])}
    assert {"create", "disclose", "grant_change", "view", "change"} <= actions


def test_drf_create_token_issues_a_working_token_and_is_audited(persona) -> None:
    from io import StringIO

    from django.core.management import call_command

    user = persona("job.aalborg")
    Token.objects.filter(user=user).delete()
    out = StringIO()
    call_command("drf_create_token", "job.aalborg", stdout=out)
    key = Token.objects.get(user=user).key
    assert key in out.getvalue()
    response = Client(HTTP_AUTHORIZATION=f"Token {key}").get(f"{API}/me/")
    assert response.status_code == 200 and response.json()["username"] == "job.aalborg"
    call_command("drf_create_token", "job.aalborg", "-r", stdout=StringIO())
    assert Client(HTTP_AUTHORIZATION=f"Token {key}").get(f"{API}/me/").status_code == 401
    changes = [
        e.detail["change"]
        for e in AuditEvent.objects.filter(action="grant_change", detail__user=user.pk).order_by(
            "pk"
        )
    ]
    assert changes[-3:] == ["api_token_issued", "api_token_revoked", "api_token_issued"]
    assert not any(key in str(detail) for detail in AuditEvent.objects.values_list("detail"))


@pytest.mark.parametrize("moment", ["0001-01-01T01:51:20+00:50", "9999-12-31T23:59:00+00:00"])
def test_times_outside_the_era_are_a_field_error(open_case, moment: str) -> None:
    """Found by schemathesis: year 1 was stored and came back with a local mean time offset."""
    case = open_case("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg", age=16)
    ssp = token_client("ssp.aalborg")
    contact = ssp.post(
        f"{API}/cases/{case.pk}/contacts/",
        {"kind": "phone", "result": "reached", "occurred_at": moment},
        content_type="application/json",
    )
    assert contact.status_code == 400 and list(contact.json()) == ["occurred_at"]
    action = ssp.post(
        f"{API}/cases/{case.pk}/actions/",
        {"title": "Ring", "responsible": case.coordinator_id, "due_at": moment},
        content_type="application/json",
    )
    assert action.status_code == 400 and list(action.json()) == ["due_at"]
    assert not case.contacts.exists() and not case.actions.exists()


def test_a_cpr_number_in_any_api_url_is_refused() -> None:
    ssp = token_client("ssp.aalborg")
    for path in ("/me/", "/units/", "/forums/", "/notifications/"):
        response = ssp.get(f"{API}{path}?cpr=0101901234")
        assert response.status_code == 400 and list(response.json()) == ["cpr"], path
    # Authentication comes first: no token, no hint about the parameter.
    assert Client().get(f"{API}/units/?cpr=0101901234").status_code == 401


def test_the_api_speaks_the_language_a_program_asks_for() -> None:
    ssp = token_client("ssp.aalborg")
    english = ssp.get(f"{API}/cases/987654321/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json() == {"detail": "Not found."}
    danish = ssp.get(f"{API}/cases/987654321/")
    assert danish.json() == {"detail": "Ikke fundet."}
