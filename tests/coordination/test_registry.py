"""The CPR register (coordination/cpr_register.py) and citizen handles
(coordination/handles.py): the fake register answers every valid number, deterministically
and without reading Samraad's database; the setting fails loudly; a handle works only for
its user, for a day, untampered; and the services built on them answer the same whether or
not Samraad holds a number (docs/api.md)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone

from coordination import cpr, cpr_register, handles, services
from coordination.access import IDENTIFIED_FOR
from coordination.demo.citizens import candidate_cprs, citizen_specs
from coordination.models import AuditEvent, Citizen
from tests.conftest import fresh_cpr
from tests.helpers import API, forum, post_json, token_client, unit, user
from tests.test_settings import start

pytestmark = pytest.mark.django_db


# --- The fake register --------------------------------------------------------------------


def test_the_fake_register_answers_every_valid_number_without_the_database(
    django_assert_num_queries,
) -> None:
    numbers = [fresh_cpr(age) for age in (3, 16, 25, 40, 70, 95)]
    numbers += ["0101001234", "3112999999", "2902204000"]  # 29 February 2020
    with django_assert_num_queries(0):
        people = [cpr_register.lookup(number) for number in numbers]
        again = [cpr_register.lookup(number) for number in numbers]
    assert people == again  # deterministic
    for person in people:
        assert person is not None and person.first_name and person.last_name
        assert person.name == f"{person.first_name} {person.last_name}"
    assert len({p.name for p in people}) > 1  # the name follows the number


def test_the_fake_register_never_reads_the_citizen_table(monkeypatch) -> None:
    # A stored citizen does not change the answer: the register knows nothing of Samraad.
    number = fresh_cpr(30)
    before = cpr_register.lookup(number)
    services.citizen_create(actor=None, cpr_number=number, first_name="Gemt", last_name="Navn")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the register read the Citizen table")

    monkeypatch.setattr(Citizen.objects, "by_cpr", refuse)
    monkeypatch.setattr(Citizen.objects, "filter", refuse)
    monkeypatch.setattr(Citizen.objects, "get", refuse)
    assert cpr_register.lookup(number) == before
    assert before is not None and before.name != "Gemt Navn"


def test_the_demo_citizens_get_their_demo_names() -> None:
    today = timezone.localdate()
    for spec in citizen_specs()[:10]:
        for number in candidate_cprs(spec, today):
            person = cpr_register.lookup(number)
            assert person == cpr_register.RegisterPerson(
                spec.first_name, spec.last_name, spec.protected_address
            )
    # The seeded demo citizen has the same name: opening a case for them renames nobody.
    spec = citizen_specs()[0]
    seeded = Citizen.objects.by_cpr(candidate_cprs(spec, today)[0]).get()
    assert seeded.name == cpr_register.lookup(seeded.full_cpr()).name  # type: ignore[union-attr]


def test_the_fake_names_follow_the_gender_digit() -> None:
    women = {"Emma", "Ida", "Freja", "Sofie", "Laura", "Clara", "Anna", "Maja"}
    men = {"William", "Noah", "Oscar", "Lucas", "Victor", "Emil", "Magnus", "Elias"}
    for sequence in range(8000, 8040):
        person = cpr_register.lookup(f"010110{sequence}")  # born 1 January 2010
        assert person is not None
        assert person.first_name in (men if sequence % 2 else women)


def test_without_a_register_there_is_no_name(settings) -> None:
    settings.CPR_REGISTER = "none"
    assert cpr_register.lookup(fresh_cpr(16)) is None
    assert not cpr_register.configured()


def test_an_unknown_register_at_run_time_is_refused_loudly(settings) -> None:
    settings.CPR_REGISTER = "serviceplatformen"
    with pytest.raises(ImproperlyConfigured, match="serviceplatformen"):
        cpr_register.lookup(fresh_cpr(16))


# --- The setting, at start-up (each case starts a fresh interpreter) ------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"CPR_REGISTER": "serviceplatformen"},
            "CPR_REGISTER=serviceplatformen is not available in this build",
        ),
        ({"CPR_REGISTER": "serviceplatformen"}, "OCES3 function certificate"),
        ({"CPR_REGISTER": "cpr-kontoret"}, "CPR_REGISTER must be fake, none or serviceplatformen"),
        ({"CPR_REGISTER": "fake"}, "CPR_REGISTER=fake gives fictitious names"),  # DEBUG off
    ],
)
def test_a_register_that_cannot_be_used_stops_the_start(overrides, message) -> None:
    result = start(**overrides)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    "overrides", [{}, {"CPR_REGISTER": "none"}, {"CPR_REGISTER": "fake", "DEBUG": "on"}]
)
def test_a_usable_register_starts(overrides) -> None:
    result = start(**overrides)
    assert result.returncode == 0, result.stderr


# --- Handles --------------------------------------------------------------------------------


def test_a_handle_names_a_number_or_a_citizen_for_its_user_only() -> None:
    ssp, other = user("ssp.aalborg"), user("ssp.hjoerring")
    number = fresh_cpr(16)
    by_number = handles.mint(user=ssp, digits=number)
    by_id = handles.mint(user=ssp, citizen_id=42)
    assert handles.read(by_number, user=ssp) == handles.Handle(user_id=ssp.pk, digits=number)
    assert handles.read(by_id, user=ssp) == handles.Handle(user_id=ssp.pk, citizen_id=42)
    assert handles.read(by_number, user=other) is None
    assert handles.read(by_id, user=other) is None
    assert number not in by_number and number[:6] not in by_number
    # Every handle looks alike: fresh each time, and of one length whatever it names.
    assert handles.mint(user=ssp, digits=number) != by_number
    lengths = {len(handles.mint(user=ssp, citizen_id=pk)) for pk in (1, 42, 123456, 2**40)} | {
        len(by_number)
    }
    assert len(lengths) == 1


@pytest.mark.parametrize(
    "token", ["", "abc", "gAAAAA", None, 42, ["x"], "x" * 5000, "ünïcødé"], ids=repr
)
def test_what_is_not_a_handle_reads_as_none(token: object) -> None:
    assert handles.read(token, user=user("ssp.aalborg")) is None


def test_a_tampered_handle_reads_as_none() -> None:
    ssp = user("ssp.aalborg")
    handle = handles.mint(user=ssp, citizen_id=7)
    for position in (10, 40, len(handle) - 5):
        flipped = "A" if handle[position] != "A" else "B"
        assert handles.read(handle[:position] + flipped + handle[position + 1 :], user=ssp) is None


def test_a_handle_expires_after_a_day() -> None:
    ssp = user("ssp.aalborg")
    handle = handles.mint(user=ssp, digits=fresh_cpr(16))
    now = timezone.now()
    with time_machine.travel(now + IDENTIFIED_FOR - dt.timedelta(minutes=1)):
        assert handles.read(handle, user=ssp) is not None
    with time_machine.travel(now + IDENTIFIED_FOR + dt.timedelta(minutes=1)):
        assert handles.read(handle, user=ssp) is None


def test_a_handle_does_not_outlive_the_secret_key(settings) -> None:
    ssp = user("ssp.aalborg")
    handle = handles.mint(user=ssp, citizen_id=7)
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert handles.read(handle, user=ssp) is None
    settings.SECRET_KEY_FALLBACKS = [old]  # a rotation keeps the day's handles working
    assert handles.read(handle, user=ssp) is not None


def test_a_handle_names_either_a_number_or_a_citizen() -> None:
    with pytest.raises(ValueError, match="either"):
        handles.mint(user=user("ssp.aalborg"), digits="0101101234", citizen_id=3)
    with pytest.raises(ValueError, match="either"):
        handles.mint(user=user("ssp.aalborg"))


# --- The services on top ----------------------------------------------------------------------


def test_registering_writes_no_citizen_known_or_not(open_case) -> None:
    known = open_case("SSP Hjørring", "ssp.hjoerring", "SSP Hjørring", age=14).citizen
    ssp = user("ssp.aalborg")
    citizens = Citizen.objects.count()
    answers = [
        services.citizen_register(actor=ssp, cpr_number=number, view="test")
        for number in (known.full_cpr(), fresh_cpr(14))
    ]
    assert Citizen.objects.count() == citizens
    for answer, number in zip(answers, (known.full_cpr(), None), strict=True):
        digits = handles.read(answer.handle, user=ssp)
        assert digits is not None and digits.citizen_id is None
        if number:
            assert digits.digits == number
        assert answer.name == cpr_register.lookup(digits.digits).name  # type: ignore[union-attr]
    looked_up = [
        services.citizen_lookup(actor=ssp, cpr_number=number, view="test")
        for number in (known.full_cpr(), fresh_cpr(14))
    ]
    assert [answer.name for answer in looked_up] == [None, None]


def test_identifying_creates_with_the_registers_name_and_updates_a_stored_one() -> None:
    actor = user("ssp.aalborg")
    number = fresh_cpr(16)
    person = cpr_register.lookup(number)
    assert person is not None
    created = services.citizen_identify(actor=actor, cpr_number=number)
    assert (created.first_name, created.last_name) == (person.first_name, person.last_name)
    Citizen.objects.filter(pk=created.pk).update(first_name="Forkert", protected_address=True)
    again = services.citizen_identify(actor=actor, cpr_number=number, first_name="Ignoreret")
    assert again.pk == created.pk and again.name == person.name
    assert again.protected_address is person.protected_address
    change = AuditEvent.objects.filter(citizen_id=created.pk, action="change").latest("pk")
    assert change.detail == {
        "change": "cpr_register",
        "fields": ["first_name", "protected_address"],
    }
    assert "Forkert" not in str(change.detail) and person.first_name not in str(change.detail)


def test_without_a_register_the_typed_name_names_a_new_citizen_only(settings) -> None:
    settings.CPR_REGISTER = "none"
    actor = user("ssp.aalborg")
    number = fresh_cpr(16)
    with pytest.raises(ValidationError) as refused:
        services.citizen_identify(actor=actor, cpr_number=number, first_name="Ida")
    assert set(refused.value.message_dict) == {"last_name"}
    created = services.citizen_identify(
        actor=actor, cpr_number=number, first_name="Ida", last_name="Hansen"
    )
    assert created.name == "Ida Hansen"
    kept = services.citizen_identify(
        actor=actor, cpr_number=number, first_name="Anden", last_name="Person"
    )
    assert kept.pk == created.pk and kept.name == "Ida Hansen"
    # A number looked up (no name) and never registered cannot be opened: say so on citizen.
    looked_up = services.citizen_lookup(actor=actor, cpr_number=fresh_cpr(16), view="test")
    with pytest.raises(ValidationError) as unnamed:
        services.citizen_for_opening(actor=actor, handle=looked_up.handle)
    assert set(unnamed.value.message_dict) == {"citizen"}


def test_without_a_register_the_api_takes_the_typed_name(settings) -> None:
    settings.CPR_REGISTER = "none"
    cache.clear()  # the CPR throttle's counts
    client = token_client("ssp.aalborg")
    number = fresh_cpr(16)
    missing = post_json(client, f"{API}/citizens/", {"cpr": number, "first_name": "Mikkel"})
    assert missing.status_code == 400 and list(missing.json()) == ["last_name"]
    made = post_json(
        client, f"{API}/citizens/", {"cpr": number, "first_name": "Mikkel", "last_name": "Jensen"}
    )
    assert made.status_code == 200
    assert made.json()["name"] == "Mikkel Jensen"
    assert made.json()["masked_cpr"] == cpr.mask(cpr.birth_date(number))
    assert not Citizen.objects.by_cpr(number).exists()
    opened = post_json(
        client,
        f"{API}/cases/",
        {
            "citizen": made.json()["handle"],
            "forum": forum("Knock Knock Aalborg").pk,
            "lead_unit": unit("SSP Aalborg").pk,
            "track": "15-17",
        },
    )
    assert opened.status_code == 201, opened.content
    assert opened.json()["citizen"]["name"] == "Mikkel Jensen"
    assert Citizen.objects.by_cpr(number).get().name == "Mikkel Jensen"
