"""Deleting a citizen's data for good (the retention run, services/retention.py): every
table that refers to a case, a concern report or a citizen, in order, one statement each,
so the queries per chunk are constant and no row outside the chunk is touched. The test
suite checks that no model referring to a case or a citizen is missing here."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, Model, OuterRef, Q, QuerySet

from coordination import lifecycle
from coordination.models import (
    Action,
    AgendaItem,
    Case,
    CaseGroupObjectPermission,
    CaseParticipant,
    CaseReview,
    CaseUserObjectPermission,
    Citizen,
    ConcernReport,
    Consent,
    ConsentDecision,
    Contact,
    EmergencyAccess,
    Entry,
    Incident,
    InsightException,
    LegalHold,
    Notification,
    Offer,
    OutcomeSnapshot,
    Recipient,
    Referral,
    RelatedPerson,
    Reminder,
)

# What hangs off a case, deleted in this order (children before what they point to); the
# test suite checks that no model referring to a case is missing here.
CASE_CONTENT: tuple[tuple[type[Model], str], ...] = (
    (Action, "case"),
    (AgendaItem, "case"),
    (Offer, "case"),
    (Referral, "case"),
    (Incident, "case"),
    (OutcomeSnapshot, "case"),
    (Contact, "case"),
    (Entry, "case"),
    (ConsentDecision, "case"),
    (EmergencyAccess, "case"),
    (CaseReview, "case"),
    (LegalHold, "case"),
    (CaseUserObjectPermission, "content_object"),
    (CaseGroupObjectPermission, "content_object"),
    (CaseParticipant, "case"),
    (ConcernReport, "case"),
)
# Shared content whose recipients and insight exceptions are found by content type.
GENERIC_CONTENT: tuple[type[Model], ...] = (
    Action,
    AgendaItem,
    Offer,
    Referral,
    Incident,
    OutcomeSnapshot,
    Contact,
    Entry,
)


def _erase(rows: QuerySet[Any]) -> int:
    """One DELETE statement for `rows` (no cascade collection, no signals: the run deletes
    every dependent table itself, in order)."""
    return int(rows._raw_delete(rows.db) or 0)  # None when the filter can match nothing


def _generic(models: tuple[type[Model], ...], ids: dict[type[Model], Any]) -> Q:
    """Rows of Recipient or InsightException about the given content (by content type)."""
    condition = Q(pk__in=[])
    types = ContentType.objects.get_for_models(*models)
    for model in models:
        condition |= Q(content_type=types[model], object_id__in=ids[model])
    return condition


def _erase_reminders(condition: Q, rows: Counter[str]) -> None:
    reminders = Reminder.objects.filter(condition)
    rows["notification"] += _erase(Notification.objects.filter(reminder__in=reminders.values("pk")))
    rows["reminder"] += _erase(reminders)


def erase_cases(ids: list[int], reports: list[int], rows: Counter[str]) -> None:
    """Everything hanging off the cases `ids` and the concern reports `reports` (theirs),
    one statement per table."""
    content: dict[type[Model], Any] = {
        model: model._default_manager.filter(case_id__in=ids).values("pk")
        for model in GENERIC_CONTENT
    }
    content[ConcernReport] = reports
    _erase_reminders(
        Q(case_id__in=ids) | Q(action__case_id__in=ids) | Q(concern_report_id__in=reports), rows
    )
    rows["insight_exception"] += _erase(
        InsightException.objects.filter(_generic((*GENERIC_CONTENT, ConcernReport), content))
    )
    rows["recipient"] += _erase(
        Recipient.objects.filter(Q(case_id__in=ids) | _generic((ConcernReport,), content))
    )
    # Set-null references from rows that stay (a review naming a transfer, an action of a
    # meeting item of a nomination).
    CaseReview.objects.filter(transferred_to__in=ids).exclude(case_id__in=ids).update(
        transferred_to=None
    )
    Action.objects.filter(agenda_item__concern_report__in=reports).exclude(case_id__in=ids).update(
        agenda_item=None
    )
    rows["agendaitem"] += _erase(AgendaItem.objects.filter(concern_report__in=reports))
    for model, lookup in CASE_CONTENT:
        rows[str(model._meta.model_name)] += _erase(
            model._default_manager.filter(**{f"{lookup}__in": ids})
        )
    rows["concernreport"] += _erase(ConcernReport.objects.filter(pk__in=reports))
    rows["case"] += _erase(Case.objects.filter(pk__in=ids))


def erase_unused_consents(citizens: list[int], rows: Counter[str]) -> None:
    """The citizens' consents no case or concern report of theirs rests on any more (a
    consent is given in a forum: it goes with the citizen's last case there)."""
    unused = (
        Consent.objects.filter(citizen_id__in=citizens)
        .exclude(Exists(Case.objects.filter(citizen=OuterRef("citizen"), forum=OuterRef("forum"))))
        .exclude(Exists(ConcernReport.objects.filter(consent=OuterRef("pk"))))
    )
    ids = list(unused.values_list("pk", flat=True))
    _erase_reminders(Q(consent_id__in=ids), rows)
    rows["consent_scope_units"] += _erase(
        Consent.scope_units.through.objects.filter(consent_id__in=ids)
    )
    rows["consent"] += _erase(Consent.objects.filter(pk__in=ids))


def erase_citizens(ids: list[int], rows: Counter[str]) -> list[int]:
    """Those of the citizens `ids` with nothing left (and their related persons)."""
    gone = list(
        Citizen.objects.filter(pk__in=ids)
        .filter(lifecycle.nothing_left())
        .values_list("pk", flat=True)
    )
    rows["insight_exception"] += _erase(InsightException.objects.filter(citizen_id__in=gone))
    rows["relatedperson"] += _erase(RelatedPerson.objects.filter(citizen_id__in=gone))
    rows["citizen"] += _erase(Citizen.objects.filter(pk__in=gone))
    return gone


def erase(
    cases: list[int], reports: list[int], citizens: list[int], rows: Counter[str]
) -> list[int]:
    """The cases and concern reports with everything hanging off them, then the citizens'
    consents nothing rests on any more, then those citizens left with nothing (returned)."""
    erase_cases(cases, reports, rows)
    erase_unused_consents(citizens, rows)
    return erase_citizens(citizens, rows)


def rows_per_case(ids: list[int]) -> dict[int, dict[str, int]]:
    """How many rows of each kind each case held (for its receipt): one grouped query per
    kind."""
    counts: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    for model, lookup in CASE_CONTENT:
        grouped = (
            model._default_manager.filter(**{f"{lookup}__in": ids})
            .values_list(lookup)
            .annotate(n=Count("pk"))
            .order_by()
        )
        for case_id, n in grouped:
            counts[case_id][str(model._meta.model_name)] = n
    return counts
