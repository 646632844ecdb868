"""The dates in the life of a case (sharing-rules.md 6): when it is reviewed, when the
citizen leaves the forum's band or track, when an undecided case closes by itself, and when
a closed case is deleted. Pure rules over the models and settings; the writes are in
services/retention.py, the scans in reminders.py and the retention run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from coordination.models import Case, Citizen, ConcernReport, Consent, Forum, LegalHold
from coordination.models.citizens import birthday
from coordination.workflows import add_months

# Knock Knock's younger track ends at 18: the handover to the 18-25 track (or SSP+).
HANDOVER_TRACK = Case.Track.AGE_15_17
NEXT_TRACK = Case.Track.AGE_18_25


def review_months(forum: Forum) -> int:
    return forum.review_months or settings.RETENTION_REVIEW_MONTHS


def retention_months(forum: Forum) -> int:
    return (
        forum.retention_months
        if forum.retention_months is not None
        else settings.RETENTION_CLOSED_MONTHS
    )


def next_review(forum: Forum, day: dt.date | None = None) -> dt.date:
    """The review date a case of `forum` reviewed (or opened) on `day` gets."""
    return add_months(day or timezone.localdate(), review_months(forum))


def upper_age(case: Case) -> int | None:
    """The oldest age the case's track or forum band admits (None: no upper bound)."""
    bounds = [case.forum.age_max] if case.forum.age_max is not None else []
    if case.track in Case.TRACK_AGES:
        bounds.append(Case.TRACK_AGES[case.track][1])
    return min(bounds) if bounds else None


def leaves_on(case: Case) -> dt.date | None:
    """The day the citizen becomes older than the track or band admits (reads the citizen
    and the forum: select them with the case)."""
    oldest = upper_age(case)
    return None if oldest is None else birthday(case.citizen.birth_date, oldest + 1)


def may_leave_by(day: dt.date) -> Q:
    """A filter on cases: the citizen is born early enough to have left the forum's band or
    the case's track by `day` (a SQL pre-filter on the birth date; `leaves_on` is exact)."""
    bands = set(Forum.objects.filter(age_max__isnull=False).values_list("age_max", flat=True))
    limits = [(Q(forum__age_max=band), band) for band in bands if band is not None]
    limits += [(Q(track=track), oldest) for track, (_young, oldest) in Case.TRACK_AGES.items()]
    born = Q()
    for which, oldest in limits:
        born |= which & Q(citizen__birth_date__lte=add_months(day, -12 * (oldest + 1)))
    return born if born else Q(pk__in=[])


def handover_pending(case: Case, today: dt.date | None = None) -> bool:
    """Whether the lead unit must decide (move track, transfer, continue or close): the
    citizen leaves the band within the reminder lead time, and no decision covers it."""
    day = leaves_on(case)
    if day is None or case.status == Case.Status.CLOSED or case.band_decision_for == day:
        return False
    today = today or timezone.localdate()
    return day - dt.timedelta(days=settings.REMINDER_AGE_BAND_LEAD_DAYS) <= today


def aged_out(case: Case, today: dt.date | None = None) -> bool:
    """Left the band or track without a decision: flagged, the closing countdown runs."""
    day = leaves_on(case)
    today = today or timezone.localdate()
    return handover_pending(case, today) and day is not None and day <= today


def closes_on(case: Case) -> dt.date | None:
    """The day an aged-out case without a decision closes by itself."""
    day = leaves_on(case)
    return None if day is None else day + dt.timedelta(days=settings.RETENTION_AGED_OUT_CLOSE_DAYS)


def _months_on(start: dt.datetime, months: int) -> dt.date:
    """The first day on which `start` lies `months` months back (the retention run's rule:
    deleted once the start's date is on or before today minus the months)."""
    first = timezone.localtime(start).date()
    day = add_months(first, months)
    while add_months(day, -months) < first:  # a month end (31st, 29 February) clipped
        day += dt.timedelta(days=1)
    return day


def deletion_due(case: Case) -> dt.date | None:
    """The day a closed case is deleted, holds aside (None while it is open): from
    `retention_from`, as the retention run reads it."""
    if case.status != Case.Status.CLOSED or case.retention_from is None:
        return None
    return _months_on(case.retention_from, retention_months(case.forum))


def concern_deletion_due(report: ConcernReport) -> dt.date | None:
    """The day a concern report not opened into a case is deleted (with its case otherwise):
    a set period after it was screened out, or after it was received while nobody screened
    it or it was to be opened and never was."""
    if report.case_id is not None:
        return None
    return _months_on(report.decided_at or report.received_at, settings.RETENTION_CONCERN_MONTHS)


def active_hold(holds: list[LegalHold], today: dt.date | None = None) -> LegalHold | None:
    """The hold that keeps a case longest among those in force today (lifted or lapsed ones
    do not count: a hold lapses by itself on its date)."""
    today = today or timezone.localdate()
    live = [hold for hold in holds if hold.is_active_on(today)]
    return max(live, key=lambda hold: hold.until) if live else None


