"""API v1 against its own OpenAPI schema, with Schemathesis: every operation of
`/api/schema/` is called with generated requests (valid and invalid), token-authenticated
as several personas, in-process through the WSGI application (so in the test's database
transaction), and every answer is checked: no server error, a documented status code, a
documented content type and a body that conforms to the schema.

So that generated requests reach beyond 404 and 400, each persona gets real objects before
generation (its own case with a participant, entry, contact, action and consent, and an
Aalborg case of someone else), and a hook puts their ids into the path, and valid bodies
naming real units, users and citizens into the request, for a share of the examples.

Slow-ish (a few hundred requests per persona): marked `schemathesis`, left out of the
default run, run by CI on PostgreSQL (`pytest -m schemathesis`). Reproducible: Hypothesis
is derandomized, so the same code and data give the same requests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.throttling import ScopedRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Unit, User
from coordination.models import Forum
from tests.api.conftest import WORLDS, CaseWorld, token_for
from tests.conftest import fresh_cpr

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
    """The ids and bodies the hooks draw from, for one persona."""

    username: str
    token: str
    own: CaseWorld  # a case (the persona's, or one they must not reach)
    outside: CaseWorld  # a case they take no part in
    forum: Forum
    lead_unit: Unit | None
    user: User

    def ids(self, kind: str) -> list[int]:
        return [w.object(kind).pk for w in (self.own, self.outside)]

    def case_pairs(self, kind: str) -> list[dict[str, int]]:
        """Path parameters for `cases/{case_pk}/<kind>/{id}/`: of the same case, and mixed."""
        return [
            {"case_pk": self.own.case.pk, "id": self.own.object(kind).pk},
            {"case_pk": self.outside.case.pk, "id": self.outside.object(kind).pk},
            {"case_pk": self.own.case.pk, "id": self.outside.object(kind).pk},
        ]

    def body(self, operation_id: str) -> Any:
        """A valid body for the operation on the persona's own case, or None."""
        world = self.own
        case = world.case
        now = timezone.now()
        others = [world.unit(name) for name in world.spec.others]
        basis = case.forum.default_legal_basis
        bodies: dict[str, Callable[[], Any]] = {
            "citizens_create": lambda: {
                "cpr": fresh_cpr(16),
                "first_name": "Gen",
                "last_name": "Ereret",
            },
            "citizens_lookup_create": lambda: {"cpr": world.cpr},
            "cases_create": lambda: {
                "citizen": case.citizen_id,
                "forum": self.forum.pk,
                "lead_unit": self.lead_unit.pk if self.lead_unit else 1,
            },
            "cases_participants_create": lambda: {
                "unit": Unit.objects.get(name="Jobcenter Aalborg").pk,
                "role": "informed",
                "legal_basis": basis,
                "categories": ["general"],
            },
            "cases_entries_create": lambda: {
                "category": "general",
                "legal_basis": basis,
                "justification": "Koordinering",
                "audience": [others[0].pk],
                "text": "Genereret notat",
            },
            "cases_contacts_create": lambda: {
                "kind": world.spec.contact_kind,
                "result": "not_home",
                "occurred_at": (now - dt.timedelta(hours=2)).isoformat(),
                "note": "Genereret",
            },
            "cases_actions_create": lambda: {
                "title": "Genereret opgave",
                "responsible": world.lead.pk,
                "due_at": (now + dt.timedelta(days=3)).isoformat(),
            },
            "cases_consents_create": lambda: {
                "given_by": "citizen",
                "scope_units": [others[-1].pk],
                "scope_categories": ["general"],
                "purpose": "Genereret samtykke",
            },
            "actions_complete_create": lambda: {"note": "Gjort"},
            "audit_events_search_create": lambda: {"cpr": world.cpr},
        }
        make = bodies.get(operation_id)
        return make() if make is not None else None


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
    """Half the examples as generated; the others with real ids in the path, and for a
    third of those a valid body naming real objects too."""
    mode = data.draw(st.sampled_from([0, 0, 0, 1, 1, 2]), label="real ids (1), and body (2)")
    if mode == 0:
        return
    variants = _real_variants(play, case)
    case.path_parameters = dict(data.draw(st.sampled_from(variants), label="real ids"))
    if mode == 2:
        body = play.body(case.operation.definition.raw.get("operationId", ""))
        if body is not None:
            case.body = body


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
    membership = user.memberships.select_related("unit").first()
    lead_unit = membership.unit if membership else None
    forum = own.case.forum
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
            lead_unit=lead_unit,
            user=user,
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        cache.clear()


def _load_schema() -> Any:
    from config.wsgi import application

    config = schemathesis.Config.from_dict(
        {"seed": 20260115, "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True}}
    )
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
    case.call_and_validate(
        headers={"Authorization": f"Token {playground.token}"}, checks=CHECKS
    )


def test_the_worlds_exist() -> None:
    assert set(WORLDS) >= {"aalborg", "hjoerring"}
