"""Anonymous counts for the kredsråd and the lokalråd: per month, forum, indicator and
breakdown, never a person. The figures are the live counts over what Samraad holds plus
the counts the retention run kept of what it deleted (`RetiredCount`), so deleting old cases
and concern reports changes no figure.

Every indicator is one grouped query over a queryset of cases or concern reports, so the
same definitions count all data (`counts`) and the rows about to be deleted
(`contributions`, in services/retention.py) in a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from coordination.models import (
    Case,
    ConcernReport,
    Contact,
    Incident,
    Offer,
    OutcomeSnapshot,
    RetiredCount,
)
from coordination.models.citizens import age_on


@dataclass(frozen=True, order=True)
class Key:
    month: dt.date
    forum_id: int
    indicator: str
    breakdown: str = ""


# Age groups of the citizen when the case was opened (the forums' bands and tracks).
AGE_GROUPS: tuple[tuple[int, int, str], ...] = (
    (0, 14, "0-14"),
    (15, 17, "15-17"),
    (18, 25, "18-25"),
    (26, 200, "26+"),
)


# Contact results that count as reaching the citizen (the Knock Knock funnel).
REACHED = (
    Contact.Result.REACHED,
    Contact.Result.CONVERSATION_HELD,
    Contact.Result.OFFER_ACCEPTED,
    Contact.Result.OFFER_DECLINED,
)


def age_group(age: int) -> str:
    return next(label for low, high, label in AGE_GROUPS if low <= age <= high)


def _month(value: dt.date | dt.datetime) -> dt.date:
    day = timezone.localtime(value).date() if isinstance(value, dt.datetime) else value
    return day.replace(day=1)


def _grouped(
    rows: QuerySet[Any], when: str, forum: str, breakdown: Any, indicator: str
) -> Counter[Key]:
    """One grouped query: how many rows per month of `when`, forum and breakdown."""
    grouped = (
        rows.annotate(_m=TruncMonth(when), _f=F(forum), _b=breakdown)
        .values("_m", "_f", "_b")
        .annotate(_n=Count("pk"))
        .order_by()
    )
    result: Counter[Key] = Counter()
    for row in grouped:
        if row["_m"] is not None:
            result[Key(_month(row["_m"]), row["_f"], indicator, str(row["_b"] or ""))] += row["_n"]
    return result


def _cases_opened(cases: QuerySet[Case]) -> Counter[Key]:
    """Cases opened per month, by the citizen's age group at the opening (in Python: the
    age needs the birthday; one query, streamed)."""
    result: Counter[Key] = Counter()
    rows = cases.values_list("opened_at", "forum_id", "citizen__birth_date").order_by()
    for opened_at, forum_id, born in rows.iterator(2000):
        opened = timezone.localtime(opened_at).date()
        group = age_group(age_on(born, opened))
        result[Key(_month(opened), forum_id, "cases_opened", group)] += 1
    return result


def _case_indicators(cases: QuerySet[Case]) -> Counter[Key]:
    ids = cases.values("pk")
    contacts = Contact.objects.filter(case__in=ids)
    reached = Q(result__in=REACHED)
    return (
        _cases_opened(cases)
        + _grouped(
            cases.filter(status=Case.Status.CLOSED),
            "closed_at",
            "forum_id",
            F("closure_code"),
            "cases_closed",
        )
        + _grouped(contacts, "occurred_at", "case__forum_id", F("kind"), "contacts")
        + _grouped(
            contacts.filter(reached), "occurred_at", "case__forum_id", F("kind"), "contacts_reached"
        )
        + _grouped(
            Offer.objects.filter(case__in=ids), "made_at", "case__forum_id", F("status"), "offers"
        )
        + _grouped(
            Incident.objects.filter(case__in=ids),
            "occurred_on",
            "case__forum_id",
            F("kind"),
            "incidents",
        )
        + _grouped(
            OutcomeSnapshot.objects.filter(case__in=ids),
            "recorded_at",
            "case__forum_id",
            F("milestone"),
            "outcomes",
        )
        + _grouped(
            OutcomeSnapshot.objects.filter(case__in=ids).exclude(education="none", job="none"),
            "recorded_at",
            "case__forum_id",
            F("milestone"),
            "outcomes_active",
        )
    )


def _concern_indicators(reports: QuerySet[ConcernReport]) -> Counter[Key]:
    screened = reports.exclude(decision="")
    in_time = Q(decided_at__lte=F("screening_due_at"))
    return (
        _grouped(reports, "received_at", "forum_id", F("channel"), "concerns_received")
        + _grouped(
            screened.filter(in_time), "decided_at", "forum_id", F("decision"), "concerns_in_time"
        )
        + _grouped(
            screened.exclude(in_time), "decided_at", "forum_id", F("decision"), "concerns_late"
        )
    )


def contributions(
    cases: QuerySet[Case] | None = None, reports: QuerySet[ConcernReport] | None = None
) -> Counter[Key]:
    """What `cases` (with their contacts, offers, incidents and outcomes) and `reports`
    count for: a fixed number of queries, however many rows."""
    result: Counter[Key] = Counter()
    if cases is not None:
        result += _case_indicators(cases)
    if reports is not None:
        result += _concern_indicators(reports)
    return result


def retired() -> Counter[Key]:
    """The sums the retention run kept of what it deleted."""
    rows = (
        RetiredCount.objects.values("month", "forum_id", "indicator", "breakdown")
        .annotate(total=Sum("value"))
        .order_by()
    )
    return Counter(
        {Key(r["month"], r["forum_id"], r["indicator"], r["breakdown"]): r["total"] for r in rows}
    )


def counts(where: Callable[[Key], bool] | None = None) -> Counter[Key]:
    """All figures: the live counts plus what the retention run kept (optionally only the
    keys `where` accepts)."""
    total = contributions(Case.objects.all(), ConcernReport.objects.all()) + retired()
    return Counter({k: v for k, v in total.items() if where is None or where(k)})


def as_rows(counter: Counter[Key]) -> Iterable[tuple[str, int, str, str, int]]:
    """Sorted rows (month, forum, indicator, breakdown, value) for output and tests."""
    for key in sorted(counter):
        yield key.month.isoformat(), key.forum_id, key.indicator, key.breakdown, counter[key]
