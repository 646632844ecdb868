from coordination.models.actions import Action
from coordination.models.audit import (
    AuditEvent,
    AuditSample,
    AuditSampleItem,
    AuditSeal,
    InsightException,
)
from coordination.models.cases import Case, CaseParticipant, Contact, Entry
from coordination.models.casework import Incident, Offer, OutcomeSnapshot, Referral
from coordination.models.choices import ALL_CATEGORIES, Category, EffortType, LegalBasis
from coordination.models.citizens import Citizen, RelatedPerson
from coordination.models.content import Recipient, SharedContent
from coordination.models.councils import (
    ActionPlan,
    ActionPlanItem,
    BoTrygtStatus,
    CooperationPlan,
    Council,
    CouncilMeeting,
    CouncilMember,
    FocusArea,
    PreventionActivity,
)
from coordination.models.forums import Forum
from coordination.models.intake import ConcernReport
from coordination.models.meetings import AgendaItem, Meeting, MinutesDistribution
from coordination.models.reminders import Notification, Reminder
from coordination.models.retention import CaseReview, LegalHold, RetiredCount
from coordination.models.sharing import (
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Consent,
    ConsentDecision,
    EmergencyAccess,
)

__all__ = [
    "ALL_CATEGORIES",
    "Action",
    "ActionPlan",
    "ActionPlanItem",
    "AgendaItem",
    "AuditEvent",
    "AuditSample",
    "AuditSampleItem",
    "AuditSeal",
    "BoTrygtStatus",
    "Case",
    "CaseGroupObjectPermission",
    "CaseParticipant",
    "CaseReview",
    "CaseUserObjectPermission",
    "Category",
    "Citizen",
    "ConcernReport",
    "Consent",
    "ConsentDecision",
    "Contact",
    "CooperationPlan",
    "Council",
    "CouncilMeeting",
    "CouncilMember",
    "EffortType",
    "EmergencyAccess",
    "Entry",
    "FocusArea",
    "Forum",
    "Incident",
    "InsightException",
    "LegalBasis",
    "LegalHold",
    "Meeting",
    "MinutesDistribution",
    "Notification",
    "Offer",
    "OutcomeSnapshot",
    "PreventionActivity",
    "Recipient",
    "Referral",
    "RelatedPerson",
    "Reminder",
    "RetiredCount",
    "SharedContent",
]
