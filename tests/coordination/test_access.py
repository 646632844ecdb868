"""coordination.access through its public functions (the first version of the rules)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Membership, Unit
from coordination import access, services
from coordination.access import CaseAction
from coordination.models import ALL_CATEGORIES, CaseParticipant, Forum
from tests.helpers import PERSONAS

pytestmark = pytest.mark.django_db

KK = ("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg")


@pytest.fixture
def kk_case(open_case):
    return open_case(
        *KK, age=16, others=("Forebyggelse Aalborg", "Jobcenter Aalborg"), track="15-17"
    )


def test_participants_see_and_outsiders_do_not(persona, kk_case) -> None:
    assert access.can(persona("ssp.aalborg"), CaseAction.VIEW, kk_case)
    assert access.can(persona("job.aalborg"), CaseAction.VIEW, kk_case)
    assert not access.can(persona("ssp.hjoerring"), CaseAction.VIEW, kk_case)
    assert not access.can(persona("fam.aalborg"), CaseAction.VIEW, kk_case)  # not added yet
    with pytest.raises(Http404):
        access.get_case(persona("ssp.hjoerring"), kk_case.pk)


def test_get_case_visible_but_not_allowed_is_403(persona, kk_case) -> None:
    with pytest.raises(PermissionDenied):
        access.get_case(persona("job.aalborg"), kk_case.pk, CaseAction.MANAGE)
    case = access.get_case(persona("ssp.aalborg"), kk_case.pk, CaseAction.MANAGE)
    assert case.can_manage_case and case.can_log_contact


def test_anonymous_and_inactive_users_see_nothing(persona, kk_case) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not access.cases_for(AnonymousUser()).exists()  # type: ignore[arg-type]
    user = persona("ssp.aalborg")
    user.is_active = False
    assert not access.cases_for(user).exists()


def test_informed_participant_may_view_but_not_write(persona, open_case) -> None:
    case = open_case(*KK, age=16, others=("Familiegrupperne",), role="informed", track="15-17")
    family = persona("fam.aalborg")
    assert access.can(family, CaseAction.VIEW, case)
    assert not access.can(family, CaseAction.LOG_CONTACT, case)
    with pytest.raises(PermissionDenied):
        services.contact_log(
            actor=family, case=case, kind="phone", result="reached", occurred_at=timezone.now()
        )


def test_participation_expires_by_itself(persona, kk_case) -> None:
    import time_machine

    services.participant_add(
        actor=persona("ssp.aalborg"),
        case=kk_case,
        unit=Unit.objects.get(name="Familiegrupperne"),
        role="participant",
        legal_basis="RPL115_SSP",
        categories=ALL_CATEGORIES,
        valid_until=timezone.now() + dt.timedelta(hours=1),
    )
    family = persona("fam.aalborg")
    assert access.can(family, CaseAction.VIEW, kk_case)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        assert not access.can(family, CaseAction.VIEW, kk_case)
        assert not access.entries_for(family, kk_case).exists()
        assert services.grants_expire() > 0


def test_ending_a_participation_ends_access_at_once(persona, kk_case) -> None:
    job = persona("job.aalborg")
    participant = kk_case.participants.get(unit__name="Jobcenter Aalborg")
    services.participant_end(actor=persona("ssp.aalborg"), participant=participant)
    assert not access.can(job, CaseAction.VIEW, kk_case)


def test_future_participation_gives_no_access_yet(persona, kk_case) -> None:
    services.participant_add(
        actor=persona("ssp.aalborg"),
        case=kk_case,
        unit=Unit.objects.get(name="Familiegrupperne"),
        role="participant",
        legal_basis="RPL115_SSP",
        categories=ALL_CATEGORIES,
        valid_from=timezone.now() + dt.timedelta(days=1),
    )
    assert not access.can(persona("fam.aalborg"), CaseAction.VIEW, kk_case)


def test_leaving_the_unit_ends_access_at_once(persona, kk_case) -> None:
    job = persona("job.aalborg")
    assert access.can(job, CaseAction.VIEW, kk_case)
    membership = Membership.objects.get(user=job, unit__name="Jobcenter Aalborg")
    account_services.membership_remove(actor=None, membership=membership)
    assert not access.can(job, CaseAction.VIEW, kk_case)
    assert not job.groups.filter(unit__name="Jobcenter Aalborg").exists()


def test_investigation_unit_cannot_be_added(persona, kk_case) -> None:
    investigation = Unit.objects.get(unit_type=Unit.Type.POLICE_INVESTIGATION)
    Forum.objects.get(name="Knock Knock Aalborg").member_units.add(investigation)
    with pytest.raises(ValidationError) as error:
        services.participant_add(
            actor=persona("ssp.aalborg"),
            case=kk_case,
            unit=investigation,
            role="participant",
            legal_basis="RPL115_SSP",
            categories=["general"],
        )
    assert "unit" in error.value.error_dict
    assert not access.cases_for(persona("politi.efterforsk")).exists()


def test_investigator_sees_nothing_even_with_a_stray_participation(persona, kk_case) -> None:
    investigation = Unit.objects.get(unit_type=Unit.Type.POLICE_INVESTIGATION)
    CaseParticipant.objects.create(
        case=kk_case,
        unit=investigation,
        role="participant",
        legal_basis="RPL115_SSP",
        categories=ALL_CATEGORIES,
    )
    assert not access.can(persona("politi.efterforsk"), CaseAction.VIEW, kk_case)


def test_only_forum_member_units_can_take_part(persona, kk_case) -> None:
    with pytest.raises(ValidationError) as error:
        services.participant_add(
            actor=persona("ssp.aalborg"),
            case=kk_case,
            unit=Unit.objects.get(name="SSP Hjørring"),
            role="participant",
            legal_basis="RPL115_SSP",
            categories=["general"],
        )
    assert "unit" in error.value.error_dict


def test_only_the_lead_manages_participants(persona, kk_case) -> None:
    with pytest.raises(PermissionDenied):
        services.participant_add(
            actor=persona("job.aalborg"),
            case=kk_case,
            unit=Unit.objects.get(name="Familiegrupperne"),
            role="participant",
            legal_basis="RPL115_SSP",
            categories=["general"],
        )


def test_participant_input_is_validated(persona, kk_case) -> None:
    family = Unit.objects.get(name="Familiegrupperne")
    for kwargs, field in [
        ({"categories": []}, "categories"),
        ({"categories": ["gossip"]}, "categories"),
        ({"role": "boss"}, "role"),
        ({"legal_basis": "NONE"}, "legal_basis"),
        ({"valid_until": timezone.now() - dt.timedelta(days=1)}, "valid_until"),
    ]:
        arguments = {
            "role": "participant",
            "legal_basis": "RPL115_SSP",
            "categories": ["general"],
            **kwargs,
        }
        with pytest.raises(ValidationError) as error:
            services.participant_add(
                actor=persona("ssp.aalborg"), case=kk_case, unit=family, **arguments
            )
        assert field in error.value.error_dict, kwargs
    assert not kk_case.participants.filter(unit=family).exists()


def test_entry_audience_must_take_part(persona, kk_case) -> None:
    with pytest.raises(ValidationError) as error:
        services.entry_share(
            actor=persona("ssp.aalborg"),
            case=kk_case,
            category="general",
            legal_basis="RPL115_SSP",
            justification="j",
            text="t",
            audience=[Unit.objects.get(name="SSP Hjørring")],
        )
    assert "audience" in error.value.error_dict


def test_entries_for_an_invisible_case_are_empty(persona, kk_case) -> None:
    services.entry_share(
        actor=persona("ssp.aalborg"),
        case=kk_case,
        category="general",
        legal_basis="RPL115_SSP",
        justification="j",
        text="t",
    )
    assert access.entries_for(persona("ssp.aalborg"), kk_case).count() == 1
    assert access.entries_for(persona("ssp.hjoerring"), kk_case).count() == 0


def test_forums_for_opening(persona) -> None:
    names = set(access.forums_for_opening(persona("ssp.aalborg")).values_list("name", flat=True))
    assert "Knock Knock Aalborg" in names and "PSP Aalborg" not in names
    assert not access.forums_for_opening(persona("statistik")).exists()
    assert not access.forums_for_opening(persona("politi.efterforsk")).exists()


def test_get_case_flags_agree_with_the_list_filter(persona, open_case) -> None:
    """get_case decides from grant rows in Python, lists filter in SQL: they must agree."""
    from coordination.models import Case

    informed = open_case(*KK, age=16, track="15-17", others=["Familiegrupperne"], role="informed")
    closed = open_case(*KK, age=16, track="15-17", others=["Jobcenter Aalborg"])
    services.case_close(actor=persona("ssp.aalborg"), case=closed, reason="Done")
    cases = [informed, closed, *Case.objects.order_by("pk")[:12]]
    for username in PERSONAS:
        user = persona(username)
        for case in cases:
            expected = {a for a in CaseAction if access.can(user, a, case)}
            try:
                got = access.get_case(user, case.pk)
            except Http404:
                assert not expected, (username, case.pk, expected)
                continue
            flags = {a for a in CaseAction if getattr(got, f"can_{a.value}")}
            assert flags == expected, (username, case.pk)


def test_related_person_add_validates_and_audits(kk_case) -> None:
    from coordination.models import AuditEvent

    with pytest.raises(ValidationError) as error:
        services.related_person_add(actor=None, citizen=kk_case.citizen, name="", relation="aunt")
    assert {"name", "relation"} <= set(error.value.error_dict)
    person = services.related_person_add(
        actor=None,
        citizen=kk_case.citizen,
        name="Mor Testesen",
        relation="mother",
        has_custody=True,
    )
    assert AuditEvent.objects.filter(
        object_type="coordination.relatedperson",
        object_id=str(person.pk),
        citizen=kk_case.citizen_id,
    ).exists()
