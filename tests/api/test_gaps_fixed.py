"""API v1 (docs/api.md): gaps the endpoint tests found, fixed: a case id beyond
bigint, an ended participation started again, a consent withdrawn from outside its forum."""

from __future__ import annotations

import pytest

from coordination import services
from coordination.models import AuditEvent, Case, Consent
from tests.helpers import (
    API,
    KNOCK,
    forum,
    make_consent,
    participant_body,
    post_json,
    token_client,
    unit,
    user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_reset")]


@pytest.mark.parametrize("huge", [2**63, 10**30], ids=["2**63", "10**30"])
@pytest.mark.parametrize("path", ["", "entries/", "participants/", "consents/"])
def test_a_case_id_beyond_bigint_is_404_not_500(huge: int, path: str) -> None:
    client = token_client("ssp.aalborg")
    client.raise_request_exception = False
    response = client.get(f"{API}/cases/{huge}/{path}")
    assert response.status_code == 404
    assert response.json() == client.get(f"{API}/cases/987654321/{path}").json()


def test_an_ended_participation_can_be_started_again(kk: Case) -> None:
    family = kk.participants.get(unit__name="Familiegrupperne")
    ssp = token_client("ssp.aalborg")
    assert ssp.delete(f"{API}/cases/{kk.pk}/participants/{family.pk}/").status_code == 204
    response = post_json(
        ssp,
        f"{API}/cases/{kk.pk}/participants/",
        participant_body("Familiegrupperne", role="participant"),
    )
    assert response.status_code == 201, response.content
    assert response.json()["id"] == family.pk and response.json()["valid_until"] is None
    assert token_client("fam.aalborg").get(f"{API}/cases/{kk.pk}/").status_code == 200
    event = AuditEvent.objects.filter(action="grant_change", object_id=str(family.pk)).latest("pk")
    assert event.detail["change"] == "participant_add" and event.detail["renewed"] is True


def test_a_unit_outside_the_consents_forum_may_not_withdraw_it(open_case) -> None:
    knock = open_case(*KNOCK, age=20)
    services.consent_for_opening(
        actor=user("politi.forebyg"),
        citizen=knock.citizen,
        forum=forum("Exit Nordjylland"),
        lead_unit=unit("Forebyggelse Aalborg"),
        given_by="citizen",
        scope_units=[unit("Forebyggelse Aalborg")],
        scope_categories=["general"],
        purpose="Exit-forløb",
        form="written",
    )
    exit_case = services.case_open(
        actor=user("politi.forebyg"),
        citizen=knock.citizen,
        forum=forum("Exit Nordjylland"),
        lead_unit=unit("Forebyggelse Aalborg"),
    )
    consent = make_consent(
        exit_case,
        "politi.forebyg",
        ["Forebyggelse Aalborg", "Socialforvaltningen Aalborg"],
        ["social"],
    )
    ssp = token_client("ssp.aalborg")
    response = post_json(ssp, f"{API}/consents/{consent.pk}/withdraw/", {})
    assert response.status_code == 404
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None
    # Nor does the Knock Knock case show it: it would tell SSP that the citizen is in Exit.
    listed = ssp.get(f"{API}/cases/{knock.pk}/consents/").json()["results"]
    assert consent.pk not in [row["id"] for row in listed]
    # Exit's own lead withdraws it.
    withdrawn = post_json(
        token_client("politi.forebyg"), f"{API}/consents/{consent.pk}/withdraw/", {}
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["active"] is False
