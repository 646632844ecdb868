from coordination.models.audit import AuditEvent
from coordination.models.cases import Case, CaseParticipant, Contact, Entry
from coordination.models.choices import ALL_CATEGORIES, Category, EffortType, LegalBasis
from coordination.models.citizens import Citizen, RelatedPerson
from coordination.models.forums import Forum

__all__ = [
    "ALL_CATEGORIES",
    "AuditEvent",
    "Case",
    "CaseParticipant",
    "Category",
    "Citizen",
    "Contact",
    "EffortType",
    "Entry",
    "Forum",
    "LegalBasis",
    "RelatedPerson",
]
