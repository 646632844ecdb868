"""The work on a case beyond contacts and entries: Knock Knock offers, referrals, PSP
incidents, outcome snapshots at 3/6/12 months and the case's stage; and the parts of the
case page that show them (the drawn timeline, the incident counts, the milestones).

Access comes from access.py, writes go through the services, every page is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from coordination import access, services, workflows
from coordination.forms.casework import (
    IncidentForm,
    OfferAnswerForm,
    OfferForm,
    OutcomeForm,
    ReferralForm,
    ReferralUpdateForm,
    StageForm,
)
from coordination.models import (
    Action,
    Case,
    Category,
    Contact,
    EffortType,
    Entry,
    Incident,
    Offer,
    OutcomeSnapshot,
    Referral,
)
from coordination.views.base import case_form_view, case_object_view

# --- The pages --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def offer_new(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Nyt tilbud": an offer made to the young person, and their answer if given at once."""
    return case_form_view(
        request,
        pk,
        action=access.CaseAction.LOG_CONTACT,
        form_class=OfferForm,
        service=services.offer_make,
        template="coordination/casework/offer_new.html",
        done=_("The offer has been recorded."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The young person's answer to an open offer: accepted or declined."""
    return case_object_view(
        request,
        lambda user: access.get_case_object(user, Offer, pk, access.CaseAction.LOG_CONTACT),
        form_class=OfferAnswerForm,
        service=services.offer_answer,
        template="coordination/casework/offer_answer.html",
        done=_("The answer has been recorded."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Ny henvisning": refer the citizen to a unit of the forum or a named service (a
    disclosure, audited with its recipient)."""
    return case_form_view(
        request,
        pk,
        action=access.CaseAction.ADD_ENTRY,
        form_class=ReferralForm,
        service=services.referral_send,
        template="coordination/casework/referral_new.html",
        done=_("The referral has been sent."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a referral: its new status and the feedback that came back."""
    return case_object_view(
        request,
        lambda user: access.get_case_object(user, Referral, pk, access.CaseAction.LOG_CONTACT),
        form_class=ReferralUpdateForm,
        service=services.referral_update,
        template="coordination/casework/referral_update.html",
        done=_("The referral has been updated."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Ny hændelse" on a PSP case: a forced admission, a use of force, a new charge."""
    return case_form_view(
        request,
        pk,
        action=access.CaseAction.LOG_CONTACT,
        form_class=IncidentForm,
        service=services.incident_record,
        template="coordination/casework/incident_new.html",
        done=_("The incident has been recorded."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def outcome_new(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Opfølgningsstatus": where the citizen stands at a milestone after enrolment."""
    return case_form_view(
        request,
        pk,
        action=access.CaseAction.LOG_CONTACT,
        form_class=OutcomeForm,
        service=services.outcome_record,
        template="coordination/casework/outcome_new.html",
        done=_("The outcome snapshot has been recorded."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_stage(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the case to another of its forum type's stages (the case page posts here; the
    page itself shows the form again when the choice is refused)."""
    return case_form_view(
        request,
        pk,
        action=access.CaseAction.MANAGE,
        form_class=StageForm,
        service=services.case_set_stage,
        template="coordination/casework/case_stage.html",
        done=_("The case's stage has been changed."),
    )


# --- The case page's sections -----------------------------------------------------------------

# The timeline's drawing: a viewBox 1000 wide, a label column, one lane per kind of event.
TL_WIDTH, TL_LEFT, TL_RIGHT = 1000, 170, 980
TL_LANE, TL_TOP, TL_AXIS = 26, 14, 40
# Two date labels ("Oprettet 01-02-2026", about 130 units each) side by side; a second line.
TL_TICK_LABEL, TL_TICK_LINE = 280, 22

KIND_LABELS: dict[str, Any] = {
    "contact": gettext_lazy("Contacts"),
    "entry": gettext_lazy("Entries"),
    "offer": gettext_lazy("Offers"),
    "referral": gettext_lazy("Referrals"),
    "incident": gettext_lazy("Incidents"),
    "outcome": gettext_lazy("Outcome snapshots"),
    "action": gettext_lazy("Action deadlines"),
}


@dataclass
class TimelineEvent:
    """One dated thing on the case, for the drawn axis and the text list."""

    when: dt.datetime
    kind: str
    text: str
    x: float = 0.0
    y: float = 0.0

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())


def _events(
    *,
    contacts: Iterable[Contact],
    entries: Iterable[Entry],
    offers: Iterable[Offer],
    referrals: Iterable[Referral],
    incidents: Iterable[Incident],
    outcomes: Iterable[OutcomeSnapshot],
    actions: Iterable[Action],
) -> list[TimelineEvent]:
    events = [
        *(
            TimelineEvent(
                c.occurred_at, "contact", f"{c.get_kind_display()}: {c.get_result_display()}"
            )
            for c in contacts
        ),
        *(
            TimelineEvent(
                e.created_at, "entry", f"{e.get_category_display()} ({e.author_unit.name})"
            )
            for e in entries
        ),
        *(
            TimelineEvent(o.made_at, "offer", f"{o.get_kind_display()}: {o.get_status_display()}")
            for o in offers
        ),
        *(
            TimelineEvent(r.sent_at, "referral", f"{r}: {r.get_status_display()}")
            for r in referrals
        ),
        *(
            TimelineEvent(
                _noon(i.occurred_on), "incident", f"{i.get_kind_display()} ({i.source_unit.name})"
            )
            for i in incidents
        ),
        *(
            TimelineEvent(o.recorded_at, "outcome", str(o.get_milestone_display()))
            for o in outcomes
        ),
        *(
            TimelineEvent(a.due_at, "action", _("Deadline: %(what)s") % {"what": a.title})
            for a in actions
        ),
    ]
    events.sort(key=lambda event: (event.when, event.kind))
    return events


def _timeline(case: Case, events: list[TimelineEvent]) -> dict[str, Any]:
    """The events placed on one time axis from the opening to today (or the closing),
    stretched to take in events before (incidents) or after it (deadlines ahead)."""
    now = timezone.now()
    end_mark = case.closed_at or now
    start = min([case.opened_at, *(e.when for e in events)])
    end = max([end_mark, *(e.when for e in events)])
    span = max((end - start).total_seconds(), 86400.0)

    def x_of(when: dt.datetime) -> float:
        return round(TL_LEFT + (when - start).total_seconds() / span * (TL_RIGHT - TL_LEFT), 1)

    kinds = [kind for kind in KIND_LABELS if any(e.kind == kind for e in events)]
    lanes = [
        {
            "kind": kind,
            "label": KIND_LABELS[kind],
            "y": TL_TOP + i * TL_LANE + TL_LANE // 2,
            "text_y": TL_TOP + i * TL_LANE + TL_LANE // 2 + 5,
        }
        for i, kind in enumerate(kinds)
    ]
    lane_y = {lane["kind"]: lane["y"] for lane in lanes}
    for event in events:
        event.x, event.y = x_of(event.when), float(lane_y[event.kind])
    axis_y = TL_TOP + len(lanes) * TL_LANE + 6
    opened_x, end_mark_x = x_of(case.opened_at), x_of(end_mark)
    # The two date labels stay inside the drawing and apart: the opening's label runs right
    # of its mark unless it would run into the end label (or off the edge); then it goes on
    # a line of its own below, ending at its mark (TL_LEFT leaves room for it).
    opened_below = end_mark_x - opened_x < TL_TICK_LABEL
    return {
        "events": events,
        "lanes": lanes,
        "width": TL_WIDTH,
        "height": axis_y + TL_AXIS + (TL_TICK_LINE if opened_below else 0),
        "left": TL_LEFT,
        "right": TL_RIGHT,
        "axis_y": axis_y,
        "label_y": axis_y + 26,
        "start": start,
        "end": end,
        "opened_x": opened_x,
        "opened_anchor": "end" if opened_below else "start",
        "opened_label_y": axis_y + 26 + (TL_TICK_LINE if opened_below else 0),
        "end_mark": end_mark,
        "end_mark_x": end_mark_x,
        "closed": case.closed_at is not None,
    }


def _incident_counts(case: Case, incidents: list[Incident], seen: set[str]) -> dict[str, Any]:
    """The citizen's incidents per kind in the 12 months before and after enrolment (of the
    kinds the user receives), with bars for the small chart."""
    opened = timezone.localtime(case.opened_at).date()
    months = workflows.INCIDENT_COUNT_WINDOW_MONTHS
    first, last = workflows.add_months(opened, -months), workflows.add_months(opened, months)
    rows: list[dict[str, Any]] = []
    for kind, label in Incident.Kind.choices:
        if Incident.CATEGORY[kind] not in seen:
            continue
        of_kind = [i for i in incidents if i.kind == kind]
        before = sum(1 for i in of_kind if first <= i.occurred_on < opened)
        after = sum(1 for i in of_kind if opened <= i.occurred_on <= last)
        rows.append({"kind": kind, "label": label, "before": before, "after": after})
    peak = max([1, *(max(r["before"], r["after"]) for r in rows)])
    bar_max, group = 80, 60
    for index, row in enumerate(rows):
        row["x"] = 10 + index * (group + 20)
        for side in ("before", "after"):
            height = round(bar_max * row[side] / peak)
            row[f"{side}_h"], row[f"{side}_y"] = height, 10 + bar_max - height
    return {
        "rows": rows,
        "before": sum(r["before"] for r in rows),
        "after": sum(r["after"] for r in rows),
        "first": first,
        "opened": opened,
        "last": last,
        "width": max(10 + len(rows) * (group + 20), 100),
        "height": 10 + bar_max + 4,
        "base_y": 10 + bar_max,
    }


def _milestones(case: Case, outcomes: list[OutcomeSnapshot]) -> list[dict[str, Any]]:
    """The 3/6/12-month milestones with their due dates: recorded, due, overdue or ahead."""
    opened = timezone.localtime(case.opened_at).date()
    today = timezone.localdate()
    soon = today + dt.timedelta(days=settings.REMINDER_OUTCOME_LEAD_DAYS)
    recorded = {o.milestone: o for o in outcomes}
    labels = dict(OutcomeSnapshot.Milestone.choices)
    rows = []
    for months in workflows.OUTCOME_MILESTONES:
        due_on = workflows.outcome_due_on(opened, months)
        snapshot = recorded.get(months)
        if snapshot is not None:
            state = "recorded"
        elif due_on < today:
            state = "overdue"
        elif due_on <= soon:
            state = "due"
        else:
            state = "ahead"
        rows.append(
            {
                "months": months,
                "label": labels[months],
                "due_on": due_on,
                "snapshot": snapshot,
                "state": state,
            }
        )
    return rows


def case_page_context(
    user: Any,
    case: Case,
    *,
    entries: list[Entry],
    contacts: list[Contact],
    actions: list[Action],
) -> dict[str, Any]:
    """What the case page shows of the case work, in a constant number of queries: offers,
    referrals, incidents (of the categories the user receives) with their counts, outcome
    milestones, the stage form and the drawn timeline. `incident_categories` is for the
    page's audit event."""
    effort = case.forum.effort_type
    offers = list(access.offers_for(user, case).select_related("contact"))
    referrals = list(access.referrals_for(user, case))
    psp = effort in workflows.INCIDENT_FORUMS
    seen = access.categories_seen(user, case)
    incidents = list(access.incidents_for(user, case)) if psp else []
    outcome_forum = effort in workflows.OUTCOME_FORUMS
    outcomes = list(access.outcomes_for(user, case)) if outcome_forum else []
    age = case.citizen.age_on(timezone.localdate())
    events = _events(
        contacts=contacts,
        entries=entries,
        offers=offers,
        referrals=referrals,
        incidents=incidents,
        outcomes=outcomes,
        actions=actions,
    )
    knock_knock = effort == EffortType.KNOCK_KNOCK
    context: dict[str, Any] = {
        "knock_knock": knock_knock,
        # The 15-17 track works with the guardians: parent contacts name one of them.
        "guardians": list(case.citizen.related_persons.all()) if knock_knock else [],
        "stage_label": workflows.label(workflows.stages(effort), case.stage) if case.stage else "",
        "stage_form": StageForm(user=user, case=case)
        if getattr(case, "can_manage_case", False)
        else None,
        "outside_band": not case.forum.age_in_band(age),
        "offers": offers,
        "referrals": referrals,
        "psp": psp,
        "incidents": incidents,
        "incident_counts": _incident_counts(case, incidents, seen) if psp else None,
        "outcome_forum": outcome_forum,
        "outcomes": outcomes,
        "milestones": _milestones(case, outcomes) if outcome_forum else [],
        "timeline": _timeline(case, events),
        "closure_label": (
            workflows.label(workflows.closure_reasons(effort), case.closure_code)
            if case.closure_code
            else ""
        ),
        "incident_categories": sorted({i.category for i in incidents}),
        # An outcome's "new police contact" is police information (sharing-rules.md 3).
        "sees_police": Category.POLICE in seen,
    }
    return context
