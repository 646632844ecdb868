"""Shared by the API tests: the walk over API v1's routes, "case worlds" and the Knock Knock
case of the endpoint tests. A case world is a case with one real object of every kind an API
URL can name (participant, entry, contact, action, consent), made through the services, with
a distinctive citizen and a secret written into every free-text field, so that a leak into a
response is unmistakable.

The endpoint tests, one module per resource (test_citizens.py, test_cases.py, ...), test
every resource of API v1 (docs/api.md) but the audit log (tests/coordination/
test_audit_api.py) as the people who use it in practice call it: the response's shape, 400
with the field's name and nothing written, 401, 403 and 404 with their DENIED audit events,
the audit events of each successful call, and the semantics the contract promises (access
ends at once, consent withdrawal hides entries at once, cursors, the CPR throttle).

Helpers here are imported by the test modules (as tests/conftest.py's fresh_cpr is); the
plain helpers shared with other test packages (token_client, user, unit, ...) are in
tests/helpers.py."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Unit, User
from coordination import services
from coordination.models import ALL_CATEGORIES, Case
from tests.helpers import KNOCK, KNOCK_OTHERS
from tests.security.conftest import later

# An id that exists nowhere: every API answer for it is the reference a real but invisible
# object's answer must equal.
MISSING_ID = 987654321


@pytest.fixture
def throttle_reset() -> Iterator[None]:
    """The CPR throttle counts in the cache: start and end each test with none counted."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def kk(open_case: Callable[..., Any]) -> Case:
    """A Knock Knock Aalborg case led by ssp.aalborg, with Familiegrupperne and Forebyggelse
    Aalborg taking part."""
    case: Case = open_case(*KNOCK, age=16, others=KNOCK_OTHERS, track="15-17")
    return case


# --- The routes of API v1 -----------------------------------------------------------------


@dataclass(frozen=True)
class ApiRoute:
    name: str  # "api:case-detail"
    route: str  # "api/v1/cases/<int:pk>/"
    params: tuple[str, ...]  # ("pk",)
    methods: tuple[str, ...]  # ("GET",), from the viewset's action map ({"get": "retrieve"})

    def __str__(self) -> str:
        return self.name


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[ApiRoute]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            space = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), space.strip(":"))
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            actions = getattr(entry.callback, "actions", None) or {}
            yield ApiRoute(
                name=name,
                route=prefix + str(entry.pattern),
                params=tuple(entry.pattern.regex.groupindex),
                methods=tuple(sorted(m.upper() for m in actions)),
            )


API_ROUTES: list[ApiRoute] = sorted(
    (r for r in _walk(get_resolver().url_patterns) if r.name.startswith("api:")),
    key=lambda r: r.name,
)
API_ROUTES_WITH_IDS = [r for r in API_ROUTES if r.params]


# The object a URL parameter names, by the path segment in front of it
# (cases/<case_pk>/participants/<pk>/ -> a case, then a participant).
SEGMENT_OBJECTS: dict[str, str] = {
    "cases": "case",
    "participants": "participant",
    "entries": "entry",
    "contacts": "contact",
    "actions": "action",
    "consents": "consent",
}


def segment_before(route: ApiRoute, param: str) -> str:
    at = re.search(rf"<(?:\w+:)?{param}>", route.route)
    if at is None:
        return ""
    segments = [s for s in route.route[: at.start()].split("/") if s]
    return segments[-1] if segments else ""


def object_kind(route: ApiRoute, param: str) -> str:
    """Which kind of object `param` of `route` names; a LookupError (a loud failure) for a
    path segment nobody has taught the tests yet."""
    segment = segment_before(route, param)
    kind = SEGMENT_OBJECTS.get(segment)
    if kind is None:
        raise LookupError(
            f"{route.name} ({route.route}): no object for <{param}> after {segment!r}/; "
            "add the segment to SEGMENT_OBJECTS in tests/api/conftest.py and the object "
            "to CaseWorld"
        )
    return kind


def api_url(route: ApiRoute, world: CaseWorld | None) -> str:
    """The route's URL naming the world's objects, or (world None) ids that exist nowhere."""
    kwargs = {
        param: MISSING_ID if world is None else world.object(object_kind(route, param)).pk
        for param in route.params
    }
    return reverse(route.name, kwargs=kwargs)


# --- Case worlds --------------------------------------------------------------------------


@dataclass(frozen=True)
class WorldSpec:
    """A case to be made: forum, lead persona and unit, the other participating units."""

    key: str
    forum: str
    lead: str
    lead_unit: str
    others: tuple[str, ...]
    age: int
    contact_kind: str
    first_name: str
    last_name: str
    # Written into every free-text field of the world's objects: must never reach outsiders.
    secret: str

    @property
    def units(self) -> tuple[str, ...]:
        return (self.lead_unit, *self.others)


