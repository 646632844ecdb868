"""Every write in the coordination domain, one module per area (the same areas as views/,
forms/, templates/ and tests/). Each service is atomic, takes the acting user, asks
access.py whether the act is allowed, validates its input (ValidationError with field
names, so forms and the API can show the message) and writes its audit event.

Callers use the package: `services.case_open(...)`; the names below are its public surface."""

from coordination.services._common import CLOCK_SKEW
from coordination.services.actions import (
    action_complete,
    action_create,
    action_reassign,
    check_deadline,
    notifications_mark_read,
)
from coordination.services.auditing import (
    INSIGHT_REASONING_MIN_LENGTH,
    SAMPLE_MAX,
    audit_sample_conclude,
    audit_sample_draw,
    insight_exception_add,
)
from coordination.services.cases import (
    case_close,
    case_open,
    case_set_stage,
)
from coordination.services.casework import (
    incident_record,
    offer_answer,
    offer_make,
    outcome_record,
    referral_send,
    referral_update,
)
from coordination.services.citizens import (
    Identification,
    RekeyResult,
    citizen_create,
    citizen_for_opening,
    citizen_get_or_create,
    citizen_identify,
    citizen_lookup,
    citizen_register,
    citizens_rekey,
    citizens_rekey_chunk,
    related_person_add,
)
from coordination.services.consents import (
    GIVER_REFUSALS,
    coming_of_age,
    consent_covering,
    consent_decision_record,
    consent_for_opening,
    consent_record,
    consent_register,
    consent_withdraw,
)
from coordination.services.disclosures import (
    Channel,
    Document,
    disclosure_bases,
    disclosure_check,
    disclosure_record,
    disclosures_record,
)
from coordination.services.emergency import (
    EMERGENCY_ACCESS_DURATION,
    EMERGENCY_REASON_MIN_LENGTH,
    emergency_access_open,
    emergency_access_review,
)
from coordination.services.governance import (
    Share,
    content_share_again,
)
from coordination.services.intake import (
    concern_feedback_record,
    concern_report_create,
    concern_report_identify,
    concern_report_screen,
)
from coordination.services.meetings import (
    agenda_item_action,
    agenda_item_record,
    meeting_add_case,
    meeting_schedule,
    meeting_set_attendees,
    minutes_distribute,
)
from coordination.services.participants import (
    expected_grants,
    grants_expire,
    grants_repair,
    grants_sync,
    participant_add,
    participant_end,
)
from coordination.services.retention import RetentionSummary, apply_retention
from coordination.services.reviews import (
    case_handover,
    case_review,
    legal_hold_check,
    legal_hold_lift,
    legal_hold_place,
)
from coordination.services.sharing import (
    INFORM_PATIENT_WITHIN,
    contact_log,
    entry_share,
)

__all__ = [
    "CLOCK_SKEW",
    "EMERGENCY_ACCESS_DURATION",
    "EMERGENCY_REASON_MIN_LENGTH",
    "GIVER_REFUSALS",
    "INFORM_PATIENT_WITHIN",
    "INSIGHT_REASONING_MIN_LENGTH",
    "SAMPLE_MAX",
    "Channel",
    "Document",
    "Identification",
    "RekeyResult",
    "RetentionSummary",
    "Share",
    "action_complete",
    "action_create",
    "action_reassign",
    "agenda_item_action",
    "agenda_item_record",
    "apply_retention",
    "audit_sample_conclude",
    "audit_sample_draw",
    "case_close",
    "case_handover",
    "case_open",
    "case_review",
    "case_set_stage",
    "check_deadline",
    "citizen_create",
    "citizen_for_opening",
    "citizen_get_or_create",
    "citizen_identify",
    "citizen_lookup",
    "citizen_register",
    "citizens_rekey",
    "citizens_rekey_chunk",
    "coming_of_age",
    "concern_feedback_record",
    "concern_report_create",
    "concern_report_identify",
    "concern_report_screen",
    "consent_covering",
    "consent_decision_record",
    "consent_for_opening",
    "consent_record",
    "consent_register",
    "consent_withdraw",
    "contact_log",
    "content_share_again",
    "disclosure_bases",
    "disclosure_check",
    "disclosure_record",
    "disclosures_record",
    "emergency_access_open",
    "emergency_access_review",
    "entry_share",
    "expected_grants",
    "grants_expire",
    "grants_repair",
    "grants_sync",
    "incident_record",
    "insight_exception_add",
    "legal_hold_check",
    "legal_hold_lift",
    "legal_hold_place",
    "meeting_add_case",
    "meeting_schedule",
    "meeting_set_attendees",
    "minutes_distribute",
    "notifications_mark_read",
    "offer_answer",
    "offer_make",
    "outcome_record",
    "participant_add",
    "participant_end",
    "referral_send",
    "referral_update",
    "related_person_add",
]
