"""Local rules of the workflows, as readable tables (sharing-rules.md: "local" rules are
configuration a municipality's lawyer or coordinator can check and adjust here, without
touching the code that applies them).

- how soon a concern report must be screened, by urgency, and the reporter told;
- the stages a case moves through and the reasons it may close with, per forum type;
- when outcome snapshots are due after enrolment;
- how far ahead a meeting's agenda takes cases whose review is due.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from coordination.models.choices import EffortType
from coordination.models.intake import ConcernReport

E = EffortType
U = ConcernReport.Urgency

# --- Intake ---------------------------------------------------------------------------------

# Screening deadline from receipt, by urgency (the cooperation plan's red/amber/green).
SCREENING_DEADLINES: dict[str, dt.timedelta] = {
    U.RED: dt.timedelta(hours=24),
    U.AMBER: dt.timedelta(days=3),
    U.GREEN: dt.timedelta(days=10),
}
# The reporter hears back within this long after the screening decision.
FEEDBACK_WITHIN = dt.timedelta(days=7)
# Decisions that tie the report to a case (opened now, or one the citizen already has).
CASE_DECISIONS = frozenset(
    {ConcernReport.Decision.OPEN_CASE, ConcernReport.Decision.ADD_TO_EXISTING}
)
# Decisions that need a recipient named (to whom it was forwarded).
RECIPIENT_DECISIONS = frozenset({ConcernReport.Decision.FORWARD})


# --- Stages and closure reasons, per forum type -----------------------------------------------

_COMMON_CLOSURE = (
    ("goal_reached", _("The goal is reached")),
    ("moved", _("Moved out of the municipality")),
    ("other_effort", _("Transferred to another effort")),
    ("declined", _("The citizen declined")),
    ("aged_out", _("Outside the forum's age band")),
    ("other", _("Other")),
)

STAGES: dict[str, tuple[tuple[str, object], ...]] = {
    E.PSP: (
        ("visitation", _("Visitation")),
        ("plan", _("Coordinated plan")),
        ("follow_up", _("Follow-up")),
        ("closing", _("Closing")),
    ),
    E.KNOCK_KNOCK: (
        ("nominated", _("Nominated")),
        ("outreach", _("Outreach (knock visits)")),
        ("engaged", _("Engaged: offers under way")),
        ("follow_up", _("Follow-up")),
    ),
}
DEFAULT_STAGES: tuple[tuple[str, object], ...] = (
    ("screening", _("Screening")),
    ("effort", _("Effort under way")),
    ("follow_up", _("Follow-up")),
)

CLOSURE_REASONS: dict[str, tuple[tuple[str, object], ...]] = {
    E.PSP: (
        ("stable", _("Stable: no longer needs the coordinated effort")),
        ("admitted", _("Admitted to long-term treatment or housing")),
        ("deceased", _("Deceased")),
        *_COMMON_CLOSURE,
    ),
    E.KNOCK_KNOCK: (
        ("education_or_job", _("In education or a job")),
        ("no_contact", _("No contact after repeated visits")),
        ("charged", _("Charged: handed to the ordinary process")),
        *_COMMON_CLOSURE,
    ),
}


def stages(effort_type: str) -> tuple[tuple[str, object], ...]:
    return STAGES.get(effort_type, DEFAULT_STAGES)


def closure_reasons(effort_type: str) -> tuple[tuple[str, object], ...]:
    return CLOSURE_REASONS.get(effort_type, _COMMON_CLOSURE)


def label(options: tuple[tuple[str, object], ...], code: str) -> str:
    return str(dict(options).get(code, code))


# --- Outcome snapshots and meetings -------------------------------------------------------------

# Months after enrolment (the case's opening) when an outcome snapshot is due.
OUTCOME_MILESTONES = (3, 6, 12)
# Forum types whose cases take outcome snapshots.
OUTCOME_FORUMS = frozenset({E.PSP, E.KNOCK_KNOCK, E.SSP_PLUS, E.PRE_EXIT, E.EXIT})
# Forum types whose cases record PSP incidents.
INCIDENT_FORUMS = frozenset({E.PSP})
# Incidents are counted this long before and after enrolment.
INCIDENT_COUNT_WINDOW_MONTHS = 12
# A meeting's agenda takes the forum's cases whose review falls due before the meeting or
# within this long after it.
AGENDA_REVIEW_HORIZON = dt.timedelta(days=14)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months (the 31st becomes the month's last day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def outcome_due_on(opened_on: dt.date, milestone: int) -> dt.date:
    return add_months(opened_on, milestone)
