"""The citizen insight report (sharing-rules.md 7) holds the workflows' records too: concern
reports, referrals, incidents, offers and outcome snapshots about the citizen, with the
units that hold or received them, and nothing about other citizens."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Unit
from coordination import services


@pytest.mark.django_db
def test_the_insight_report_lists_the_workflow_records(open_case, persona, client_as) -> None:
    lead = persona("politi.forebyg")
    case = open_case(
        "PSP Aalborg",
        "politi.forebyg",
        "Forebyggelse Aalborg",
        age=40,
        others=["Socialforvaltningen Aalborg", "Almenpsykiatrisk Afdeling Syd"],
    )
    other = open_case("PSP Aalborg", "politi.forebyg", "Forebyggelse Aalborg", age=41)
    services.incident_record(
        actor=lead, case=case, kind="use_of_force", occurred_on=timezone.localdate()
    )
    services.incident_record(
        actor=lead,
        case=other,
        kind="new_charge",
        occurred_on=timezone.localdate() - dt.timedelta(days=1),
    )
    services.referral_send(
        actor=lead, case=case, to_service="Bostøtte Aalborg", purpose="Hjælp til bolig"
    )
    services.concern_report_create(
        actor=lead,
        forum=case.forum,
        received_by=Unit.objects.get(name="Forebyggelse Aalborg"),
        channel="psychiatry",
        urgency="amber",
        summary="Udskrevet uden aftale",
        citizen=case.citizen,
    )
    response = client_as("revisor").post(
        reverse("coordination:audit_insight"), {"cpr": case.citizen.full_cpr()}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="insight-concerns"' in page
    assert "Bostøtte Aalborg" in page
    report = response.context["report"]
    assert [i.kind for i in report.incidents] == ["use_of_force"]  # not the other citizen's
    assert [r.to_service for r in report.referrals] == ["Bostøtte Aalborg"]
    assert [c.channel for c in report.concerns] == ["psychiatry"]
