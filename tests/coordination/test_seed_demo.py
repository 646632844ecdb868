"""`manage.py seed_demo`: the North Jutland demo data of docs/SEED_DATA.md.

Works on an empty test database and on one the session has already seeded (the command is
idempotent), so it makes no assumption about which of the two it gets.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Model
from django.utils import timezone

from accounts.models import Membership, Organisation, Unit, User
from coordination import access, cpr, demo
from coordination.models import (
    AuditEvent,
    Case,
    CaseParticipant,
    Citizen,
    Contact,
    Entry,
    Forum,
    RelatedPerson,
)

pytestmark = pytest.mark.django_db

# The personas are part of the product's contract (SEED_DATA.md): spelled out, not imported.
PERSONAS = {
    "ssp.aalborg", "politi.forebyg", "politi.efterforsk", "psyk.syd", "job.aalborg",
    "fam.aalborg", "social.aalborg", "ssp.hjoerring", "skole.aalborg", "statistik",
    "revisor", "admin",
}  # fmt: skip
PRACTITIONERS = PERSONAS - {"politi.efterforsk", "statistik", "revisor", "admin"}
COUNTED: tuple[type[Model], ...] = (
    Organisation, Unit, Forum, User, Membership, Citizen, RelatedPerson, Case,
    CaseParticipant, Contact, Entry, AuditEvent,
)  # fmt: skip


def seed(*args: str, **options: object) -> None:
    call_command("seed_demo", "--force", *args, verbosity=0, **options)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def user(username: str) -> User:
    return User.objects.get(username=username)


def test_personas_exist_with_exactly_the_contract_usernames() -> None:
    seed()
    assert set(User.objects.values_list("username", flat=True)) == PERSONAS
    admin = user("admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.exclude(username="admin").filter(is_staff=True).exists()
    roles = {m.user.username: (m.unit.name, m.role) for m in Membership.objects.all()}
    assert roles["statistik"][1] == Membership.Role.STATISTICS
    assert roles["revisor"][1] == Membership.Role.AUDITOR
    assert roles["admin"][1] == Membership.Role.ADMIN
    assert roles["politi.forebyg"] == ("Forebyggelse Aalborg", Membership.Role.COORDINATOR)
    assert list(user("politi.efterforsk").memberships.values_list("unit__name", flat=True)) == [
        "Efterforskning"
    ]
    assert all(u.first_name and u.last_name for u in User.objects.all())


def test_personas_log_in_with_the_demo_password(settings) -> None:
    seed()
    password = settings.DEMO_PASSWORD or "samraad-demo-2026"
    assert all(u.check_password(password) for u in User.objects.filter(username__in=PERSONAS))


def test_second_run_changes_nothing() -> None:
    seed()
    before = counts()
    passwords = dict(User.objects.values_list("username", "password"))
    seed()
    assert counts() == before
    assert dict(User.objects.values_list("username", "password")) == passwords
    assert before["Citizen"] >= 55 and before["Case"] >= before["Citizen"]


def test_refuses_without_debug_and_without_force(settings) -> None:
    settings.DEBUG = False
    before = counts()
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", verbosity=0)
    assert counts() == before


def test_runs_with_force_when_debug_is_off(settings) -> None:
    settings.DEBUG = False
    call_command("seed_demo", "--force", verbosity=0)
    assert Citizen.objects.count() >= 55


def test_runs_without_force_when_debug_is_on(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    assert Case.objects.filter(forum__name="Knock Knock Aalborg").exists()


def test_no_raw_cpr_digits_are_stored() -> None:
    seed()
    citizens = list(Citizen.objects.all())
    assert citizens
    for citizen in citizens:
        digits = citizen.full_cpr()
        assert digits not in citizen.cpr_encrypted
        assert digits not in citizen.cpr_index
        assert digits[:6] not in citizen.cpr_encrypted


def test_demo_cpr_numbers_follow_the_documented_rule() -> None:
    seed()
    demo_citizens = [c for c in Citizen.objects.all() if c.full_cpr()[6:8] == "99"]
    assert len(demo_citizens) == len(demo.citizen_specs())
    for citizen in demo_citizens:
        digits = citizen.full_cpr()
        assert cpr.normalise(digits) == digits
        assert cpr.birth_date(digits) == citizen.birth_date
        assert 9900 <= int(digits[6:]) <= 9999


def test_citizens_fit_the_age_bands_and_tracks_as_of_today() -> None:
    seed()
    today = timezone.localdate()
    demo_forums = set(demo.FORUM_LEADS)
    for case in Case.objects.filter(forum__name__in=demo_forums).select_related("forum", "citizen"):
        age = case.citizen.age_on(today)
        assert case.forum.age_in_band(age), (case.forum.name, age)
        assert not case.age_override_reason
        if case.forum.name == "PSP Aalborg":
            assert 20 <= age <= 60
        if case.forum.effort_type == "knock_knock":
            assert case.track == ("15-17" if age < 18 else "18-25")
    tracks = set(
        Case.objects.filter(forum__name="Knock Knock Aalborg").values_list("track", flat=True)
    )
    assert {"15-17", "18-25"} <= tracks
    assert RelatedPerson.objects.filter(has_custody=True).exists()


def test_forums_have_the_documented_members() -> None:
    seed()

    def members(name: str) -> set[str]:
        return set(Forum.objects.get(name=name).member_units.values_list("name", flat=True))

    assert members("PSP Aalborg") == {
        "Forebyggelse Aalborg", "Socialforvaltningen Aalborg", "Almenpsykiatrisk Afdeling Syd"
    }  # fmt: skip
    assert members("Knock Knock Aalborg") == {
        "SSP Aalborg", "Familiegrupperne", "Jobcenter Aalborg", "Forebyggelse Aalborg"
    }  # fmt: skip
    assert "Skoler Aalborg" in members("SSP Aalborg")
    assert "Socialforvaltningen Læsø" in members("PSP Frederikshavn og Læsø")
    assert "Efterforskning" not in members("KSP Nordjylland")
    exit_forum = Forum.objects.get(name="Exit Nordjylland")
    assert exit_forum.consent_required and exit_forum.default_legal_basis == "CONSENT"
    assert not Forum.objects.filter(member_units__unit_type=Unit.Type.POLICE_INVESTIGATION)


def test_outsiders_and_investigators_see_no_aalborg_cases() -> None:
    seed()
    kk = Case.objects.filter(forum__name="Knock Knock Aalborg")
    assert not access.cases_for(user("ssp.hjoerring")).filter(pk__in=kk).exists()
    assert access.cases_for(user("ssp.aalborg")).filter(pk__in=kk).exists()
    assert not access.cases_for(user("politi.efterforsk")).exists()
    for username in ("statistik", "revisor", "admin"):
        assert not access.cases_for(user(username)).exists(), username


def test_every_practitioner_sees_demo_cases() -> None:
    seed()
    for username in PRACTITIONERS:
        assert access.cases_for(user(username)).exists(), username
    school_forums = set(
        access.cases_for(user("skole.aalborg")).values_list("forum__name", flat=True)
    )
    assert school_forums == {"SSP Aalborg"}


def test_entries_are_justified_and_health_stays_in_psp() -> None:
    seed()
    assert not Entry.objects.filter(justification="").exists()
    assert Entry.objects.filter(audience_all=False).exists()
    health = Entry.objects.filter(category="health")
    assert health.exists()
    assert set(health.values_list("case__forum__effort_type", "legal_basis")) == {
        ("psp", "RPL115_PSP")
    }
    assert set(health.values_list("author__username", flat=True)) == {"psyk.syd"}
    assert not Contact.objects.filter(occurred_at__gt=timezone.now()).exists()
    assert (
        Contact.objects.filter(case__forum__name="Knock Knock Aalborg")
        .exclude(kind="knock_visit", logged_by__username="ssp.aalborg")
        .count()
        == 0
    )


def test_a_later_year_recognises_the_citizens_already_seeded() -> None:
    time_machine = pytest.importorskip("time_machine")
    seed()
    before = counts()
    next_year = dt.datetime(timezone.localdate().year + 1, 3, 1, 12, tzinfo=dt.UTC)
    with time_machine.travel(next_year, tick=False):
        seed()
    assert counts() == before


def test_output_names_the_url_the_personas_and_the_password(settings) -> None:
    out = StringIO()
    call_command("seed_demo", "--force", verbosity=1, stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000/" in text
    assert all(username in text for username in PERSONAS)
    assert (settings.DEMO_PASSWORD or "samraad-demo-2026") in text


def test_citizen_specs_are_deterministic() -> None:
    first, second = demo.citizen_specs(), demo.citizen_specs()
    assert first == second
    assert len({spec.cpr(2026) for spec in first}) == len(first)
    assert all(spec.male == (int(spec.cpr(2026)[-1]) % 2 == 1) for spec in first)
