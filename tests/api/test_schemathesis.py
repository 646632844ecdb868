"""API v1 against its own OpenAPI schema, with Schemathesis: every operation of
`/api/schema/` is called with generated requests (valid and invalid), token-authenticated
as several personas, in-process through the WSGI application (so in the test's database
transaction), and every answer is checked: no server error, a documented status code, a
documented content type and a body that conforms to the schema.

So that generated requests reach beyond 404 and 400, each persona gets real objects before
generation (its own case with a participant, entry, contact, action and consent, and an
SSP Hjørring case of someone else), and the test puts their ids into the path, and valid
bodies naming real units, users and citizens into the request, for most examples.

Slow-ish (a few hundred requests per persona): marked `schemathesis`, left out of the
default run, run by CI on PostgreSQL (`pytest -m schemathesis`). Reproducible: Hypothesis
is derandomized, so the same code and data give the same requests.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.views import SpectacularAPIView
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.permissions import AllowAny
from rest_framework.throttling import ScopedRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Unit, User
from coordination import handles
from coordination.models import Forum
from tests.api.conftest import (
    API_ROUTES_WITH_IDS,
    ApiRoute,
    CaseWorld,
)
from tests.conftest import fresh_cpr
from tests.helpers import token_client, token_for

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Per operation and persona. The coverage phase adds its own boundary cases on top.
MAX_EXAMPLES = 25

# Each persona and the world whose case is theirs to work on (None: they take part in no
# case; they get the Aalborg world's ids, which they must not reach).
PERSONAS: dict[str, str | None] = {
    "ssp.aalborg": "aalborg",
    "politi.forebyg": "aalborg",
    "revisor": None,
    "statistik": None,
}


@dataclass
class Playground:
    """The ids and bodies the test draws from, for one persona."""

    username: str
    token: str
    own: CaseWorld  # a case (the persona's, or one they must not reach)
    outside: CaseWorld  # a case they take no part in
    forum: Forum  # another forum to open a case for the world's citizen in
    units: list[Unit]  # the persona's units

    @property
    def user(self) -> User:
        return User.objects.get(username=self.username)

    def ids(self, kind: str) -> list[int]:
        return [w.object(kind).pk for w in (self.own, self.outside)]

    def case_pairs(self, kind: str) -> list[dict[str, int]]:
        """Path parameters for `cases/{case_pk}/<kind>/{id}/`: of the same case, and mixed."""
        return [
            {"case_pk": self.own.case.pk, "id": self.own.object(kind).pk},
            {"case_pk": self.outside.case.pk, "id": self.outside.object(kind).pk},
            {"case_pk": self.own.case.pk, "id": self.outside.object(kind).pk},
        ]

    def bodies(self, operation_id: str) -> list[Any]:
        """Valid bodies for the operation on the persona's own case (none: no body)."""
        world = self.own
        case = world.case
        now = timezone.now()
        others = [world.unit(name) for name in world.spec.others]
        basis = case.forum.default_legal_basis
        bodies: dict[str, Callable[[], list[Any]]] = {
            # A new citizen, and one who exists (the same answer).
            "citizens_create": lambda: [{"cpr": fresh_cpr(16)}, {"cpr": world.cpr}],
            "citizens_lookup_create": lambda: [{"cpr": world.cpr}, {"cpr": fresh_cpr(17)}],
            # The world's citizen in another forum of the persona's unit, named by a handle
            # minted for the persona (as a case answer or a look-up would give it).
            "cases_create": lambda: (
                [
                    {
                        "citizen": handles.mint(user=self.user, citizen_id=case.citizen_id),
                        "forum": self.forum.pk,
                        "lead_unit": unit.pk,
                    }
                    for unit in self.units
                ]
                + [
                    {
                        "citizen": handles.mint(user=self.user, digits=fresh_cpr(16)),
                        "forum": self.forum.pk,
                        "lead_unit": unit.pk,
                    }
                    for unit in self.units
                ]
            ),
            "cases_participants_create": lambda: [
                {
                    "unit": Unit.objects.get(name="Jobcenter Aalborg").pk,
                    "role": "informed",
                    "legal_basis": basis,
                    "categories": ["general"],
                }
            ],
            "cases_entries_create": lambda: [
                {
                    "category": "general",
                    "legal_basis": basis,
                    "justification": "Koordinering",
                    "audience": [others[0].pk],
                    "text": "Genereret notat",
                }
            ],
            "cases_contacts_create": lambda: [
                {
                    "kind": world.spec.contact_kind,
                    "result": "not_home",
                    "occurred_at": (now - dt.timedelta(hours=2)).isoformat(),
                    "note": "Genereret",
                }
            ],
            "cases_actions_create": lambda: [
                {
                    "title": "Genereret opgave",
                    "responsible": world.lead.pk,
                    "due_at": (now + dt.timedelta(days=3)).isoformat(),
                }
            ],
            "cases_consents_create": lambda: [
                {
                    "given_by": "citizen",
                    "scope_units": [others[-1].pk],
                    "scope_categories": ["general"],
                    "purpose": "Genereret samtykke",
                }
            ],
            "actions_complete_create": lambda: [{"note": "Gjort"}],
            "audit_events_search_create": lambda: [{"cpr": world.cpr}],
        }
        make = bodies.get(operation_id)
        return make() if make is not None else []


