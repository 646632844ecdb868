"""Intake: concern reports (bekymringshenvendelser), their screening and the reporter's
feedback."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from coordination import access, audit, reminders, workflows
from coordination.models import (
    Case,
    Category,
    Citizen,
    ConcernReport,
    Forum,
)
from coordination.services import governance
from coordination.services._common import CLOCK_SKEW
from coordination.services.cases import case_open


@transaction.atomic
def concern_report_create(
    *,
    actor: User,
    forum: Forum,
    received_by: Unit,
    channel: str,
    urgency: str,
    summary: str,
    reporter: str = "",
    reporter_contact: str = "",
    citizen: Citizen | None = None,
    received_at: dt.datetime | None = None,
    category: str = Category.GENERAL,
) -> ConcernReport:
    """Record a concern received by one of the actor's units in a forum; the screening
    deadline follows from the urgency (workflows.SCREENING_DEADLINES). Without a citizen
    the report is anonymised: the forum may discuss it before anyone is identified."""
    if not access.may_act_for(actor, forum, received_by):
        raise PermissionDenied(_("You cannot record concerns in this forum for that unit."))
    received = received_at or timezone.now()
    errors: dict[str, str] = {}
    if urgency not in workflows.SCREENING_DEADLINES:
        errors["urgency"] = _("Choose red, amber or green.")
    if received > timezone.now() + CLOCK_SKEW:
        errors["received_at"] = _("A concern cannot be received in the future.")
    if category not in Category.values:
        errors["category"] = _("Choose one of the categories.")
    if errors:
        raise ValidationError(errors)
    report = ConcernReport(
        forum=forum,
        received_by=received_by,
        received_at=received,
        recorded_by=actor,
        channel=channel,
        urgency=urgency,
        reporter=(reporter or "").strip(),
        reporter_contact=(reporter_contact or "").strip(),
        summary=(summary or "").strip(),
        citizen=citizen,
        screening_due_at=received + workflows.SCREENING_DEADLINES[urgency],
        # The concern's texts are the receiving unit's, shared with the forum's intake.
        category=category,
        legal_basis=forum.default_legal_basis,
    )
    report.full_clean(exclude=["forum", "received_by", "recorded_by", "citizen", "decided_by"])
    report.save()
    recipients = governance.record_intake_recipients(report, actor=actor)
    audit.write_event(
        actor=actor,
        action=audit.Action.CREATE,
        obj=report,
        unit=received_by,
        legal_basis=forum.default_legal_basis,
        categories=[category],
        detail={
            "channel": channel,
            "urgency": urgency,
            "anonymous": citizen is None,
            "recipients": recipients,
        },
    )
    return report


@transaction.atomic
def concern_report_identify(
    *, actor: User, report: ConcernReport, citizen: Citizen
) -> ConcernReport:
    """Name the citizen an anonymised concern is about (once)."""
    if report.citizen_id is not None:
        raise ValidationError({"citizen": _("The concern already names a citizen.")})
    report.citizen = citizen
    report.save(update_fields=["citizen"])
    audit.write_event(
        actor=actor, action=audit.Action.CHANGE, obj=report, detail={"change": "identify"}
    )
    return report


@transaction.atomic
def concern_report_screen(
    *,
    actor: User,
    report: ConcernReport,
    decision: str,
    note: str = "",
    lead_unit: Unit | None = None,
    case: Case | None = None,
    forwarded_to: str = "",
    track: str = "",
    age_override_reason: str = "",
) -> ConcernReport:
    """Screen a concern: the decision, its reasoning, and what follows from it. "Open a
    case" opens one in the report's forum (the nomination accepted); "add to an existing
    case" ties it to an open case of the citizen the actor can see. The reporter's feedback
    is due FEEDBACK_WITHIN later, when there is a reporter to tell."""
    if not access.works_in_forum(actor, report.forum_id):
        raise PermissionDenied
    if report.is_screened:
        raise ValidationError(_("The concern has already been screened."))
    errors: dict[str, str] = {}
    if decision not in ConcernReport.Decision.values:
        errors["decision"] = _("Choose a screening decision.")
    if decision in workflows.CASE_DECISIONS and report.citizen_id is None:
        errors["decision"] = _("Identify the citizen before tying the concern to a case.")
    if decision in workflows.RECIPIENT_DECISIONS and not forwarded_to.strip():
        errors["forwarded_to"] = _("Say whom the concern was forwarded to.")
    if decision == ConcernReport.Decision.ADD_TO_EXISTING and (
        case is None
        or case.citizen_id != report.citizen_id
        or not access.cases_for(actor, access.CaseAction.LOG_CONTACT).filter(pk=case.pk).exists()
    ):
        errors["case"] = _("Choose an open case of this citizen that you work on.")
    if decision == ConcernReport.Decision.OPEN_CASE and lead_unit is None:
        errors["lead_unit"] = _("Choose the unit that leads the case.")
    if errors:
        raise ValidationError(errors)
    if decision == ConcernReport.Decision.OPEN_CASE:
        assert report.citizen is not None and lead_unit is not None  # noqa: S101 (checked)
        case = case_open(
            actor=actor,
            citizen=report.citizen,
            forum=report.forum,
            lead_unit=lead_unit,
            track=track,
            age_override_reason=age_override_reason,
        )
    now = timezone.now()
    report.decision = decision
    report.decision_note = (note or "").strip()
    report.forwarded_to = forwarded_to.strip() if decision in workflows.RECIPIENT_DECISIONS else ""
    report.decided_at, report.decided_by = now, actor
    report.case = case if decision in workflows.CASE_DECISIONS else None
    report.feedback_due_at = now + workflows.FEEDBACK_WITHIN if report.reporter else None
    report.save()
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=report,
        case_id=report.case_id,
        legal_basis=report.forum.default_legal_basis,
        detail={"change": "screen", "decision": decision, "case": report.case_id},
    )
    return report


@transaction.atomic
def concern_feedback_record(*, actor: User, report: ConcernReport, note: str) -> ConcernReport:
    """Record that the reporter was told what came of the concern (without its details)."""
    if not access.works_in_forum(actor, report.forum_id):
        raise PermissionDenied
    if not report.is_screened:
        raise ValidationError(_("Screen the concern before giving feedback."))
    if report.feedback_given_at is not None:
        raise ValidationError(_("The feedback has already been recorded."))
    if not report.reporter:
        raise ValidationError(_("The concern names no reporter to give feedback to."))
    report.feedback_given_at, report.feedback_by = timezone.now(), actor
    report.feedback_note = (note or "").strip()[:500]
    report.save(update_fields=["feedback_given_at", "feedback_by", "feedback_note"])
    reminders.reminders_drop(concern_report=report)
    audit.write_event(
        actor=actor, action=audit.Action.CHANGE, obj=report, detail={"change": "feedback"}
    )
    return report
