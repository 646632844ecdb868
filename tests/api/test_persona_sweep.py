"""Persona sweep of API v1, generated from the URLconf: every API route with an object id in
its path is requested, with every method it routes, by every persona of docs/demo-data.md
(token-authenticated) for the objects of a case that persona takes no part in:

- the Aalborg Knock Knock case (led by ssp.aalborg with Familiegrupperne and Forebyggelse
  Aalborg) for everyone whose unit is not among those three, Jobcenter Aalborg (a member of
  the forum, not of the case) included;
- the SSP Hjørring case (led by ssp.hjoerring) for everyone else but ssp.hjoerring.

Each answer is 404 (the object's existence is a secret), exactly the answer for an id that
exists nowhere, never shows the citizen's name, CPR number or anything written in the case,
and changes nothing. A new route with an object id is swept automatically; one whose id
segment the tests cannot fill fails in test_every_api_id_can_be_filled.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from coordination.demo import PERSONAS
from tests.api.conftest import (
    API_ROUTES_WITH_IDS,
    SEGMENT_OBJECTS,
    WORLDS,
    ApiRoute,
    CaseWorld,
    api_url,
    object_kind,
)
from tests.helpers import token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_reset")]

# The personas of docs/demo-data.md (the seed's own table, so a new persona is swept too).
PERSONA_UNITS = {p.username: p.unit for p in PERSONAS}

# (world, persona) for every persona whose unit takes no part in the world's case.
OUTSIDERS = [
    (key, username)
    for key, spec in WORLDS.items()
    for username, unit in PERSONA_UNITS.items()
    if unit not in spec.units
]


def _request(client: Any, method: str, url: str) -> Any:
    if method == "GET":
        return client.get(url)
    if method == "POST":
        return client.post(url, {}, content_type="application/json")
    if method == "DELETE":
        return client.delete(url)
    raise AssertionError(f"{method} {url}: teach _request this method")


def _body(response: Any) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return response.content.decode(errors="replace")


@pytest.mark.parametrize("route", API_ROUTES_WITH_IDS, ids=str)
@pytest.mark.parametrize(("world_key", "username"), OUTSIDERS, ids=lambda v: v)
def test_outsiders_get_404_for_every_api_object_id(
    route: ApiRoute,
    world_key: str,
    username: str,
    case_world: Callable[[str], CaseWorld],
) -> None:
    assert route.methods, f"{route.name}: no methods found (not a DRF viewset route?)"
    world = case_world(world_key).populate()
    url = api_url(route, world)
    missing = api_url(route, None)
    before = world.state()
    client = token_client(username)
    for method in route.methods:
        where = f"{method} {url} as {username} ({world_key} case)"
        response = _request(client, method, url)
        assert response.status_code == 404, (
            f"{where}: {response.status_code} {response.content[:300]!r}"
        )
        body = response.content.decode(errors="replace")
        for text in world.personal_data:
            assert text not in body, f"{where}: the body contains {text!r}"
        # No oracle: an id that exists nowhere gets the very same answer.
        probe = _request(client, method, missing)
        assert (probe.status_code, _body(probe)) == (response.status_code, _body(response)), (
            f"{where}: {response.status_code} {_body(response)!r}, but for a missing id "
            f"{probe.status_code} {_body(probe)!r}"
        )
    assert world.state() == before, f"{url} as {username}: the case changed"


@pytest.mark.parametrize("route", API_ROUTES_WITH_IDS, ids=str)
def test_the_lead_reaches_every_swept_object(
    route: ApiRoute, case_world: Callable[[str], CaseWorld]
) -> None:
    """The sweep names real objects: their case's lead gets no 404 for them (GET or a
    harmless empty POST; DELETE is not sent, it would end the participation)."""
    for key in WORLDS:
        world = case_world(key).populate()
        client = token_client(world.spec.lead)
        url = api_url(route, world)
        methods = [m for m in route.methods if m != "DELETE"]
        if not methods:
            # DELETE only: the participant is listed for the lead (so the id is real).
            kind = object_kind(route, route.params[-1])
            assert getattr(world, kind).case_id == world.case.pk
            continue
        for method in methods:
            response = _request(client, method, url)
            assert response.status_code not in (403, 404), (
                f"{method} {url} as {world.spec.lead}: {response.status_code}"
            )
            assert response.status_code < 500


def test_every_api_id_can_be_filled() -> None:
    """Every id segment of every API route names an object the worlds can make."""
    for route in API_ROUTES_WITH_IDS:
        for param in route.params:
            assert object_kind(route, param) in SEGMENT_OBJECTS.values()
        assert set(route.methods) <= {"GET", "POST", "DELETE"}, route


def test_the_walk_finds_the_api_routes_with_ids() -> None:
    names = {r.name for r in API_ROUTES_WITH_IDS}
    assert {
        "api:case-detail",
        "api:case-participant-list",
        "api:case-participant-detail",
        "api:case-entry-list",
        "api:case-contact-list",
        "api:case-action-list",
        "api:case-consent-list",
        "api:action-complete",
        "api:consent-withdraw",
    } <= names
    methods = {r.name: r.methods for r in API_ROUTES_WITH_IDS}
    assert methods["api:case-participant-detail"] == ("DELETE",)
    assert methods["api:case-entry-list"] == ("GET", "POST")


def test_every_persona_of_the_seed_is_swept() -> None:
    documented = {
        "ssp.aalborg",
        "politi.forebyg",
        "politi.efterforsk",
        "psyk.syd",
        "job.aalborg",
        "fam.aalborg",
        "social.aalborg",
        "ssp.hjoerring",
        "skole.aalborg",
        "statistik",
        "revisor",
        "admin",
    }
    swept = {username for _key, username in OUTSIDERS}
    assert documented <= set(PERSONA_UNITS)
    assert swept == set(PERSONA_UNITS)
