"""The life of a case (sharing-rules.md 6): the lead unit's reviews ("still necessary", or
close), its decision when the citizen leaves the forum's band or track (move to the 18-25
track, transfer to another forum, continue with a reason, or close), and legal holds."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from coordination import access, audit, lifecycle
from coordination.models import Case, CaseReview, EffortType, Forum, LegalHold
from coordination.services._common import acting_unit
from coordination.services.cases import case_close, case_open
from coordination.workflows import add_months

Decision = CaseReview.Decision

# The longest a hold may run before it must be placed again.
HOLD_MAX_YEARS = 5


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the decision.")})
    return reason


@transaction.atomic
def case_review(
    *,
    actor: User,
    case: Case,
    decision: str,
    reason: str,
    next_review_at: dt.date | None = None,
    code: str = "other",
) -> CaseReview:
    """The lead unit reviews an open case: still necessary (a short reason and the next
    review date, at most the forum's interval ahead) or close it (with a closure reason)."""
    unit = acting_unit(actor, case, access.CaseAction.CLOSE, None)
    reason = _reason(reason)
    today = timezone.localdate()
    if decision == Decision.CONTINUE:
        latest = lifecycle.next_review(case.forum, today)
        next_review_at = next_review_at or latest
        if not today < next_review_at <= latest:
            raise ValidationError(
                {
                    "next_review_at": _(
                        "The next review must come after today and at most %(months)s months ahead."
                    )
                    % {"months": lifecycle.review_months(case.forum)}
                }
            )
        case.next_review_at = next_review_at
        case.save(update_fields=["next_review_at"])
    elif decision == Decision.CLOSE:
        case_close(actor=actor, case=case, reason=reason, code=code)
        next_review_at = None
    else:
        raise ValidationError({"decision": _("Choose whether the case goes on or is closed.")})
    return _recorded(
        CaseReview(
            case=case,
            kind=CaseReview.Kind.REVIEW,
            decision=decision,
            reason=reason,
            next_review_at=next_review_at,
            reviewed_by=actor,
            unit=unit,
        ),
        change="case_review",
        next_review_at=next_review_at,
    )


def _recorded(review: CaseReview, *, change: str, **detail: object) -> CaseReview:
    """Save the lead unit's review or decision and write its audit event (the reason is
    the lead's own text: never in the log)."""
    review.save()
    audit.write_event(
        actor=review.reviewed_by,
        action=audit.Action.CHANGE,
        obj=review.case,
        unit=review.unit,
        detail={"change": change, "decision": review.decision, **detail},
    )
    return review


def _transfer(
    actor: User, case: Case, day: dt.date, to_forum: Forum | None, lead_unit: Unit | None
) -> Case:
    """Open the citizen's case in `to_forum` (the band it fits from `day`); nothing of the
    old case moves with it: what the new forum needs is shared again on its own basis."""
    errors: dict[str, str] = {}
    if to_forum is None or to_forum.pk == case.forum_id:
        errors["to_forum"] = _("Choose the forum the case moves to.")
    elif not to_forum.age_in_band(case.citizen.age_on(day)):
        errors["to_forum"] = _("The citizen does not fit that forum's age band.")
    if lead_unit is None:
        errors["lead_unit"] = _("Choose the unit that leads the new case.")
    if errors:
        raise ValidationError(errors)
    assert to_forum is not None and lead_unit is not None  # noqa: S101 (checked above)
    early = not to_forum.age_in_band(case.citizen.age_on(timezone.localdate()))
    return case_open(
        actor=actor,
        citizen=case.citizen,
        forum=to_forum,
        lead_unit=lead_unit,
        track=lifecycle.NEXT_TRACK if to_forum.effort_type == EffortType.KNOCK_KNOCK else "",
        # Taken over ahead of the birthday: the band fits from that day.
        age_override_reason=(
            _("Taken over from %(case)s at the age band's end") % {"case": case.reference}
            if early
            else ""
        ),
    )


@transaction.atomic
def case_handover(
    *,
    actor: User,
    case: Case,
    decision: str,
    reason: str,
    to_forum: Forum | None = None,
    lead_unit: Unit | None = None,
) -> CaseReview:
    """The lead unit's decision as the citizen leaves the forum's band or track: move a
    Knock Knock case to the 18-25 track, transfer it (an SSP case to SSP+), keep it past the
    band with a reason, or close it. The decision covers that day: the case is no longer
    flagged and its closing countdown stops."""
    unit = acting_unit(actor, case, access.CaseAction.CLOSE, None)
    reason = _reason(reason)
    day = lifecycle.leaves_on(case)
    if day is None:
        raise ValidationError(
            {"decision": _("The case's forum and track have no upper age: nothing to decide.")}
        )
    if not lifecycle.handover_pending(case):
        raise ValidationError(
            {
                "decision": _(
                    "No decision is due: the citizen leaves the band on %(day)s, and the "
                    "decision is taken from %(days)s days before."
                )
                % {
                    "day": date_format(day, "SHORT_DATE_FORMAT"),
                    "days": settings.REMINDER_AGE_BAND_LEAD_DAYS,
                }
            }
        )
    transferred: Case | None = None
    if decision == Decision.MOVE_TRACK:
        if case.track != lifecycle.HANDOVER_TRACK:
            raise ValidationError({"decision": _("Only a case on the 15-17 track can move.")})
        case.track = lifecycle.NEXT_TRACK
    elif decision == Decision.TRANSFER:
        transferred = _transfer(actor, case, day, to_forum, lead_unit)
        case_close(actor=actor, case=case, reason=reason, code="other_effort")
    elif decision == Decision.CONTINUE:
        case.age_override_reason = reason
    elif decision == Decision.CLOSE:
        case_close(actor=actor, case=case, reason=reason, code="aged_out")
    else:
        raise ValidationError({"decision": _("Choose one of the decisions.")})
    case.band_decision_for = day
    case.save(update_fields=["track", "age_override_reason", "band_decision_for"])
    return _recorded(
        CaseReview(
            case=case,
            kind=CaseReview.Kind.HANDOVER,
            decision=decision,
            reason=reason,
            transferred_to=transferred,
            reviewed_by=actor,
            unit=unit,
        ),
        change="case_handover",
        leaves_band_on=day,
        transferred_to=transferred.pk if transferred else None,
    )


def legal_hold_check(reason: str, until: dt.date | None) -> str:
    """The hold's reason, stripped; a ValidationError by field if it or the date is wrong
    (the date: after today, at most HOLD_MAX_YEARS ahead)."""
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if until is None or not today < until <= add_months(today, 12 * HOLD_MAX_YEARS):
        errors["until"] = _("A hold runs until a day after today, at most %(years)s years.") % {
            "years": HOLD_MAX_YEARS
        }
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for the hold.")
    if errors:
        raise ValidationError(errors)
    return reason.strip()


@transaction.atomic
def legal_hold_place(*, actor: User, case: Case, reason: str, until: dt.date) -> LegalHold:
    """Stop the case's deletion until `until` (a coordinator of a unit taking part, or an
    administrator). The hold lapses by itself on that day."""
    access.require_hold(actor, case)
    reason = legal_hold_check(reason, until)
    hold = LegalHold.objects.create(case=case, reason=reason, until=until, placed_by=actor)
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=case,
        detail={"change": "legal_hold", "hold": hold.pk, "until": until},
    )
    return hold


@transaction.atomic
def legal_hold_lift(*, actor: User, hold: LegalHold) -> LegalHold:
    """End a hold before its date (the case's deletion date applies again)."""
    access.require_hold(actor, hold.case)
    if hold.lifted_at is None:
        hold.lifted_at, hold.lifted_by = timezone.now(), actor
        hold.save(update_fields=["lifted_at", "lifted_by"])
        audit.write_event(
            actor=actor,
            action=audit.Action.CHANGE,
            obj=hold.case,
            detail={"change": "legal_hold_lift", "hold": hold.pk},
        )
    return hold