@dataclass(frozen=True)
class Dates:
    """A case's dates for the case page and the insight report."""

    next_review: dt.date | None
    review_overdue: bool
    leaves_band: dt.date | None
    handover_pending: bool
    aged_out: bool
    closes_on: dt.date | None
    # The day a closed case is deleted: its retention period's end (`retention_ends`), or
    # the day after a hold in force that runs longer (`kept_by_hold`).
    deletion_due: dt.date | None
    held_until: dt.date | None
    retention_ends: dt.date | None = None

    @property
    def kept_by_hold(self) -> bool:
        return self.deletion_due != self.retention_ends


def dates(case: Case, holds: list[LegalHold], today: dt.date | None = None) -> Dates:
    today = today or timezone.localdate()
    is_open = case.status != Case.Status.CLOSED
    hold = active_hold(holds, today)
    out = aged_out(case, today)
    ends = deleted = deletion_due(case)
    if ends is not None and hold is not None and hold.until >= ends:
        deleted = hold.until + dt.timedelta(days=1)
    return Dates(
        next_review=case.next_review_at if is_open else None,
        review_overdue=bool(is_open and case.next_review_at and case.next_review_at < today),
        leaves_band=leaves_on(case) if is_open else None,
        handover_pending=handover_pending(case, today),
        aged_out=out,
        closes_on=closes_on(case) if out else None,
        deletion_due=deleted,
        held_until=hold.until if hold else None,
        retention_ends=ends,
    )


# --- What the retention run closes and deletes (services/retention.py) ----------------------


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def held(today: dt.date) -> Exists:
    return Exists(
        LegalHold.objects.filter(case=OuterRef("pk"), lifted_at__isnull=True, until__gte=today)
    )


def past_retention(today: dt.date) -> Q:
    """Closed cases whose clock started on or before the forum's period before `today`
    (`deletion_due` gives the same day for the case page)."""
    periods = {retention_months(forum) for forum in Forum.objects.all()}
    default = settings.RETENTION_CLOSED_MONTHS
    condition = Q()
    for months in periods:
        before = local_midnight(add_months(today, -months) + dt.timedelta(days=1))
        forums = Q(forum__retention_months=months)
        if months == default:
            forums |= Q(forum__retention_months__isnull=True)
        condition |= forums & Q(retention_from__lt=before)
    return Q(status=Case.Status.CLOSED) & condition if periods else Q(pk__in=[])


def due_cases(today: dt.date) -> QuerySet[Case]:
    """Closed cases past their retention period and not on hold, oldest id first."""
    return Case.objects.filter(past_retention(today)).exclude(held(today)).order_by("pk")


def held_cases(today: dt.date) -> QuerySet[Case]:
    return Case.objects.filter(past_retention(today)).filter(held(today))


def due_concerns(today: dt.date) -> QuerySet[ConcernReport]:
    """Concern reports not opened into a case (screened out, forwarded, never screened, or
    to be opened and never opened), past their period since screening or receipt."""
    before = local_midnight(
        add_months(today, -settings.RETENTION_CONCERN_MONTHS) + dt.timedelta(days=1)
    )
    return (
        ConcernReport.objects.filter(case__isnull=True)
        .alias(since=Coalesce("decided_at", "received_at"))
        .filter(since__lt=before)
        .order_by("pk")
    )


def nothing_left() -> Q:
    return Q(
        ~Exists(Case.objects.filter(citizen=OuterRef("pk")))
        & ~Exists(ConcernReport.objects.filter(citizen=OuterRef("pk")))
        & ~Exists(Consent.objects.filter(citizen=OuterRef("pk")))
    )


def due_citizens(now: dt.datetime) -> QuerySet[Citizen]:
    """Citizens with nothing left, registered longer ago than the grace period."""
    registered_before = now - dt.timedelta(days=settings.RETENTION_CITIZEN_GRACE_DAYS)
    return Citizen.objects.filter(nothing_left(), created_at__lt=registered_before).order_by("pk")


def aged_out_to_close(today: dt.date) -> list[Case]:
    """Open cases whose closing countdown has run: the citizen left the band or track at
    least RETENTION_AGED_OUT_CLOSE_DAYS ago and no decision covers it (a SQL filter on the
    birth date per band, the exact birthday in Python)."""
    left_by = today - dt.timedelta(days=settings.RETENTION_AGED_OUT_CLOSE_DAYS)
    candidates = (
        Case.objects.open()
        .filter(may_leave_by(left_by))
        .select_related("citizen", "forum")
        .order_by("pk")
    )
    return [case for case in candidates.iterator(500) if countdown_over(case, today)]


def countdown_over(case: Case, today: dt.date) -> bool:
    closes = closes_on(case)
    return aged_out(case, today) and closes is not None and closes <= today


def would_delete_citizens(today: dt.date, now: dt.datetime) -> int:
    """For a dry run: the citizens the run would leave with nothing, and those who have
    nothing already."""
    cases = due_cases(today).values("pk")
    reports = Q(pk__in=due_concerns(today).values("pk")) | Q(case__in=cases)
    affected = (
        Citizen.objects.filter(
            Exists(Case.objects.filter(citizen=OuterRef("pk"), pk__in=cases))
            | Exists(ConcernReport.objects.filter(reports, citizen=OuterRef("pk")))
        )
        .exclude(Exists(Case.objects.filter(citizen=OuterRef("pk")).exclude(pk__in=cases)))
        .exclude(Exists(ConcernReport.objects.filter(citizen=OuterRef("pk")).exclude(reports)))
    )
    return affected.count() + due_citizens(now).count()
