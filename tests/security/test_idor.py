"""IDOR sweep, generated from the URLconf: every URL that names an object (a case, a
participant, a consent, an action, a review sample, an admin object, an API object) is
requested for an object of an Aalborg Knock Knock case led by ssp.aalborg, by people who
must not reach it: ssp.hjoerring (an SSP worker of another municipality) and statistik.

They get 404 (the object's existence is a secret), 403 where the page's existence is not
(the auditors' pages), or the admin's login (302) for the admin; never 200, never a server
error, never the citizen's name, CPR number or anything written in the case. The answer for
a real object is the same as for an id that exists nowhere, so ids cannot be probed.

A new route with an object id is swept automatically; a new route without one must be added
to NO_OBJECT_ID with the reason it needs no sweep.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from coordination.models import AuditEvent, Case, EmergencyAccess
from tests.security.conftest import (
    ROUTES,
    CaseWorld,
    Route,
    area,
    insider_for,
    object_params,
    url_for,
)

pytestmark = pytest.mark.django_db

OUTSIDERS = ("ssp.hjoerring", "statistik")

# Routes without an object id in the URL, and why the sweep does not need them.
NO_OBJECT_ID = {
    "login": "the login form",
    "logout": "ends one's own session",
    "logout_everywhere": "ends one's own sessions",
    "two_factor_verify": "one's own second factor",
    "two_factor_setup": "one's own authenticator enrolment",
    "set_language": "sets a cookie",
    "healthz": "database and broker status",
    "coordination:home": "a redirect to the case list",
    "coordination:case_list": "the user's own cases, from access.cases_for",
    "coordination:case_new": "opens a new case; a known CPR number reveals nothing "
    "(tests/coordination/test_views.py)",
    "coordination:my_actions": "the user's own actions",
    "coordination:intake_list": "concern reports of the user's own forums",
    "coordination:intake_new": "records a concern in one of the user's forums",
    "coordination:meeting_list": "meetings of the user's own forums (access.meetings_for)",
    "coordination:meeting_new": "schedules a meeting in one of the user's forums",
    "coordination:notifications": "the user's own notifications",
    "coordination:notifications_read": "marks the user's own notifications",
    "coordination:notification_count": "counts the user's own notifications",
    "coordination:preferences": "the user's own settings",
    "coordination:emergency_access": "takes the case id in the body: "
    "test_emergency_access_answers_the_same_for_a_real_and_a_missing_case",
    "coordination:emergency_reviews": "takes the record id in the body: "
    "test_emergency_review_of_another_units_record_is_404",
    "coordination:audit_log": "auditors only (403 to others: "
    "tests/coordination/test_audit_views.py)",
    "coordination:audit_export": "auditors only (403 to others)",
    "coordination:audit_anomalies": "auditors only (403 to others)",
    "coordination:audit_samples": "auditors only (403 to others)",
    "coordination:audit_insight": "auditors only (403 to others); the CPR number is in the body",
    "coordination:audit_insight_exception": "auditors only (403 to others); the citizen is "
    "named by a token signed for the auditor, in the body",
    "api:me": "the caller's own name and units",
    "api:unit-list": "the unit directory (no personal data)",
    "api:forum-list": "the forums of the caller's units (no personal data)",
    "api:citizen-list": "registers a citizen; the CPR number is in the body "
    "(tests/api/test_citizens.py)",
    "api:citizen-lookup": "the CPR number is in the body; only those who may open cases "
    "(tests/api/test_citizens.py)",
    "api:case-list": "the user's own cases, from access.cases_for; opening one needs a "
    "citizen the caller identified (tests/api/test_cases.py)",
    "api:notification-list": "the user's own notifications",
    "api_schema": "the API's OpenAPI schema (no data)",
    "api_docs": "the API's documentation page (no data)",
    "api:audit-event-list": "auditors only (403 to others: tests/coordination/test_audit_api.py)",
    "api:audit-event-search": "auditors only (403 to others); the CPR number is in the body",
    "admin:index": "staff only: the list of models",
    "admin:app_list": "staff only: the list of an app's models (an app label, not an object)",
    "admin:login": "the admin's login form",
    "admin:logout": "ends one's own session",
    "admin:password_change": "one's own password",
    "admin:password_change_done": "a confirmation",
    "admin:jsi18n": "translations for the admin's scripts",
    "admin:autocomplete": "staff only: unit and organisation names",
}
# Admin list and add pages name no object; the admin turns non-staff away from all of them.
NO_OBJECT_ID_SUFFIXES = {
    "_changelist": "an admin list page (staff only)",
    "_add": "an admin add form (staff only)",
}

WITH_IDS = [r for r in ROUTES if object_params(r)]
WITHOUT_IDS = [r for r in ROUTES if not object_params(r)]


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _expected(route: Route) -> set[int]:
    kind = area(route)
    if kind == "admin":
        return {302}
    if kind == "audit" or (kind == "api" and "audit/" in route.route):
        return {403}
    # 405 only for a method the view never takes: require_POST/require_GET answer before
    # any look-up, and the same for every id (checked against a missing id below).
    return {404, 405}


def _assert_no_personal_data(response: Any, world: CaseWorld, where: str) -> None:
    body = response.content.decode(errors="replace")
    location = response.get("Location", "")
    for text in world.personal_data:
        assert text not in body, f"{where}: the body contains {text!r}"
        assert text not in location, f"{where}: the redirect contains {text!r}"


def _request(client: Client, method: str, url: str) -> Any:
    return client.get(url) if method == "GET" else client.post(url, {})


@pytest.mark.parametrize("route", WITH_IDS, ids=lambda r: r.name)
def test_outsiders_cannot_reach_objects_of_a_case(route: Route, world: CaseWorld) -> None:
    if area(route) in ("case", "api"):
        world.populate()
    url = url_for(route, world)
    missing = url_for(route, None, missing=True)
    expected = _expected(route)
    for username in OUTSIDERS:
        client = _client(username)
        for method in ("GET", "POST"):
            where = f"{method} {url} as {username}"
            response = _request(client, method, url)
            assert response.status_code in expected, f"{where}: {response.status_code}"
            if area(route) == "admin":
                login = reverse("admin:login")
                assert response["Location"].startswith(login), f"{where}: {response['Location']}"
            _assert_no_personal_data(response, world, where)
            # No oracle: an id that exists nowhere gets the very same answer.
            probe = _request(client, method, missing)
            assert probe.status_code == response.status_code, (
                f"{where}: {response.status_code}, but {probe.status_code} for a missing id"
            )
    _assert_the_url_is_real(route, url)


def _assert_the_url_is_real(route: Route, url: str) -> None:
    """Those who may see the object do not get 404: the sweep requested a real object."""
    kind = area(route)
    username = insider_for(route)
    client = _client(username)
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    where = f"{url} as {username}"
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if kind == "admin":
        assert not response.get("Location", "").startswith(reverse("admin:login")), where
    else:
        assert response.status_code not in (403, 404), f"{where}: {response.status_code}"


def test_every_route_without_an_object_id_is_accounted_for() -> None:
    unexplained = [
        r.name
        for r in WITHOUT_IDS
        if r.name not in NO_OBJECT_ID and not r.name.endswith(tuple(NO_OBJECT_ID_SUFFIXES))
    ]
    assert not unexplained, (
        f"Routes without an object id and without a reason in NO_OBJECT_ID: {unexplained}"
    )


def test_the_walk_finds_the_routes_with_object_ids() -> None:
    names = {r.name for r in WITH_IDS}
    assert {
        "coordination:case_detail",
        "coordination:contact_new",
        "coordination:entry_new",
        "coordination:entry_audience",
        "coordination:participants",
        "coordination:participant_end",
        "coordination:consent_new",
        "coordination:consent_withdraw",
        "coordination:consent_decision_new",
        "coordination:case_close",
        "coordination:action_new",
        "coordination:action_complete",
        "coordination:action_reassign",
        "coordination:audit_sample",
        "admin:coordination_case_change",
        "admin:coordination_citizen_change",
        "admin:view_on_site",
    } <= names
    assert {p for r in WITH_IDS for p in object_params(r)} >= {
        "pk",
        "participant_pk",
        "consent_pk",
        "object_id",
    }


# --- Object ids in the body ----------------------------------------------------------------


@pytest.mark.parametrize("username", OUTSIDERS)
def test_emergency_access_answers_the_same_for_a_real_and_a_missing_case(
    client_as, world: CaseWorld, username: str
) -> None:
    """The case id is typed into the form: a case out of reach and one that does not exist
    get the same form error, without the citizen; no access is granted."""
    client = client_as(username)
    url = reverse("coordination:emergency_access")
    reason = "Borgeren er forsvundet og vi skal handle nu."
    real = client.post(url, {"reference": str(world.case.pk), "reason": reason})
    missing = client.post(url, {"reference": "987654321", "reason": reason})
    assert real.status_code == missing.status_code == 400
    assert real.context["form"].errors == missing.context["form"].errors
    _assert_no_personal_data(real, world, f"POST {url} as {username}")
    assert not EmergencyAccess.objects.filter(case=world.case).exists()
    assert not Case.objects.filter(pk=world.case.pk, participants__emergency=True).exists()


@pytest.mark.parametrize("username", ["ssp.hjoerring", "statistik", "politi.forebyg"])
def test_emergency_review_of_another_units_record_is_404(
    client_as, world: CaseWorld, username: str
) -> None:
    """Only the coordinators of the unit that took emergency access review it; politi.forebyg
    coordinates another unit of the same case."""
    record = world.emergency
    response = client_as(username).post(
        reverse("coordination:emergency_reviews"),
        {"record": str(record.pk), "review_note": "Set og godkendt"},
    )
    assert response.status_code == 404
    _assert_no_personal_data(response, world, f"review as {username}")
    record.refresh_from_db()
    assert record.reviewed_at is None


@pytest.mark.parametrize(("username", "record"), [("politi.forebyg", ""), ("ssp.hjoerring", "abc")])
def test_emergency_review_with_a_malformed_record_id_is_not_a_server_error(
    world: CaseWorld, username: str, record: str
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=username))
    response = client.post(
        reverse("coordination:emergency_reviews"), {"record": record, "review_note": "Set"}
    )
    assert response.status_code in (400, 404)


def test_outsider_denials_are_audited(client_as, world: CaseWorld) -> None:
    client_as("ssp.hjoerring").get(reverse("coordination:case_detail", args=[world.case.pk]))
    assert AuditEvent.objects.filter(
        actor_username="ssp.hjoerring", outcome="denied", detail__object_id=str(world.case.pk)
    ).exists()
