"""Plain helpers shared by the test modules (imported, as tests/conftest.py's fresh_cpr is):

- the personas of docs/demo-data.md and the lookups by name: user(), unit(), forum();
- token_client(), an API v1 client authenticated with a persona's DRF token;
- for the API v1 endpoint tests (tests/api/test_<resource>.py): the Knock Knock case they work
  on, request bodies, the answer's shape and the audit events a call writes.

Fixtures live in the conftest.py files; these are functions and constants."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from typing import Any

from django.db.models import Max, Model
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import Unit, User
from coordination import services
from coordination.models import (
    Action,
    AuditEvent,
    Case,
    CaseParticipant,
    Consent,
    Contact,
    Entry,
    Forum,
)

# --- Personas and the directory ----------------------------------------------------------

# The personas are part of the product's contract (docs/demo-data.md, in its order): spelled out,
# not imported from the seed (coordination.demo.PERSONA_USERNAMES), so that
# tests/coordination/test_seed_demo.py checks the seed against them.
PERSONAS: tuple[str, ...] = (
    "ssp.aalborg", "politi.forebyg", "politi.efterforsk", "psyk.syd", "job.aalborg",
    "fam.aalborg", "social.aalborg", "ssp.hjoerring", "skole.aalborg", "statistik",
    "lokalraad.aalborg", "lokalraad.hjoerring", "revisor", "admin",
)  # fmt: skip


def user(username: str) -> User:
    return User.objects.get(username=username)


def unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def forum(name: str) -> Forum:
    return Forum.objects.get(name=name)


def token_for(who: str | User) -> str:
    """The key of the user's DRF token (a persona's username or a User), made on first use."""
    person = who if isinstance(who, User) else user(who)
    token, _created = Token.objects.get_or_create(user=person)
    return token.key


def token_client(who: str | User) -> Client:
    """An API client authenticated with the user's DRF token (a username or a User)."""
    return Client(HTTP_AUTHORIZATION=f"Token {token_for(who)}")


# --- API v1 endpoint tests (tests/api/test_<resource>.py) --------------------------------
#
# Most of them work on a Knock Knock Aalborg case led by ssp.aalborg (SSP Aalborg) with
# Familiegrupperne (fam.aalborg) and Forebyggelse Aalborg (politi.forebyg) taking part: the
# `kk` fixture of tests/api/conftest.py.

API = "/api/v1"
KNOCK = ("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg")
KNOCK_OTHERS = ["Familiegrupperne", "Forebyggelse Aalborg"]
MISSING = 99_999_999


