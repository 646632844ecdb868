"""Guardians and other related persons of a case's citizen (Knock Knock's 15-17 track):
added by a participant through the case, audited; outsiders get 404, informed units 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coordination.models import AuditEvent, RelatedPerson

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(open_case):
    return open_case(
        "Knock Knock Aalborg",
        "ssp.aalborg",
        "SSP Aalborg",
        age=16,
        track="15-17",
        others=["Familiegrupperne"],
    )


def url(case) -> str:
    return reverse("coordination:related_person_new", args=[case.pk])


def test_a_participant_adds_a_guardian(case, client_as) -> None:
    client = client_as("fam.aalborg")
    assert client.get(url(case)).status_code == 200
    response = client.post(
        url(case), {"name": "Hanne Jensen", "relation": "mother", "has_custody": "on"}
    )
    assert response.status_code == 302
    person = RelatedPerson.objects.get(citizen=case.citizen)
    assert (person.name, person.relation, person.has_custody) == ("Hanne Jensen", "mother", True)
    event = AuditEvent.objects.get(
        action="create", object_type="coordination.relatedperson", object_id=str(person.pk)
    )
    assert event.actor_username == "fam.aalborg" and event.citizen_id == case.citizen_id


def test_bad_input_is_a_form_error_and_writes_nothing(case, client_as) -> None:
    response = client_as("ssp.aalborg").post(url(case), {"name": "", "relation": "uncle"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "relation"}
    assert not RelatedPerson.objects.filter(citizen=case.citizen).exists()


def test_outsiders_get_404_and_informed_units_403(case, client_as, persona) -> None:
    from accounts.models import Unit
    from coordination import services

    services.participant_add(
        actor=persona("ssp.aalborg"),
        case=case,
        unit=Unit.objects.get(name="Forebyggelse Aalborg"),
        role="informed",
        legal_basis=case.forum.default_legal_basis,
        categories=["general"],
    )
    for outsider in ("ssp.hjoerring", "politi.efterforsk", "statistik"):
        assert client_as(outsider).get(url(case)).status_code == 404, outsider
        assert (
            client_as(outsider).post(url(case), {"name": "X", "relation": "father"}).status_code
            == 404
        )
    assert (
        client_as("politi.forebyg").post(url(case), {"name": "X", "relation": "father"}).status_code
        == 403
    )
    assert not RelatedPerson.objects.filter(citizen=case.citizen).exists()
    assert AuditEvent.objects.filter(case_id=case.pk, outcome="denied").count() >= 1
