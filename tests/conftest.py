"""Shared fixtures. The test database holds the North Jutland demo data (seeded once per
session), so every test can use the personas of docs/demo-data.md by username."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User

# The shared helpers assert too: let pytest explain their failures as it does a test's.
pytest.register_assert_rewrite("tests.helpers")

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    settings.PASSWORD_HASHERS = FAST_HASHERS
    # CI sets these so that a missing DATABASE_URL/REDIS_URL fails the run instead of
    # quietly testing the embedded SQLite/filesystem defaults.
    vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
    for variable, actual in (("SAMRAAD_EXPECT_DB", vendor), ("SAMRAAD_EXPECT_BROKER", broker)):
        expected = os.environ.get(variable)
        if expected and expected != actual:
            raise pytest.UsageError(f"{variable}={expected} but the settings use {actual}.")


@pytest.fixture(scope="session", autouse=True)
def _audit_tables_flushable() -> object:
    """Transactional tests end with a flush of every table, which the audit log's
    append-only triggers refuse; the flush goes through the purge's explicit suspension."""
    from django.db import transaction
    from django.db.backends.base.operations import BaseDatabaseOperations

    from coordination import seals

    original = BaseDatabaseOperations.execute_sql_flush

    def flush(self: BaseDatabaseOperations, sql_list: list[str]) -> None:
        with (
            transaction.atomic(using=self.connection.alias),
            seals.triggers_suspended(truncate=True),
        ):
            original(self, sql_list)

    BaseDatabaseOperations.execute_sql_flush = flush  # type: ignore[method-assign]
    yield
    BaseDatabaseOperations.execute_sql_flush = original  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        call_command("seed_demo", "--force", verbosity=0)


@pytest.fixture
def persona(db: None) -> Callable[[str], User]:
    """persona("ssp.aalborg") -> the demo user of that name."""

    def get(username: str) -> User:
        return User.objects.get(username=username)

    return get


@pytest.fixture
def client_as(db: None) -> Callable[[str], Client]:
    """client_as("ssp.aalborg") -> a test client logged in as that persona."""

    def login(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return login


_cpr_sequence = iter(range(10_000_000))


def fresh_cpr(age: int) -> str:
    """A valid, unused, clearly fictitious CPR number for someone aged `age` today.

    The sequence part starts with 8 (7th digit 5-8: 2000-2057 for YY <= 57, else 1858-1899),
    so test people are born 2000 or later; older ages use 7th digit 0-3 (the 1900s)."""
    import datetime as dt

    from django.utils import timezone

    n = next(_cpr_sequence)
    today = timezone.localdate()
    birth = today.replace(year=today.year - age - 1) + dt.timedelta(days=30 + n % 300)
    sequence = f"8{n % 1000:03d}" if birth.year >= 2000 else f"3{n % 1000:03d}"
    return birth.strftime("%d%m%y") + sequence


@pytest.fixture
def open_case(persona: Callable[[str], User]) -> Callable[..., object]:
    """open_case("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg", age=16, others=[...])
    -> a new case for a new citizen, with the forum's other named units as participants."""
    from accounts.models import Unit
    from coordination import services
    from coordination.models import ALL_CATEGORIES, Forum

    def make(
        forum: str,
        lead_user: str,
        lead_unit: str,
        *,
        age: int = 30,
        others: tuple[str, ...] | list[str] = (),
        role: str = "participant",
        first_name: str = "Test",
        last_name: str = "Borger",
        track: str = "",
    ):
        actor = persona(lead_user)
        citizen = services.citizen_create(
            actor=actor, cpr_number=fresh_cpr(age), first_name=first_name, last_name=last_name
        )
        forum_obj = Forum.objects.get(name=forum)
        if forum_obj.consent_required:
            # A forum resting on consent opens no case without the citizen's written consent
            # covering the units that will take part.
            services.consent_for_opening(
                actor=actor,
                citizen=citizen,
                forum=forum_obj,
                lead_unit=Unit.objects.get(name=lead_unit),
                given_by="citizen" if age >= 15 else "guardian",
                guardian_name="" if age >= 15 else "Forælder Test",
                scope_units=list(Unit.objects.filter(name__in=[lead_unit, *others])),
                scope_categories=ALL_CATEGORIES,
                purpose="Samarbejde om at forlade gruppen",
                form="written",
            )
        case = services.case_open(
            actor=actor,
            citizen=citizen,
            forum=forum_obj,
            lead_unit=Unit.objects.get(name=lead_unit),
            track=track,
            age_override_reason="" if forum_obj.age_in_band(age) else "test",
        )
        for unit_name in others:
            services.participant_add(
                actor=actor,
                case=case,
                unit=Unit.objects.get(name=unit_name),
                role=role,
                legal_basis=forum_obj.default_legal_basis,
                categories=ALL_CATEGORIES,
            )
        return case

    return make
