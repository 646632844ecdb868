"""Guardian grants derived from participants: the sync, expiry, and verify_grants."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Unit
from coordination import access, services, tasks
from coordination.access import CaseAction
from coordination.models import CaseGroupObjectPermission, CaseUserObjectPermission

pytestmark = pytest.mark.django_db

KK = ("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg")


def test_verify_grants_is_clean_on_the_demo_data(capsys) -> None:
    call_command("verify_grants")
    assert "grants match the participants" in capsys.readouterr().out


def test_verify_grants_catches_a_hand_inserted_grant_and_repairs(open_case, capsys) -> None:
    case = open_case(*KK, age=16, track="15-17")
    hjoerring = Unit.objects.get(name="SSP Hjørring")
    CaseGroupObjectPermission.objects.create(
        content_object=case,
        group=hjoerring.group,
        permission=Permission.objects.get(codename="view_case"),
        participant=case.participants.get(),
        starts_at=timezone.now(),
    )
    with pytest.raises(CommandError, match="1 stray and 0 missing"):
        call_command("verify_grants")
    assert (
        f"STRAY   case {case.pk}: group {hjoerring.group_id} view_case" in capsys.readouterr().out
    )
    call_command("verify_grants", "--repair")
    call_command("verify_grants")


def test_verify_grants_catches_a_missing_grant(open_case) -> None:
    case = open_case(*KK, age=16, track="15-17", others=["Jobcenter Aalborg"])
    CaseGroupObjectPermission.objects.filter(
        content_object=case, group__unit__name="Jobcenter Aalborg"
    ).delete()
    with pytest.raises(CommandError, match="0 stray and 3 missing"):
        call_command("verify_grants")


def test_grants_follow_participant_roles(open_case) -> None:
    case = open_case(*KK, age=16, track="15-17", others=["Familiegrupperne"], role="informed")
    rows = set(
        CaseGroupObjectPermission.objects.filter(content_object=case).values_list(
            "group__unit__name", "permission__codename"
        )
    )
    assert ("Familiegrupperne", "view_case") in rows
    assert ("Familiegrupperne", "log_contact") not in rows
    assert {c for u, c in rows if u == "SSP Aalborg"} == {a.value for a in CaseAction}


def test_expire_grants_task_deletes_only_ended_grants(open_case, persona) -> None:
    import time_machine

    case = open_case(*KK, age=16, track="15-17")
    services.participant_add(
        actor=persona("ssp.aalborg"),
        case=case,
        unit=Unit.objects.get(name="Jobcenter Aalborg"),
        role="participant",
        legal_basis="RPL115_SSP",
        categories=["general"],
        valid_until=timezone.now() + dt.timedelta(hours=1),
    )
    before = CaseGroupObjectPermission.objects.filter(content_object=case).count()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        assert tasks.expire_grants() == 3
        call_command("verify_grants")
    assert CaseGroupObjectPermission.objects.filter(content_object=case).count() == before - 3


def test_emergency_access_is_personal_and_expires(open_case, persona) -> None:
    import time_machine

    case = open_case(*KK, age=16, track="15-17")
    job = persona("job.aalborg")  # Jobcenter Aalborg is a member of the forum, not a participant
    assert not access.can(job, CaseAction.VIEW, case)
    record = services.emergency_access_open(
        actor=job, case=case, reason="Borgeren er forsvundet, og jobcentret har sidste kontakt."
    )
    assert access.can(job, CaseAction.VIEW, case)
    assert not access.can(job, CaseAction.LOG_CONTACT, case)
    assert CaseUserObjectPermission.objects.filter(content_object=case, user=job).exists()
    assert not CaseGroupObjectPermission.objects.filter(
        content_object=case, group__unit__name="Jobcenter Aalborg"
    ).exists()  # nobody else in the jobcenter gets in
    with time_machine.travel(record.expires_at + dt.timedelta(seconds=1)):
        assert not access.can(job, CaseAction.VIEW, case)
