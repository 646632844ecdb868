"""Reads over the audit log for auditors: anomaly reports and the citizen insight report.

Selectors only: the caller has passed `access.require_auditor` and audits what it shows.
Every report is a handful of grouped SQL queries, whatever the size of the log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, Max, Min, Model, OuterRef, Prefetch, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coordination import lifecycle
from coordination.models import Action as FollowUpAction
from coordination.models import (
    AgendaItem,
    AuditEvent,
    Case,
    CaseParticipant,
    Citizen,
    ConcernReport,
    Consent,
    ConsentDecision,
    Contact,
    EffortType,
    Entry,
    Incident,
    InsightException,
    LegalBasis,
    Offer,
    OutcomeSnapshot,
    Recipient,
    Referral,
    RelatedPerson,
    SharedContent,
)
from coordination.querysets import READ_ACTIONS, AuditEventQuerySet

Action = AuditEvent.Action

# What counts as looking at a citizen in the anomaly report: opening a case page, exporting
# or printing. Appearing as a row in a list is logged too, but is not "viewing".
VIEWING_ACTIONS = (Action.VIEW, Action.EXPORT, Action.PRINT)
# Printing, a PDF and a CSV are disclosures with a channel (services.disclosures); older
# events of them are EXPORT and PRINT.
BY_CHANNEL = Q(action=Action.DISCLOSE, detail__has_key="channel")
PRINTED = Q(action__in=(Action.EXPORT, Action.PRINT)) | BY_CHANNEL


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
        period.filter(Q(action__in=VIEWING_ACTIONS) | PRINTED, outcome="ok", actor__isnull=False)
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
        period.filter(PRINTED).select_related("actor_unit").order_by("-occurred_at")[:limit]
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
class InsightItem:
    """One thing held about the citizen: when, in which case, what (without its texts), its
    category and basis, the unit that wrote it (its organisation is the data controller),
    the units that received it, the texts when asked for, and an auditor's exception."""

    key: str  # "coordination.entry:12": names the item in the withhold form
    obj: Any
    when: Any
    case: Case | None
    what: str
    category: str
    category_label: str
    legal_basis: str
    unit: Any
    recipients: list[Recipient]
    content: list[tuple[str, str]]
    withheld: InsightException | None = None


@dataclass
class InsightSection:
    slug: str
    title: str
    items: list[InsightItem]


@dataclass
class Controller:
    """An organisation and what it holds about the citizen as data controller: the kinds
    and categories of what its units wrote (and the cases they lead)."""

    organisation: Any
    kinds: list[str]
    categories: list[str]


