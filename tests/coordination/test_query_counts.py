"""The case list and the case page run the same number of queries with 10 and with 1,000
cases and entries (rows are made in bulk here; the services are tested elsewhere)."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Unit, User
from coordination import cpr, services
from coordination.models import (
    ALL_CATEGORIES,
    Case,
    CaseGroupObjectPermission,
    CaseParticipant,
    Citizen,
    Entry,
    Forum,
    Recipient,
)

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)


def bulk_cases(count: int) -> list[Case]:
    """`count` Knock Knock cases led by SSP Aalborg, with Familiegrupperne taking part."""
    forum = Forum.objects.get(name="Knock Knock Aalborg")
    ssp, family = Unit.objects.get(name="SSP Aalborg"), Unit.objects.get(name="Familiegrupperne")
    birth = timezone.localdate().replace(year=timezone.localdate().year - 17)
    citizens = Citizen.objects.bulk_create(
        Citizen(
            cpr_encrypted=cpr.encrypt("0101019999"),
            cpr_index=f"bulk-{next(_numbers)}",
            birth_date=birth,
            first_name="Bulk",
            last_name=f"Borger{n}",
        )
        for n in range(count)
    )
    cases = Case.objects.bulk_create(
        Case(citizen=citizen, forum=forum, track="15-17") for citizen in citizens
    )
    participants = CaseParticipant.objects.bulk_create(
        CaseParticipant(
            case=case, unit=unit, role=role, legal_basis="RPL115_SSP", categories=ALL_CATEGORIES
        )
        for case in cases
        for unit, role in ((ssp, "lead"), (family, "participant"))
    )
    permissions = {p.codename: p for p in Permission.objects.filter(content_type__model="case")}
    grants = [
        CaseGroupObjectPermission(
            content_object_id=case_id,
            group_id=holder,
            permission=permissions[codename],
            participant_id=participant_id,
            starts_at=starts,
            expires_at=expires,
        )
        for _kind, case_id, holder, codename, participant_id, starts, expires in (
            services.expected_grants(
                CaseParticipant.objects.filter(pk__in=[p.pk for p in participants]).select_related(
                    "unit"
                )
            )
        )
    ]
    CaseGroupObjectPermission.objects.bulk_create(grants)
    return cases


def bulk_entries(case: Case, count: int) -> None:
    author = User.objects.get(username="ssp.aalborg")
    ssp, family = Unit.objects.get(name="SSP Aalborg"), Unit.objects.get(name="Familiegrupperne")
    entries = Entry.objects.bulk_create(
        Entry(
            case=case,
            author=author,
            author_unit=ssp,
            category=ALL_CATEGORIES[n % 7],
            legal_basis="RPL115_SSP",
            justification="j",
            text=f"t{n}",
            audience_all=n % 3 != 0,
        )
        for n in range(count)
    )
    bulk_recipients(entries, family)


def bulk_recipients(rows: list, unit: Unit) -> None:
    """`unit` received each of `rows` (named, where the row names its audience)."""
    content_type = ContentType.objects.get_for_model(type(rows[0])) if rows else None
    Recipient.objects.bulk_create(
        Recipient(
            content_type=content_type,
            object_id=row.pk,
            case_id=row.case_id,
            unit=unit,
            via="all" if row.audience_all else "named",
            legal_basis=row.legal_basis or "RPL115_SSP",
        )
        for row in rows
    )


def count_queries(client, url: str, **kwargs: object) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = (
            client.get(url, **kwargs) if not kwargs.get("data") else client.post(url, **kwargs)
        )
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("username", ["ssp.aalborg", "fam.aalborg"])
def test_case_list_queries_are_flat_from_10_to_1000_cases(client_as, username) -> None:
    client = client_as(username)
    url = reverse("coordination:case_list")
    bulk_cases(10)
    with_ten = count_queries(client, url)
    searched_ten = count_queries(client, url, data={"q": "Bulk"})
    bulk_cases(990)
    assert count_queries(client, url) == with_ten
    assert count_queries(client, url, data={"q": "Bulk"}) == searched_ten


@pytest.mark.parametrize("username", ["ssp.aalborg", "fam.aalborg"])
def test_case_page_queries_are_flat_from_10_to_1000_entries(client_as, username) -> None:
    case = bulk_cases(1)[0]
    client = client_as(username)
    url = reverse("coordination:case_detail", args=[case.pk])
    bulk_entries(case, 10)
    with_ten = count_queries(client, url)
    bulk_entries(case, 990)
    assert count_queries(client, url) == with_ten
