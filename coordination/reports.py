"""Reads over the audit log for auditors: anomaly reports and the citizen insight report.

Selectors only: the caller has passed `access.require_auditor` and audits what it shows.
Every report is a handful of grouped SQL queries, whatever the size of the log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils.translation import gettext as _

from coordination.models import (
    AuditEvent,
    Case,
    CaseParticipant,
    Citizen,
    ConcernReport,
    Consent,
    EffortType,
    Entry,
    Incident,
    Offer,
    OutcomeSnapshot,
    Referral,
)
from coordination.querysets import READ_ACTIONS, AuditEventQuerySet

Action = AuditEvent.Action

# What counts as looking at a citizen in the anomaly report: opening a case page, exporting
# or printing. Appearing as a row in a list is logged too, but is not "viewing".
VIEWING_ACTIONS = (Action.VIEW, Action.EXPORT, Action.PRINT)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def purpose_label(code: str) -> str:
    """'prevention:knock_knock' -> 'Prevention (Knock Knock)', for people to read."""
    kind, _sep, effort = (code or "").partition(":")
    efforts = dict(EffortType.choices)
    kinds = {
        "prevention": _("Crime prevention"),
        "emergency": _("Emergency access"),
        "audit": _("Audit"),
        "retention": _("Retention purge"),
    }
    label = kinds.get(kind, code or _("Not stated"))
    if effort:
        label = f"{label} ({efforts.get(effort, effort)})"
    return str(label)


# --- Anomalies ----------------------------------------------------------------------------


@dataclass
class Anomalies:
    since: dt.datetime
    until: dt.datetime
    many_citizens: list[dict[str, Any]] = field(default_factory=list)
    off_hours: list[dict[str, Any]] = field(default_factory=list)
    emergency: list[AuditEvent] = field(default_factory=list)
    exports: list[AuditEvent] = field(default_factory=list)
    failed_logins: list[dict[str, Any]] = field(default_factory=list)
    per_day: list[dict[str, Any]] = field(default_factory=list)

    @property
    def citizen_ids(self) -> set[int]:
        """The citizens this report names (for the audit of the report itself)."""
        return {e.citizen_id for e in self.emergency + self.exports if e.citizen_id}


def own_case(actor_field: str = "actor_id", case_field: str = "case_id") -> Q:
    """The event's case is the actor's own: they coordinate it or are its named contact."""
    coordinates = Case.objects.filter(pk=OuterRef(case_field), coordinator_id=OuterRef(actor_field))
    contact = CaseParticipant.objects.filter(
        case_id=OuterRef(case_field), contact_user_id=OuterRef(actor_field), emergency=False
    )
    return Q(Exists(coordinates)) | Q(Exists(contact))


def anomalies(
    events: QuerySet[AuditEvent], *, since: dt.datetime, until: dt.datetime, limit: int = 200
) -> Anomalies:
    """The anomaly reports of sharing-rules.md 5 / architecture.md for the period [since, until)."""
    zone = _zone()
    period = events.filter(occurred_at__gte=since, occurred_at__lt=until)
    report = Anomalies(since=since, until=until)
    report.many_citizens = list(
        period.filter(action__in=VIEWING_ACTIONS, outcome="ok", actor__isnull=False)
        .exclude(citizen__isnull=True)
        .exclude(own_case())
        .annotate(day=TruncDate("occurred_at", tzinfo=zone))
        .values("actor_username", "day")
        .annotate(citizens=Count("citizen_id", distinct=True), events=Count("pk"))
        .filter(citizens__gt=settings.AUDIT_ANOMALY_CITIZENS_PER_DAY)
        .order_by("-citizens", "-day")[:limit]
    )
    start, end = settings.AUDIT_WORKDAY_START_HOUR, settings.AUDIT_WORKDAY_END_HOUR
    report.off_hours = list(
        period.filter(action__in=READ_ACTIONS, actor__isnull=False)
        .annotate(
            hour=ExtractHour("occurred_at", tzinfo=zone),
            weekday=ExtractIsoWeekDay("occurred_at", tzinfo=zone),
            day=TruncDate("occurred_at", tzinfo=zone),
        )
        .filter(Q(weekday__gte=6) | Q(hour__lt=start) | Q(hour__gte=end))
        .values("actor_username", "day")
        .annotate(
            events=Count("pk"),
            citizens=Count("citizen_id", distinct=True),
            first=Min("occurred_at"),
            last=Max("occurred_at"),
        )
        .order_by("-day", "actor_username")[:limit]
    )
    report.emergency = list(
        period.filter(action=Action.EMERGENCY_ACCESS)
        .select_related("actor_unit")
        .order_by("-occurred_at")[:limit]
    )
    report.exports = list(
        period.filter(action__in=(Action.EXPORT, Action.PRINT))
        .select_related("actor_unit")
        .order_by("-occurred_at")[:limit]
    )
    report.failed_logins = list(
        period.filter(action=Action.LOGIN_FAILED)
        .values("ip", username=KT("detail__username"))
        .annotate(attempts=Count("pk"), first=Min("occurred_at"), last=Max("occurred_at"))
        .order_by("-attempts", "-last")[:limit]
    )
    report.per_day = list(
        period.annotate(day=TruncDate("occurred_at", tzinfo=zone))
        .values("day")
        .annotate(
            reads=Count("pk", filter=Q(action__in=READ_ACTIONS, outcome="ok")),
            denied=Count("pk", filter=Q(outcome="denied")),
        )
        .order_by("day")
    )
    return report


# --- The citizen insight report (sharing-rules.md 7; EU Court C-579/21) ---------------------------


@dataclass
class Insight:
    citizen: Citizen
    include_staff: bool
    cases: list[Case]
    participants: list[CaseParticipant]
    disclosures: list[Entry]
    consents: list[Consent]
    lookups: list[AuditEvent]
    # The workflows' records about the citizen (issue 8): what is held, and who got it.
    concerns: list[ConcernReport] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    outcomes: list[OutcomeSnapshot] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)


def insight(events: AuditEventQuerySet, citizen: Citizen, *, include_staff: bool) -> Insight:
    """What is held about `citizen`, who received it on which basis, and every look-up.

    Staff identities are left out unless `include_staff` (the auditor decides that it is
    needed); units are always shown, since they are what received the data."""
    cases = list(Case.objects.filter(citizen=citizen).select_related("forum").order_by("opened_at"))
    participants = list(
        CaseParticipant.objects.filter(case__citizen=citizen)
        .select_related("unit", "unit__organisation", "case")
        .order_by("case_id", "valid_from")
    )
    disclosures = list(
        Entry.objects.filter(case__citizen=citizen)
        .select_related("author_unit", "case")
        .prefetch_related("recipients__unit")
        .order_by("created_at")
    )
    consents = list(
        Consent.objects.filter(citizen=citizen).prefetch_related("scope_units").order_by("given_at")
    )
    lookups = list(
        events.reads()
        .filter(citizen_id=citizen.pk)
        .select_related("actor_unit")
        .order_by("occurred_at", "pk")
    )
    for event in lookups:
        event.purpose_label = purpose_label(event.purpose)  # type: ignore[attr-defined]
    of_citizen = {"case__citizen": citizen}
    return Insight(
        citizen=citizen,
        include_staff=include_staff,
        cases=cases,
        participants=participants,
        disclosures=disclosures,
        consents=consents,
        lookups=lookups,
        concerns=list(
            ConcernReport.objects.filter(citizen=citizen)
            .select_related("forum", "received_by", "case")
            .order_by("received_at")
        ),
        referrals=list(
            Referral.objects.filter(**of_citizen)
            .select_related("case", "from_unit", "to_unit")
            .order_by("sent_at")
        ),
        incidents=list(
            Incident.objects.filter(**of_citizen)
            .select_related("case", "source_unit")
            .order_by("occurred_on")
        ),
        outcomes=list(
            OutcomeSnapshot.objects.filter(**of_citizen)
            .select_related("case", "unit")
            .order_by("case_id", "milestone")
        ),
        offers=list(
            Offer.objects.filter(**of_citizen).select_related("case", "unit").order_by("made_at")
        ),
    )
