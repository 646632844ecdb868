"""API v1 (docs/api.md), authentication: every route is 401 without valid
credentials (none, a bad token, an inactive user's token), with nothing written and no audit
event."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import User
from coordination.models import Action, Case, CaseParticipant, Citizen, Consent, Contact, Entry
from tests.conftest import fresh_cpr
from tests.helpers import API, count, events_since, make_action, make_consent, mark, post_json

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_reset")]


ROUTES = [
    ("get", "/me/"),
    ("get", "/units/"),
    ("get", "/forums/"),
    ("post", "/citizens/"),
    ("post", "/citizens/lookup/"),
    ("get", "/cases/"),
    ("post", "/cases/"),
    ("get", "/cases/{case}/"),
    ("get", "/cases/{case}/participants/"),
    ("post", "/cases/{case}/participants/"),
    ("delete", "/cases/{case}/participants/{participant}/"),
    ("get", "/cases/{case}/entries/"),
    ("post", "/cases/{case}/entries/"),
    ("get", "/cases/{case}/contacts/"),
    ("post", "/cases/{case}/contacts/"),
    ("get", "/cases/{case}/actions/"),
    ("post", "/cases/{case}/actions/"),
    ("post", "/actions/{action}/complete/"),
    ("get", "/cases/{case}/consents/"),
    ("post", "/cases/{case}/consents/"),
    ("post", "/consents/{consent}/withdraw/"),
    ("get", "/notifications/"),
]


@pytest.mark.parametrize("credentials", ["none", "bad token", "inactive user's token"])
@pytest.mark.parametrize(("method", "route"), ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
def test_every_route_is_401_without_valid_credentials(
    kk: Case, credentials: str, method: str, route: str
) -> None:
    participant = kk.participants.get(unit__name="Familiegrupperne")
    action = make_action(kk)
    consent = make_consent(kk, "ssp.aalborg", ["Familiegrupperne"], ["social"])
    path = API + route.format(
        case=kk.pk, participant=participant.pk, action=action.pk, consent=consent.pk
    )
    if credentials == "none":
        client = Client()
    elif credentials == "bad token":
        client = Client(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    else:
        gone = User.objects.create_user(username="gone.aalborg", is_active=False)
        client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=gone).key}")
    number = fresh_cpr(16)
    before = mark()
    rows = (Citizen, Case, CaseParticipant, Entry, Contact, Action, Consent)
    counts = [count(model) for model in rows]
    if method == "get":
        response = client.get(path)
    elif method == "delete":
        response = client.delete(path)
    else:
        response = post_json(client, path, {"cpr": number, "first_name": "A", "last_name": "B"})
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Token")
    assert set(response.json()) == {"detail"}
    assert events_since(before) == []
    assert [count(model) for model in rows] == counts
    assert CaseParticipant.objects.active().filter(pk=participant.pk).exists()
    assert Action.objects.get(pk=action.pk).status == "open"
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None
