"""Every page that shows personal data writes an audit event: a walk over the whole URLconf.

Each URL is requested by someone who may see it (the case's lead caseworker, the auditor, the
system administrator), with a known X-Request-ID; whenever it answers 200, an event with that
request id must exist. A new view that forgets its audit event fails here, unless it is added
to EXEMPT with the reason it shows no personal data.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import User
from coordination.models import AuditEvent, Case

pytestmark = pytest.mark.django_db

# URL names that answer 200 without showing personal data, and why.
EXEMPT = {
    "login": "the login form",
    "logout": "ends the session",
    "set_language": "sets a cookie",
    "healthz": "database and broker status",
    "coordination:home": "a redirect",
    "admin:index": "the list of models",
    "admin:app_list": "the list of an app's models",
    "admin:login": "the login form",
    "admin:logout": "ends the session",
    "admin:password_change": "the administrator's own password form",
    "admin:password_change_done": "a confirmation",
    "admin:jsi18n": "translations for the admin's scripts",
    "admin:autocomplete": "unit and organisation names (no personal data)",
    "admin:view_on_site": "a redirect",
    "coordination:case_new": "GET shows the empty form",
    "two_factor_setup": "the user's own QR code and key",
    "two_factor_verify": "the code form",
    "coordination:emergency_access": "GET shows the empty form",
    "coordination:entry_audience": "unit names and policy reasons, inside the audited entry page",
    "coordination:notification_count": "the number of unread notifications (the bell's badge)",
    "coordination:preferences": "the user's own e-mail setting for reminders",
    "coordination:intake_new": "GET shows the empty form",
    "coordination:meeting_new": "GET shows the empty form",
    "api:me": "the caller's own name and units",
    "api:unit-list": "the unit directory (no personal data)",
    "api:forum-list": "the forums of the caller's units (no personal data)",
    "api_schema": "the API's OpenAPI schema",
    "api_docs": "the API's documentation page",
}
# Third-party admin pages: groups (named after units), API tokens, task schedules.
EXEMPT_APPS = (
    "admin:auth_",
    "admin:authtoken_",
    "admin:django_celery_beat_",
    "admin:axes_",  # failed-login records: usernames and addresses, no citizen data
    "admin:otp_",  # two-factor devices of staff
)
# Add pages show an empty form; the user admin's password form shows only the username.
EXEMPT_SUFFIXES = ("_add", "_password_change")


@dataclass
class Route:
    name: str
    route: str
    params: list[str]


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            space = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), space.strip(":"))
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            route = prefix + str(entry.pattern)
            yield Route(name, route, list(entry.pattern.regex.groupindex))


ROUTES = sorted(
    {r.name: r for r in _walk(get_resolver().url_patterns)}.values(), key=lambda r: r.name
)


def _admin_model(name: str) -> Any:
    # admin:coordination_case_change -> coordination.Case
    short = name.split(":", 1)[1]
    for model in apps.get_models():
        label = f"{model._meta.app_label}_{model._meta.model_name}_"
        if short.startswith(label):
            return model
    return None


def _url_and_user(route: Route, case: Case) -> tuple[str, str] | None:
    from django.urls import reverse

    kwargs: dict[str, Any] = {}
    user = "ssp.aalborg"
    if route.name.startswith("admin:"):
        user = "admin"
        model = _admin_model(route.name)
        for param in route.params:
            if param == "object_id":
                if model is None or not model.objects.exists():
                    return None
                kwargs[param] = model.objects.order_by("pk").first().pk
            elif param == "app_label":
                kwargs[param] = "coordination"
            else:
                return None  # view_on_site and the like: no object to show
    elif route.name.startswith("api:") and "audit/" not in route.route:
        for param in route.params:
            if param == "pk" and "/participants/" in route.route:
                kwargs[param] = case.participants.exclude(role="lead").first().pk
            elif param == "case_pk" or (param == "pk" and route.route.startswith("api/v1/cases/")):
                kwargs[param] = case.pk
            elif param == "pk" and route.route.startswith("api/v1/actions/"):
                kwargs[param] = _action(case).pk
            else:
                return None  # the Knock Knock case has no consent; covered in tests/api
    elif ":audit_" in route.name or route.name.startswith("api:"):
        user = "revisor"
        if "pk" in route.params:
            from coordination import services

            sample = services.audit_sample_draw(
                actor=User.objects.get(username="revisor"),
                period_start=timezone.localdate(),
                period_end=timezone.localdate(),
                size=3,
            )
            kwargs["pk"] = sample.pk
    else:
        world = _workflow_objects(case)
        for param in route.params:
            prefix = next((p for p in world if route.route.startswith(p)), None)
            if param == "pk" and prefix is not None:
                kwargs[param] = world[prefix]().pk
            elif param == "pk" and route.route.startswith("opgaver/"):
                kwargs[param] = _action(case).pk
            elif param == "pk":
                kwargs[param] = case.pk
            elif param == "participant_pk":
                kwargs[param] = case.participants.exclude(role="lead").first().pk
            elif param == "consent_pk":
                return None  # the Knock Knock case has no consent; covered in test_views
            else:
                return None
    return reverse(route.name, kwargs=kwargs), user


def _action(case: Case) -> Any:
    from coordination import services

    lead = User.objects.get(username="ssp.aalborg")
    return services.action_create(
        actor=lead,
        case=case,
        title="Follow up",
        responsible=lead,
        due_at=timezone.now() + dt.timedelta(days=1),
    )


def _workflow_objects(case: Case) -> dict[str, Any]:
    """Makers of the workflow objects a route's pk names, by the route's prefix (the longest
    prefixes first: moeder/punkter/ before moeder/)."""
    from coordination import services

    lead = User.objects.get(username="ssp.aalborg")
    unit = case.participants.get(role="lead").unit

    def meeting() -> Any:
        return services.meeting_schedule(
            actor=lead,
            forum=case.forum,
            organiser_unit=unit,
            starts_at=timezone.now() + dt.timedelta(days=2),
        )

    return {
        "bekymringer/": lambda: services.concern_report_create(
            actor=lead,
            forum=case.forum,
            received_by=unit,
            channel="school",
            urgency="green",
            summary="Bekymring",
            citizen=case.citizen,
        ),
        "moeder/punkter/": lambda: services.meeting_add_case(
            actor=lead, meeting=meeting(), case=case
        ),
        "moeder/": meeting,
        "tilbud/": lambda: services.offer_make(actor=lead, case=case, kind="club"),
        "henvisninger/": lambda: services.referral_send(
            actor=lead,
            case=case,
            to_unit=None,
            to_service="Klub",
            purpose="Fritid",
            legal_basis="FVL28",  # outside the case: a basis of its own
        ),
    }


@pytest.fixture
def case(open_case) -> Case:
    return open_case(
        "Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg", age=16, others=["Familiegrupperne"]
    )


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_page_with_personal_data_is_audited(route: Route, case: Case) -> None:
    exempt = (
        route.name in EXEMPT
        or route.name.endswith(EXEMPT_SUFFIXES)
        or route.name.startswith(EXEMPT_APPS)
    )
    target = _url_and_user(route, case)
    if target is None:
        pytest.skip(f"{route.name}: no object of its kind to request")
    url, username = target
    client = Client()
    client.force_login(User.objects.get(username=username))
    request_id = str(uuid.uuid4())
    response = client.get(url, HTTP_X_REQUEST_ID=request_id)
    if response.status_code == 405:
        response = client.post(url, {}, HTTP_X_REQUEST_ID=request_id)
    assert response.status_code < 500, f"{url}: {response.status_code}"
    if response.status_code != 200 or exempt:
        return
    events = AuditEvent.objects.filter(request_id=request_id)
    assert events.exists(), f"{route.name} ({url}) answered 200 without an audit event"
    assert all(e.actor_username == username for e in events)


def test_the_walk_reaches_the_pages_that_matter() -> None:
    names = {r.name for r in ROUTES}
    assert {
        "coordination:case_list",
        "coordination:case_detail",
        "coordination:audit_log",
        "coordination:audit_insight",
        "coordination:action_complete",
        "coordination:my_actions",
        "coordination:notifications",
        "admin:coordination_citizen_change",
        "admin:coordination_case_changelist",
        "api:audit-event-list",
    } <= names
