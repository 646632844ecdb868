from coordination.models.actions import Action
from coordination.models.audit import AuditEvent, AuditSample, AuditSampleItem, AuditSeal
from coordination.models.cases import Case, CaseParticipant, Contact, Entry
from coordination.models.choices import ALL_CATEGORIES, Category, EffortType, LegalBasis
from coordination.models.citizens import Citizen, RelatedPerson
from coordination.models.forums import Forum
from coordination.models.reminders import Notification, Reminder
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
    "AuditEvent",
    "AuditSample",
    "AuditSampleItem",
    "AuditSeal",
    "Case",
    "CaseGroupObjectPermission",
    "CaseParticipant",
    "CaseUserObjectPermission",
    "Category",
    "Citizen",
    "Consent",
    "ConsentDecision",
    "Contact",
    "EffortType",
    "EmergencyAccess",
    "Entry",
    "Forum",
    "LegalBasis",
    "Notification",
    "RelatedPerson",
    "Reminder",
]
