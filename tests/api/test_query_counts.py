"""Every list of API v1 costs the same number of queries with few rows and with many (3 and
30 rows of its kind on the page): no row loads anything one by one. Rows are made in bulk
here; the services are tested in the endpoint tests (test_cases.py, test_entries.py, ...)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Unit, User
from coordination.models import (
    ALL_CATEGORIES,
    Action,
    Case,
    CaseParticipant,
    Consent,
    Contact,
    Forum,
    Notification,
    Reminder,
)
from tests.coordination.test_query_counts import bulk_cases, bulk_entries, bulk_recipients
from tests.helpers import token_client, unit

pytestmark = pytest.mark.django_db

API = "/api/v1"
FEW, MANY = 3, 30
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def _throttle_reset() -> Any:
    cache.clear()
    yield
    cache.clear()


def measure(client: Client, url: str) -> tuple[int, list[dict[str, Any]], list[str]]:
    """The number of queries of one call, its rows and the SQL (for the failure message)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    rows: list[dict[str, Any]] = response.json()["results"]
    return len(captured), rows, [q["sql"] for q in captured.captured_queries]


def assert_flat(
    client: Client, url: str, add: Callable[[int], object], *, at_least: int = FEW
) -> None:
    """`url` runs as many queries after `add(FEW)` as after `add(MANY - FEW)` more rows."""
    add(FEW)
    client.get(url)  # warm up (content types, the token's user, permissions)
    few, few_rows, _sql = measure(client, url)
    add(MANY - FEW)
    many, many_rows, sql = measure(client, url)
    assert len(few_rows) >= at_least
    assert len(many_rows) >= len(few_rows) + MANY - FEW, "the added rows are not on the page"
    assert many == few, "\n".join(q[:300] for q in sql)


# --- The directory -------------------------------------------------------------------------


def test_units(persona) -> None:
    client = token_client("ssp.aalborg")
    # The directory is what it is; the page size decides how many rows a page shows.
    client.get(f"{API}/units/?page_size={FEW}")
    few, few_rows, _sql = measure(client, f"{API}/units/?page_size={FEW}")
    many, many_rows, sql = measure(client, f"{API}/units/?page_size={MANY}")
    assert (len(few_rows), len(many_rows)) == (FEW, MANY)
    assert len({row["organisation"]["id"] for row in many_rows}) > 1
    assert many == few, "\n".join(q[:300] for q in sql)


def test_forums() -> None:
    ssp = unit("SSP Aalborg")
    others = list(Unit.objects.exclude(pk=ssp.pk).order_by("pk")[:4])

    def add(n: int) -> None:
        forums = Forum.objects.bulk_create(
            Forum(
                name=f"Testforum {next(_serial)}",
                effort_type="ssp",
                default_legal_basis="RPL115_SSP",
            )
            for _ in range(n)
        )
        Forum.member_units.through.objects.bulk_create(
            Forum.member_units.through(forum_id=forum.pk, unit_id=member.pk)
            for i, forum in enumerate(forums)
            for member in (ssp, others[i % 4], others[(i + 1) % 4])
        )

    assert_flat(token_client("ssp.aalborg"), f"{API}/forums/", add)


# --- Cases and their content ---------------------------------------------------------------


@pytest.mark.parametrize("username", ["ssp.aalborg", "fam.aalborg"])
def test_cases(username: str) -> None:
    # Knock Knock only: the page's audit events (one per case) stay within one INSERT on
    # SQLite too, whose bulk_create batches hold 55 events (999 parameters).
    knock = Forum.objects.get(name="Knock Knock Aalborg")
    url = f"{API}/cases/?forum={knock.pk}&page_size=55"
    assert_flat(token_client(username), url, bulk_cases)
    assert len(token_client(username).get(url).json()["results"]) < 55


@pytest.fixture
def case() -> Case:
    """A Knock Knock case led by SSP Aalborg with Familiegrupperne taking part (in bulk)."""
    made: Case = bulk_cases(1)[0]
    return made


def test_participants(case: Case) -> None:
    spare = iter(
        Unit.objects.exclude(pk__in=case.participants.values("unit")).order_by("pk")[:MANY]
    )
    contact = User.objects.get(username="fam.aalborg")

    def add(n: int) -> None:
        CaseParticipant.objects.bulk_create(
            CaseParticipant(
                case=case,
                unit=next(spare),
                role="informed",
                legal_basis="RPL115_SSP",
                categories=ALL_CATEGORIES,
                contact_user=contact,
            )
            for _ in range(n)
        )

    assert_flat(token_client("ssp.aalborg"), f"{API}/cases/{case.pk}/participants/", add)


