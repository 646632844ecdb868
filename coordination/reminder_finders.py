"""The finders of the reminder scan (coordination/reminders.py): each takes the moment of
the scan and returns the reminders that have come into their window and are not yet
recorded (the unique constraints make a reminder found twice harmless). One per kind of
deadline: actions, case reviews, consents ending, the age band's end, concern reports,
outcome snapshots."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from coordination import lifecycle, workflows
from coordination.models import (
    Action,
    ActionPlan,
    Case,
    CaseParticipant,
    ConcernReport,
    Consent,
    Reminder,
)

Kind = Reminder.Kind
OPEN_ACTION = (Action.Status.OPEN, Action.Status.IN_PROGRESS)


def _hours(n: int) -> dt.timedelta:
    return dt.timedelta(hours=n)


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _reminded(kind: str, subject: str, deadline: str) -> Exists:
    """A reminder of `kind` is recorded for this `subject` row and its `deadline` field."""
    return Exists(
        Reminder.objects.filter(kind=kind, **{subject: OuterRef("pk")}, deadline=OuterRef(deadline))
    )


def _actions(kind: str, window: Q) -> QuerySet[Action]:
    return (
        Action.objects.filter(status__in=OPEN_ACTION)
        .filter(window)
        .exclude(case__status=Case.Status.CLOSED)
        .filter(~_reminded(kind, "action", "due_at"))
    )


def _action_reminders(now: dt.datetime) -> list[Reminder]:
    soon = _hours(settings.REMINDER_DUE_SOON_HOURS)
    overdue = _hours(settings.REMINDER_OVERDUE_AFTER_HOURS)
    escalate = _days(settings.REMINDER_ESCALATE_AFTER_DAYS)
    # Each kind has a window, so an action found late does not get every kind at once.
    windows = {
        Kind.ACTION_DUE_SOON: Q(due_at__gt=now, due_at__lte=now + soon),
        Kind.ACTION_DUE: Q(due_at__lte=now, due_at__gt=now - overdue),
        Kind.ACTION_OVERDUE: Q(due_at__lte=now - overdue, due_at__gt=now - escalate),
        Kind.ACTION_ESCALATION: Q(due_at__lte=now - escalate),
        Kind.ACTION_ESCALATION_UNIT: Q(due_at__lte=now - 2 * escalate),
    }
    found: list[Reminder] = []
    for kind, window in windows.items():
        rows = _actions(kind, window).values_list(
            "pk",
            "case_id",
            "due_at",
            "responsible_id",
            "responsible_unit_id",
            "case__coordinator_id",
        )
        for pk, case_id, due_at, responsible, unit, coordinator in rows.iterator(2000):
            person: int | None = responsible
            team: int | None = None if responsible else unit
            if kind == Kind.ACTION_ESCALATION:
                person, team = coordinator, None if coordinator else unit
            elif kind == Kind.ACTION_ESCALATION_UNIT:
                person, team = None, unit
            found.append(
                Reminder(
                    kind=kind,
                    action_id=pk,
                    case_id=case_id,
                    deadline=due_at,
                    recipient_id=person,
                    recipient_unit_id=team,
                )
            )
    return found


def _lead_unit(case_field: str = "pk") -> Any:
    return Subquery(
        CaseParticipant.objects.filter(case=OuterRef(case_field), role=CaseParticipant.Role.LEAD)
        .order_by("pk")
        .values("unit_id")[:1]
    )


def case_reminders(
    kind: str,
    candidates: Sequence[tuple[int, dt.datetime, int | None, int | None]],
    subject: str = "case",
) -> list[Reminder]:
    """Reminders about cases (or another `subject`: a handleplan), (thing, deadline, person,
    unit) each: to the person, or to the unit when there is none. Those already recorded are
    left out (looked up for these things only, not the whole table)."""
    field = f"{subject}_id"
    existing: set[tuple[int, dt.datetime]] = set()
    for start in range(0, len(candidates), 1000):
        ids = [pk for pk, *_rest in candidates[start : start + 1000]]
        existing.update(
            Reminder.objects.filter(kind=kind, **{f"{field}__in": ids}).values_list(
                field, "deadline"
            )
        )
    return [
        Reminder(
            kind=kind,
            deadline=deadline,
            recipient_id=person,
            recipient_unit_id=None if person else unit,
            **{field: pk},
        )
        for pk, deadline, person, unit in candidates
        if (pk, deadline) not in existing
    ]


def open_cases() -> Any:
    return Case.objects.exclude(status=Case.Status.CLOSED).annotate(lead_unit=_lead_unit())


def _review_reminders(now: dt.datetime) -> list[Reminder]:
    """Open cases whose review date (a date: sharing-rules.md 6) comes within the lead time,
    has passed (the lead again) or passed long ago (the forum's coordinating unit). Each
    kind's deadline is the review date, so a new review date is a new reminder."""
    today = timezone.localtime(now).date()
    last_day = timezone.localtime(now + _days(settings.REMINDER_REVIEW_LEAD_DAYS)).date()
    rows = list(
        open_cases()
        .filter(next_review_at__isnull=False, next_review_at__lte=last_day)
        .values_list(
            "pk", "next_review_at", "coordinator_id", "lead_unit", "forum__coordinating_unit"
        )
        .iterator(2000)
    )
    escalate = _days(settings.REMINDER_REVIEW_ESCALATE_DAYS)
    return (
        case_reminders(
            Kind.CASE_REVIEW, [(pk, lifecycle.local_midnight(d), c, u) for pk, d, c, u, _f in rows]
        )
        + case_reminders(
            Kind.CASE_REVIEW_OVERDUE,
            [(pk, lifecycle.local_midnight(d), c, u) for pk, d, c, u, _f in rows if d < today],
        )
        + case_reminders(
            Kind.CASE_REVIEW_ESCALATION,
            # To the coordinators of the unit running the forum (the lead's, if none).
            [
                (pk, lifecycle.local_midnight(d), None, f or u)
                for pk, d, _c, u, f in rows
                if d + escalate <= today
            ],
        )
    )


def _consent_reminders(now: dt.datetime) -> list[Reminder]:
    lead = _days(settings.REMINDER_CONSENT_LEAD_DAYS)
    rows = (
        Consent.objects.filter(withdrawn_at__isnull=True, valid_until__isnull=False)
        .filter(valid_until__gt=now, valid_until__lte=now + lead)
        .filter(~_reminded(Kind.CONSENT_EXPIRING, "consent", "valid_until"))
        .values_list("pk", "valid_until", "recorded_by_id")
    )
    return [
        Reminder(kind=Kind.CONSENT_EXPIRING, consent_id=pk, deadline=at, recipient_id=by)
        for pk, at, by in rows.iterator(2000)
        if at is not None
    ]


def _age_band_reminders(now: dt.datetime) -> list[Reminder]:
    """Open cases whose citizen leaves the forum's band or the case's track (Knock Knock's
    15-17 ends at 18) within the lead time, without a decision covering that day: the lead
    is asked to decide (move track, transfer, continue or close), and told again on the day
    the citizen has left (the closing countdown starts; sharing-rules.md 6)."""
    today = timezone.localtime(now).date()
    lead = _days(settings.REMINDER_AGE_BAND_LEAD_DAYS)
    horizon = today + lead + _days(1)  # a day's slack
    cases = open_cases().filter(lifecycle.may_leave_by(horizon)).select_related("citizen", "forum")
    ahead, left = [], []
    for case in cases.iterator(2000):
        day = lifecycle.leaves_on(case)
        if day is None or case.band_decision_for == day or day - lead > today:
            continue
        row = (case.pk, lifecycle.local_midnight(day), case.coordinator_id, case.lead_unit)  # type: ignore[attr-defined]
        ahead.append(row)
        if day <= today:
            left.append(row)
    return case_reminders(Kind.AGE_BAND, ahead) + case_reminders(Kind.AGED_OUT, left)


def _concern_reminders(now: dt.datetime) -> list[Reminder]:
    """Concern reports to screen before their deadline (to the receiving unit's
    coordinators), and reporters to tell what came of theirs (to whoever screened it)."""
    lead = _hours(settings.REMINDER_CONCERN_LEAD_HOURS)
    found: list[Reminder] = []
    for kind, field, recipient, condition in (
        (Kind.CONCERN_SCREENING, "screening_due_at", None, Q(decision="")),
        (
            Kind.CONCERN_FEEDBACK,
            "feedback_due_at",
            "decided_by_id",
            Q(feedback_due_at__isnull=False, feedback_given_at__isnull=True),
        ),
    ):
        rows = (
            ConcernReport.objects.filter(condition, **{f"{field}__lte": now + lead})
            .filter(~_reminded(kind, "concern_report", field))
            .values_list("pk", field, "received_by_id", recipient or "recorded_by_id")
        )
        for pk, deadline, unit, person in rows.iterator(2000):
            found.append(
                Reminder(
                    kind=kind,
                    concern_report_id=pk,
                    deadline=deadline,
                    recipient_id=person if recipient else None,
                    recipient_unit_id=None if recipient else unit,
                )
            )
    return found


def _outcome_reminders(now: dt.datetime) -> list[Reminder]:
    """Open cases of the outcome forums whose 3-, 6- or 12-month snapshot falls due within
    the lead time (or fell due in the last month) and is not recorded."""
    lead = _days(settings.REMINDER_OUTCOME_LEAD_DAYS)
    today = timezone.localtime(now).date()
    last_day = timezone.localtime(now + lead).date()
    candidates = []
    for months in workflows.OUTCOME_MILESTONES:
        # Opened so that opened + months lies in [today - 30 days, last_day].
        opened_from = lifecycle.local_midnight(workflows.add_months(today, -months) - _days(30))
        opened_to = lifecycle.local_midnight(workflows.add_months(last_day, -months) + _days(1))
        rows = (
            open_cases()
            .filter(forum__effort_type__in=workflows.OUTCOME_FORUMS)
            .filter(opened_at__gte=opened_from, opened_at__lt=opened_to)
            .exclude(outcomes__milestone=months)
            .values_list("pk", "opened_at", "coordinator_id", "lead_unit")
        )
        for pk, opened_at, coordinator, unit in rows.iterator(2000):
            due = workflows.outcome_due_on(timezone.localtime(opened_at).date(), months)
            if due <= last_day:
                candidates.append((pk, lifecycle.local_midnight(due), coordinator, unit))
    return case_reminders(Kind.OUTCOME_DUE, candidates)


def action_plan_reminders(now: dt.datetime) -> list[Reminder]:
    """Handleplans not yet approved as 1 February of their year nears: to the lokalråd's
    secretariat `REMINDER_ACTION_PLAN_LEAD_DAYS` ahead, and again on the day."""
    today = timezone.localtime(now).date()
    lead = _days(settings.REMINDER_ACTION_PLAN_LEAD_DAYS)
    deadline = ActionPlan(year=today.year).deadline
    if today < deadline - lead:
        return []
    at = lifecycle.local_midnight(deadline)
    plans = [
        (pk, at, None, unit)
        for pk, unit in ActionPlan.objects.filter(status=ActionPlan.Status.DRAFT, year=today.year)
        .exclude(council__secretariat=None)
        .values_list("pk", "council__secretariat")
    ]
    return case_reminders(Kind.ACTION_PLAN_DUE, plans, "action_plan") + (
        case_reminders(Kind.ACTION_PLAN_DEADLINE, plans, "action_plan") if deadline == today else []
    )


FINDERS: tuple[Callable[[dt.datetime], list[Reminder]], ...] = (
    _action_reminders,
    _review_reminders,
    _consent_reminders,
    _age_band_reminders,
    _concern_reminders,
    _outcome_reminders,
    action_plan_reminders,
)