def _segment_kind(path: str, param: str) -> str:
    # "/cases/{case_pk}/participants/{id}/" -> "participant" for "id", "case" for "case_pk"
    before = path.split("{" + param + "}", 1)[0].strip("/").split("/")
    return {
        "cases": "case",
        "participants": "participant",
        "actions": "action",
        "consents": "consent",
        "entries": "entry",
        "contacts": "contact",
    }[before[-1]]


def _real_variants(play: Playground, case: Any) -> list[dict[str, Any]]:
    """Real path parameters for the case's operation (several combinations)."""
    params = list(case.path_parameters or {})
    if not params:
        return [{}]
    path = case.operation.path
    if set(params) == {"case_pk", "id"}:
        return play.case_pairs(_segment_kind(path, "id"))
    (param,) = params
    return [{param: pk} for pk in play.ids(_segment_kind(path, param))]


def _real_case(play: Playground, case: Any, data: st.DataObject) -> None:
    """A third of the examples as generated; the others with real ids in the path (ids
    of the persona's world, of the outside world, and mixed), and half of those with a valid
    body naming real objects too."""
    # Ids the URLconf cannot match (negative, text) get Django's 404 page, not the API's:
    # test_malformed_ids_get_the_apis_404 covers that, so that it does not hide the rest.
    for name, value in list(case.path_parameters.items()):
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            case.path_parameters[name] = data.draw(st.integers(0, 2**31), label=name)
    # Hypothesis's simplest choice (all the coverage phase draws) is the first: real ids
    # and a valid body; then real ids; then the generated ones.
    mode = data.draw(st.sampled_from(["valid", "real ids", "generated"]), label="mode")
    if mode == "generated":
        return
    variants = _real_variants(play, case)
    case.path_parameters = dict(data.draw(st.sampled_from(variants), label="real ids"))
    bodies = play.bodies(case.operation.definition.raw.get("operationId", ""))
    if mode == "valid" and bodies:
        case.body = data.draw(st.sampled_from(bodies), label="valid body")


@pytest.fixture(params=list(PERSONAS), ids=str)
def playground(
    request: pytest.FixtureRequest,
    case_world: Callable[[str], CaseWorld],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Playground]:
    username: str = request.param
    own_key = PERSONAS[username] or "aalborg"
    own = case_world(own_key).populate()
    outside = case_world("hjoerring").populate()
    user = User.objects.get(username=username)
    forum = Forum.objects.get(name="SSP Aalborg")  # the world's citizen is 16
    # The CPR throttle (30/minute) would turn most generated look-ups into 429s; DRF
    # reads the rates once per class, so raise them there.
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, "cpr": None}
    )
    cache.clear()
    # Requests go through the real WSGI handler, whose request signals would close the
    # database connection (and with it the test's transaction); Django's test client
    # disconnects the same handler.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield Playground(
            username=username,
            token=token_for(username),
            own=own,
            outside=outside,
            forum=forum,
            units=[m.unit for m in user.memberships.select_related("unit")],
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        cache.clear()


def _load_schema() -> Any:
    """The schema as the app serves it at /api/schema/, through the WSGI application. The
    schema is for API users only, and no user exists while tests are collected: the load
    lets the schema view serve anyone (test_the_loaded_schema_is_the_served_one checks
    that a persona is served the same document)."""
    from config.wsgi import application

    config = schemathesis.Config.from_dict(
        {"seed": 20260115, "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True}}
    )
    with mock.patch.object(SpectacularAPIView, "permission_classes", [AllowAny]):
        return schemathesis.openapi.from_wsgi("/api/schema/", application, config=config)


schema = _load_schema()


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@schema.parametrize()
@schema.given(data=st.data())
def test_api_conforms_to_its_schema(case: Any, data: Any, playground: Playground) -> None:
    _real_case(playground, case, data)
    case.call_and_validate(headers={"Authorization": f"Token {playground.token}"}, checks=CHECKS)


def test_the_loaded_schema_is_the_served_one(playground: Playground) -> None:
    """What the tests were generated from is what an API user gets at /api/schema/."""
    served = token_client(playground.username).get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert served.status_code == 200
    assert json.loads(served.content) == schema.raw_schema


@pytest.mark.parametrize("route", API_ROUTES_WITH_IDS, ids=str)
@pytest.mark.parametrize("bad_id", ["abc", "-1", "1.5", "%C3%A6"])
def test_malformed_ids_get_the_apis_404(route: ApiRoute, bad_id: str) -> None:
    """An id the URLconf cannot match (`<int:...>`) is still under /api/v1/: the answer is
    the API's JSON 404 (docs/api.md: JSON everywhere), not the HTML page of the site."""
    url = "/" + re.sub(r"<(?:\w+:)?\w+>", bad_id, route.route)
    client = token_client("ssp.aalborg")
    for method in route.methods:
        response = getattr(client, method.lower())(url)
        where = f"{method} {url}"
        assert response.status_code == 404, f"{where}: {response.status_code}"
        assert response["Content-Type"] == "application/json", (
            f"{where}: {response['Content-Type']}"
        )
        assert set(response.json()) == {"detail"}, f"{where}: {response.content[:200]!r}"