@pytest.mark.parametrize("username", ["ssp.aalborg", "fam.aalborg"])
def test_entries(case: Case, username: str) -> None:
    # Every third entry is addressed to Familiegrupperne only (with an audience row).
    assert_flat(
        token_client(username),
        f"{API}/cases/{case.pk}/entries/",
        lambda n: bulk_entries(case, n),
        at_least=2,
    )


def test_contacts(case: Case) -> None:
    officer = User.objects.get(username="ssp.aalborg")
    ssp = unit("SSP Aalborg")

    def add(n: int) -> None:
        contacts = Contact.objects.bulk_create(
            Contact(
                case=case,
                kind="knock_visit",
                result="not_home",
                occurred_at=timezone.now() - dt.timedelta(hours=next(_serial)),
                logged_by=officer,
                unit=ssp,
                partner=User.objects.get(username="fam.aalborg"),
                legal_basis="RPL115_SSP",
            )
            for _ in range(n)
        )
        bulk_recipients(contacts, unit("Familiegrupperne"))

    assert_flat(token_client("fam.aalborg"), f"{API}/cases/{case.pk}/contacts/", add)


def bulk_actions(case: Case, n: int, responsible: str = "ssp.aalborg") -> list[Action]:
    person = User.objects.get(username=responsible)
    own = person.memberships.get().unit
    actions = Action.objects.bulk_create(
        Action(
            case=case,
            title=f"Opgave {next(_serial)}",
            responsible=person,
            responsible_unit=own,
            author_unit=unit("SSP Aalborg"),
            legal_basis="RPL115_SSP",
            due_at=timezone.now() + dt.timedelta(days=next(_serial)),
            status="done" if i % 2 else "open",
            created_by=person,
        )
        for i in range(n)
    )
    bulk_recipients(actions, unit("Familiegrupperne"))
    return actions


def test_actions(case: Case) -> None:
    assert_flat(
        token_client("fam.aalborg"),
        f"{API}/cases/{case.pk}/actions/",
        lambda n: bulk_actions(case, n),
    )


def test_consents(case: Case) -> None:
    recorder = User.objects.get(username="ssp.aalborg")
    scope = [unit("SSP Aalborg"), unit("Familiegrupperne")]

    def add(n: int) -> None:
        consents = Consent.objects.bulk_create(
            Consent(
                citizen=case.citizen,
                forum=case.forum,
                given_by="citizen",
                scope_categories=["social", "general"],
                purpose="Forløb",
                form="written",
                recorded_by=recorder,
            )
            for _ in range(n)
        )
        Consent.scope_units.through.objects.bulk_create(
            Consent.scope_units.through(consent_id=consent.pk, unit_id=member.pk)
            for consent in consents
            for member in scope
        )

    assert_flat(token_client("fam.aalborg"), f"{API}/cases/{case.pk}/consents/", add)


def test_notifications() -> None:
    """Notifications about actions, case reviews and consents, on several cases (each kind
    reaches its case or citizen by a different path)."""
    user = User.objects.get(username="fam.aalborg")
    recorder = User.objects.get(username="ssp.aalborg")

    def add(n: int) -> None:
        cases = bulk_cases(n)
        reminders = []
        for i, case in enumerate(cases):
            due = timezone.now() + dt.timedelta(days=1 + i)
            if i % 3 == 0:
                [action] = bulk_actions(case, 1, responsible="fam.aalborg")
                reminders.append(
                    Reminder(kind="action_due_soon", action=action, case=case, deadline=due)
                )
            elif i % 3 == 1:
                reminders.append(Reminder(kind="case_review", case=case, deadline=due))
            else:
                consent = Consent.objects.create(
                    citizen=case.citizen,
                    forum=case.forum,
                    given_by="citizen",
                    scope_categories=["general"],
                    purpose="Forløb",
                    form="written",
                    recorded_by=recorder,
                    valid_until=due,
                )
                reminders.append(Reminder(kind="consent_expiring", consent=consent, deadline=due))
        made = Reminder.objects.bulk_create(reminders)
        Notification.objects.bulk_create(Notification(reminder=r, user=user) for r in made)

    assert_flat(token_client("fam.aalborg"), f"{API}/notifications/", add)