WORLDS: dict[str, WorldSpec] = {
    spec.key: spec
    for spec in (
        # Aalborg's Knock Knock: Jobcenter Aalborg is a member of the forum, not of the case.
        WorldSpec(
            key="aalborg",
            forum="Knock Knock Aalborg",
            lead="ssp.aalborg",
            lead_unit="SSP Aalborg",
            others=("Familiegrupperne", "Forebyggelse Aalborg"),
            age=16,
            contact_kind="knock_visit",
            first_name="Idunn",
            last_name="Apisdottir",
            secret="Fortroligt-a41b7e",
        ),
        # Hjørring's SSP: no Aalborg unit is a member of the forum.
        WorldSpec(
            key="hjoerring",
            forum="SSP Hjørring",
            lead="ssp.hjoerring",
            lead_unit="SSP Hjørring",
            others=("Lokalpoliti Hjørring", "Børn og Familie Hjørring"),
            age=14,
            contact_kind="home_visit",
            first_name="Sigrun",
            last_name="Hjoerringsen",
            secret="Fortroligt-5c9d20",
        ),
    )
}


@dataclass
class CaseWorld:
    """The case and its objects; each is created (through the services) when first used."""

    spec: WorldSpec
    case: Case
    lead: User = field(init=False)

    def __post_init__(self) -> None:
        self.lead = User.objects.get(username=self.spec.lead)

    @classmethod
    def make(cls, spec: WorldSpec, open_case: Callable[..., Any]) -> CaseWorld:
        case = open_case(
            spec.forum,
            spec.lead,
            spec.lead_unit,
            age=spec.age,
            others=list(spec.others),
            first_name=spec.first_name,
            last_name=spec.last_name,
        )
        return cls(spec, case)

    @property
    def cpr(self) -> str:
        return self.case.citizen.full_cpr()

    @property
    def personal_data(self) -> list[str]:
        """Strings that identify the citizen or come from the case's content."""
        cpr = self.cpr
        return [
            self.spec.last_name,
            f"{self.spec.first_name} {self.spec.last_name}",
            cpr,
            f"{cpr[:6]}-{cpr[6:]}",
            self.spec.secret,
        ]

    def populate(self) -> CaseWorld:
        for kind in SEGMENT_OBJECTS.values():
            assert self.object(kind) is not None, kind
        return self

    def object(self, kind: str) -> Any:
        found = getattr(self, kind)
        if found is None:
            raise LookupError(f"the {self.spec.key} world has no {kind}")
        return found

    def unit(self, name: str) -> Unit:
        return Unit.objects.get(name=name)

    # --- objects of the case ------------------------------------------------------------

    @cached_property
    def participant(self) -> Any:
        return self.case.participants.exclude(role="lead").order_by("pk").first()

    @cached_property
    def entry(self) -> Any:
        return services.entry_share(
            actor=self.lead,
            case=self.case,
            category="general",
            legal_basis=self.case.forum.default_legal_basis,
            justification=f"Nødvendigt {self.spec.secret}",
            text=f"Notat {self.spec.secret}",
        )

    @cached_property
    def contact(self) -> Any:
        return services.contact_log(
            actor=self.lead,
            case=self.case,
            kind=self.spec.contact_kind,
            result="reached",
            occurred_at=later(minutes=-5),
            note=f"Samtale {self.spec.secret}",
        )

    @cached_property
    def action(self) -> Any:
        return services.action_create(
            actor=self.lead,
            case=self.case,
            title=f"Ring til skolen {self.spec.secret}",
            responsible=self.lead,
            due_at=later(days=2),
        )

    @cached_property
    def consent(self) -> Any:
        return services.consent_register(
            actor=self.lead,
            case=self.case,
            # Under 15 a guardian consents; from 15 the young person, with a guardian.
            given_by="guardian" if self.case.citizen.age_on(timezone.localdate()) < 15 else "both",
            guardian_name=f"Mor {self.spec.secret}",
            scope_units=[self.unit(self.spec.others[-1])],
            scope_categories=["general"],
            purpose=f"Samarbejde {self.spec.secret}",
            form="written",
        )

    # --- what a request must not change --------------------------------------------------

    def state(self) -> dict[str, Any]:
        """What an outsider's request must leave as it was."""
        case = Case.objects.get(pk=self.case.pk)
        return {
            "case": (case.status, case.stage, case.coordinator_id),
            "participants": sorted(
                case.participants.values_list("pk", "unit_id", "role", "valid_until")
            ),
            "entries": sorted(case.entries.values_list("pk", flat=True)),
            "contacts": sorted(case.contacts.values_list("pk", flat=True)),
            "actions": sorted(case.actions.values_list("pk", "status", "completed_at")),
            "consents": sorted(
                case.citizen.consents.values_list("pk", "withdrawn_at", "valid_until")
            ),
        }


@pytest.fixture
def case_world(open_case: Callable[..., Any]) -> Callable[[str], CaseWorld]:
    """case_world("aalborg") -> a new case of that WorldSpec (its objects made on use)."""

    def make(key: str) -> CaseWorld:
        return CaseWorld.make(WORLDS[key], open_case)

    return make


ALL_CATEGORIES_LIST = list(ALL_CATEGORIES)