def post_json(client: Client, path: str, body: Any, **extra: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def mark() -> int:
    """The newest audit event's id: events written after it are the call's."""
    return AuditEvent.objects.aggregate(newest=Max("pk"))["newest"] or 0


def events_since(before: int, **filters: Any) -> list[AuditEvent]:
    """The audit events written since `before` (but the issuing of the test's API tokens,
    which token_client does on first use)."""
    events = AuditEvent.objects.filter(pk__gt=before, **filters).order_by("pk")
    return [e for e in events if e.detail.get("change") != "api_token_issued"]


def rid() -> str:
    return str(uuid.uuid4())


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    rows: list[dict[str, Any]] = body["results"]
    return rows


def assert_field_error(response: Any, *fields: str, nested: bool = False) -> None:
    """A 400 in the contract's shape: {"field": ["message", ...]} for each of `fields`
    (`nested`: a list field's {"field": {"0": ["message"]}}, see test_list_field_errors_...)."""
    assert response.status_code == 400, response.content
    body = response.json()
    for field in fields:
        assert field in body, body
        if nested and isinstance(body[field], dict):
            assert all(isinstance(v, list) and v for v in body[field].values()), body
            continue
        assert isinstance(body[field], list) and body[field], body
        assert all(isinstance(message, str) and message for message in body[field]), body


def assert_no_cpr(number: str, before: int, *responses: Any) -> None:
    """Neither the responses nor any audit event written since `before` holds the number
    (in either of its spellings)."""
    spellings = (number, f"{number[:6]}-{number[6:]}")
    fields = ("detail", "purpose", "object_id", "object_type", "categories", "request_id")
    texts = [
        json.dumps(row, default=str)
        for row in AuditEvent.objects.filter(pk__gt=before).values(*fields)
    ]
    texts += [response.content.decode() for response in responses]
    for text in texts:
        for spelling in spellings:
            assert spelling not in text


def count(model: type[Model], **filters: Any) -> int:
    return model._default_manager.filter(**filters).count()


def normalise_times(row: dict[str, Any], *fields: str) -> dict[str, Any]:
    return {k: (dt.datetime.fromisoformat(v) if k in fields and v else v) for k, v in row.items()}


def content_state(case: Case) -> dict[str, Any]:
    return {
        "participants": sorted(
            CaseParticipant.objects.active().filter(case=case).values_list("pk", flat=True)
        ),
        "rows": [count(model, case=case) for model in (Entry, Contact, Action, CaseParticipant)],
        "consents": list(
            Consent.objects.filter(citizen=case.citizen_id).values_list("pk", "withdrawn_at")
        ),
        "actions": list(Action.objects.filter(case=case).values_list("pk", "status")),
    }


def add_informed_jobcenter(case: Case) -> CaseParticipant:
    return services.participant_add(
        actor=user("ssp.aalborg"),
        case=case,
        unit=unit("Jobcenter Aalborg"),
        role="informed",
        legal_basis="RPL115_SSP",
        categories=["employment", "general"],
    )


def make_action(case: Case, responsible: str = "ssp.aalborg", days: int = 3) -> Action:
    return services.action_create(
        actor=case.coordinator or user("ssp.aalborg"),
        case=case,
        title="Nyt besøg",
        responsible=user(responsible),
        due_at=timezone.now() + dt.timedelta(days=days),
    )


def make_consent(case: Case, actor: str, units: Iterable[str], categories: list[str]) -> Consent:
    return services.consent_register(
        actor=user(actor),
        case=case,
        given_by="citizen",
        scope_units=[unit(name) for name in units],
        scope_categories=categories,
        purpose="Exit-forløb",
        form="written",
    )


def entry_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "category": "general",
        "legal_basis": "RPL115_SSP",
        "justification": "Koordinering af besøg",
        "audience": [],
        "text": "Aftalt banke-på-besøg torsdag.",
    }
    return {**body, **overrides}


def contact_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "kind": "knock_visit",
        "result": "not_home",
        "occurred_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "note": "Ingen hjemme",
    }
    return {**body, **overrides}


def action_body(responsible: str = "fam.aalborg", **overrides: Any) -> dict[str, Any]:
    body = {
        "title": "Opfølgende samtale",
        "responsible": user(responsible).pk,
        "due_at": (timezone.now() + dt.timedelta(days=3)).isoformat(),
    }
    return {**body, **overrides}


def consent_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "given_by": "citizen",
        "scope_units": [unit("Forebyggelse Aalborg").pk, unit("Socialforvaltningen Aalborg").pk],
        "scope_categories": ["social", "general"],
        "purpose": "Exit-forløb",
    }
    return {**body, **overrides}


def participant_body(name: str = "Jobcenter Aalborg", **overrides: Any) -> dict[str, Any]:
    body = {
        "unit": unit(name).pk,
        "role": "informed",
        "legal_basis": "RPL115_SSP",
        "categories": ["employment", "general"],
    }
    return {**body, **overrides}


def follow(client: Client, first: str) -> list[list[dict[str, Any]]]:
    """Every page of a cursor list, following `next` from `first`."""
    pages = []
    response = client.get(first)
    while True:
        pages.append(results(response))
        following = response.json()["next"]
        if following is None:
            return pages
        assert len(pages) < 100, "the cursor does not end"
        response = client.get(following)