def _date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return str(date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT"))
    return str(date_format(value, "SHORT_DATE_FORMAT")) if value else ""


def _join(*parts: Any) -> str:
    return " · ".join(str(p) for p in parts if p)


def _agenda_what(item: AgendaItem) -> str:
    meeting = item.meeting
    where = f"{meeting.get_kind_display()}, {meeting.forum.name}, {_date(meeting.starts_at)}"
    return _join(where, _("discussed") if item.discussed_at else _("on the agenda"))


@dataclass(frozen=True)
class _Kind:
    """How one kind of item is read for the report (one query, its recipients one more)."""

    slug: str
    title: Any
    model: type[Model]
    related: tuple[str, ...]
    when: str  # a field path
    units: tuple[str, ...]  # the writing unit, with a fallback (attribute paths)
    texts: tuple[str, ...]  # the content, shown only on request
    what: Callable[[Any], str]


_KINDS: tuple[_Kind, ...] = (
    _Kind(
        "contacts", gettext_lazy("Contact log"), Contact,
        ("case", "unit__organisation", "related_person"), "occurred_at", ("unit",), ("note",),
        lambda c: _join(
            c.get_kind_display(), c.get_result_display(),
            c.related_person and _("with %(person)s") % {"person": c.related_person},
        ),
    ),
    _Kind(
        "meetings", gettext_lazy("Meeting discussions"), AgendaItem,
        ("case", "meeting__forum", "author_unit__organisation",
         "meeting__organiser_unit__organisation"),
        "meeting__starts_at", ("author_unit", "meeting.organiser_unit"),
        ("picture", "assessment", "decision"), _agenda_what,
    ),
    _Kind(
        "decisions", gettext_lazy("Decisions to go on without consent"), ConsentDecision,
        ("case", "author_unit__organisation"), "decided_at", ("author_unit",), ("reasoning",),
        lambda d: d.get_situation_display(),
    ),
    _Kind(
        "actions", gettext_lazy("Actions"), FollowUpAction,
        ("case", "responsible_unit__organisation", "author_unit__organisation"), "created_at",
        ("author_unit", "responsible_unit"), ("title", "result_note"),
        lambda a: _join(
            a.get_status_display(), _("due %(date)s") % {"date": _date(a.due_at)},
            _("responsible: %(unit)s") % {"unit": a.responsible_unit.name},
        ),
    ),
    _Kind(
        "entries", gettext_lazy("Entries"), Entry,
        ("case", "author_unit__organisation"), "created_at", ("author_unit",),
        ("text", "justification"), lambda e: _("Entry"),
    ),
    _Kind(
        "offers", gettext_lazy("Offers"), Offer,
        ("case", "unit__organisation"), "made_at", ("unit",), ("note",),
        lambda o: f"{o.get_kind_display()} ({o.get_status_display()})",
    ),
    _Kind(
        "referrals", gettext_lazy("Referrals"), Referral,
        ("case", "from_unit__organisation", "to_unit"), "sent_at", ("from_unit",),
        ("purpose", "feedback"),
        lambda r: f"{r.to_unit.name if r.to_unit else r.to_service} ({r.get_status_display()})",
    ),
    _Kind(
        "incidents", gettext_lazy("Incidents"), Incident,
        ("case", "author_unit__organisation", "source_unit__organisation"), "occurred_on",
        ("author_unit", "source_unit"), ("note",),
        lambda i: _join(
            i.get_kind_display(), _("source: %(unit)s") % {"unit": i.source_unit.name}
        ),
    ),
    _Kind(
        "outcomes", gettext_lazy("Outcome snapshots"), OutcomeSnapshot,
        ("case", "unit__organisation"), "recorded_at", ("unit",),
        ("education", "job", "housing", "leisure", "new_police_contact", "note"),
        lambda o: o.get_milestone_display(),
    ),
    _Kind(
        "concerns", gettext_lazy("Concern reports"), ConcernReport,
        ("case", "forum", "received_by__organisation"), "received_at", ("received_by",),
        ("summary", "decision_note", "feedback_note"),
        lambda r: _join(
            r.forum.name, r.get_channel_display(),
            r.get_decision_display() if r.decision else _("not screened yet"),
        ),
    ),
)  # fmt: skip


def _path(obj: Any, path: str) -> Any:
    for name in path.split("."):
        obj = getattr(obj, name, None) if obj is not None else None
    return obj


def _text(obj: Any, name: str) -> str:
    """A content field for people to read: a choice by its label, a yes/no in words."""
    field = obj._meta.get_field(name)
    value = getattr(obj, name)
    if field.choices:
        return str(getattr(obj, f"get_{name}_display")())
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return str(value or "")


def _items(
    kind: _Kind, citizen: Citizen, withheld: dict[str, InsightException], *, content: bool
) -> list[InsightItem]:
    label = kind.model._meta.label_lower
    rows: Any = kind.model._default_manager.filter(
        InsightException.of_citizen(label, citizen.pk)
    ).select_related(*kind.related)
    shared = issubclass(kind.model, SharedContent)
    if shared:
        rows = rows.prefetch_related(
            Prefetch(
                "recipients",
                queryset=Recipient.objects.select_related("unit").order_by("shared_at", "pk"),
            )
        )
    meta: Any = kind.model._meta
    labels = {name: str(meta.get_field(name).verbose_name).capitalize() for name in kind.texts}
    found = []
    for obj in rows.order_by(kind.when, "pk"):
        key = f"{label}:{obj.pk}"
        unit = next((u for u in (_path(obj, p) for p in kind.units) if u is not None), None)
        texts = [(labels[name], _text(obj, name)) for name in kind.texts]
        found.append(
            InsightItem(
                key=key,
                obj=obj,
                when=_path(obj, kind.when.replace("__", ".")),
                case=getattr(obj, "case", None),
                what=kind.what(obj),
                category=getattr(obj, "category", ""),
                category_label=obj.get_category_display() if shared else "",
                legal_basis=obj.get_legal_basis_display() if shared else "",
                unit=unit,
                recipients=list(obj.recipients.all()) if shared else [],
                content=[(name, text) for name, text in texts if text] if content else [],
                withheld=withheld.get(key),
            )
        )
    return found


@dataclass
class Insight:
    citizen: Citizen
    include_staff: bool
    cases: list[Case]
    participants: list[CaseParticipant]
    consents: list[Consent]
    lookups: list[AuditEvent]
    include_content: bool = False
    related_persons: list[RelatedPerson] = field(default_factory=list)
    # Contacts, meetings, decisions, actions, entries, offers, referrals, incidents,
    # outcome snapshots and concern reports: what units wrote, and who received it.
    sections: list[InsightSection] = field(default_factory=list)
    # Prints, PDFs and CSV exports that named the citizen (the disclose events).
    printed: list[AuditEvent] = field(default_factory=list)
    # What the auditor withheld (shown to the auditor, counted in the document).
    withheld: list[InsightItem] = field(default_factory=list)
    withheld_count: int = 0
    document: bool = False

    @property
    def section(self) -> dict[str, InsightSection]:
        return {s.slug: s for s in self.sections}

    @property
    def controllers(self) -> list[Controller]:
        """Per organisation, the kinds and categories it holds about the citizen: the
        organisation of the writing unit is the controller of what it wrote (withheld
        items left out: the document must not hint at them)."""
        held: dict[int, tuple[Any, dict[str, None], dict[str, None]]] = {}

        def add(unit: Any, kind: str, category: str) -> None:
            organisation = unit.organisation
            entry = held.setdefault(organisation.pk, (organisation, {}, {}))
            entry[1][kind] = None
            if category:
                entry[2][category] = None

        for p in self.participants:
            if p.role == CaseParticipant.Role.LEAD and not p.emergency:
                add(p.unit, str(_("Cases")), "")
        for section in self.sections:
            for item in section.items:
                if item.withheld is None and item.unit is not None:
                    add(item.unit, str(section.title), item.category_label)
        return [
            Controller(organisation=org, kinds=list(kinds), categories=list(categories))
            for org, kinds, categories in sorted(held.values(), key=lambda v: v[0].name)
        ]

    @property
    def categories(self) -> list[str]:
        """The categories of the items in the report (for the disclosure's event)."""
        return sorted({i.category for s in self.sections for i in s.items if i.category})

    def for_document(self) -> Insight:
        """The citizen's document: withheld items left out, only their number kept."""
        return replace(
            self,
            sections=[
                replace(s, items=[i for i in s.items if i.withheld is None]) for s in self.sections
            ],
            withheld=[],
            document=True,
        )


def _with_dates(cases: QuerySet[Case]) -> list[Case]:
    """The cases with their review, hold and deletion dates (`life`): the citizen is told
    when each is reviewed and when it is deleted (sharing-rules.md 6 and 7)."""
    found = list(cases)
    for case in found:
        case.life = lifecycle.dates(case, list(case.legal_holds.all()))  # type: ignore[attr-defined]
        case.retention_months = lifecycle.retention_months(case.forum)  # type: ignore[attr-defined]
    return found


def insight(
    events: AuditEventQuerySet,
    citizen: Citizen,
    *,
    include_staff: bool,
    include_content: bool = False,
) -> Insight:
    """What is held about `citizen`, who wrote it, who received it on which basis, what
    was printed or exported about them, and every look-up; the texts only when
    `include_content`. A fixed number of queries, whatever the amount of content.

    Staff identities are left out unless `include_staff` (the auditor decides that it is
    needed); units are always shown, since they are what received the data."""
    exceptions = {
        f"{e.content_type.app_label}.{e.content_type.model}:{e.object_id}": e
        for e in InsightException.objects.filter(citizen=citizen).select_related(
            "content_type", "decided_by"
        )
    }
    sections = [
        InsightSection(
            kind.slug, str(kind.title), _items(kind, citizen, exceptions, content=include_content)
        )
        for kind in _KINDS
    ]
    lookups = list(
        events.reads()
        .filter(citizen_id=citizen.pk)
        .select_related("actor_unit")
        .order_by("occurred_at", "pk")
    )
    for event in lookups:
        event.purpose_label = purpose_label(event.purpose)  # type: ignore[attr-defined]
    withheld = [i for s in sections for i in s.items if i.withheld is not None]
    printed = list(
        events.filter(BY_CHANNEL, citizen_id=citizen.pk, outcome="ok")
        .select_related("actor_unit")
        .order_by("occurred_at", "pk")
    )
    bases = dict(LegalBasis.choices)
    for event in printed:
        event.basis_label = bases.get(event.legal_basis, event.legal_basis)  # type: ignore[attr-defined]
    return Insight(
        citizen=citizen,
        include_staff=include_staff,
        include_content=include_content,
        cases=_with_dates(
            Case.objects.filter(citizen=citizen)
            .select_related("forum", "citizen")
            .prefetch_related("legal_holds")
            .order_by("opened_at")
        ),
        participants=list(
            CaseParticipant.objects.filter(case__citizen=citizen)
            .select_related("unit", "unit__organisation", "case")
            .order_by("case_id", "valid_from")
        ),
        consents=list(
            Consent.objects.filter(citizen=citizen)
            .select_related("forum")
            .prefetch_related("scope_units")
            .order_by("given_at")
        ),
        related_persons=list(citizen.related_persons.order_by("name", "pk")),
        sections=sections,
        printed=printed,
        lookups=lookups,
        withheld=withheld,
        withheld_count=len(withheld),
    )
