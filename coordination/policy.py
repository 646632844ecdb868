"""The information-sharing rules of sharing-rules.md, as data.

This module is meant to be read by a municipality's lawyer: each table below mirrors a
section of sharing-rules.md, and nothing else in the code decides these questions. access.py and
services.py compile these tables into queryset filters and validations.

Local policy (marked "local" in sharing-rules.md) lives on the Forum rows (age bands, member units);
the law lives here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from coordination.models.choices import Category, EffortType, LegalBasis

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

U = Unit.Type
E = EffortType
B = LegalBasis
C = Category

POLICE = frozenset({U.POLICE_PREVENTION, U.POLICE_LOCAL})

# Unit types that never take part in prevention work and never see prevention data
# (retsplejeloven § 115, stk. 2, 2. pkt.: no use for the investigation of criminal cases).
INVESTIGATION = frozenset({U.POLICE_INVESTIGATION})

# Where a forum rests on consent (Exit), the consent must be written (sharing-rules.md 2).
WRITTEN_CONSENT_FORMS = frozenset({"written"})

# Bases that rest on a consent record (sharing-rules.md 1, 4).
CONSENT_BASES = frozenset({B.CONSENT, B.SUL43_CONSENT})
# Health-law bases: health information outside PSP travels on these only (sharing-rules.md 3).
HEALTH_BASES = frozenset({B.SUL43_CONSENT, B.SUL43_2_2})
KSP_BASES = frozenset({B.RPL115_KSP_A, B.RPL115_KSP_B, B.RPL115_KSP_C})


# --- sharing-rules.md 2: who may take part in which forum -------------------------------------


@dataclass(frozen=True)
class ForumRule:
    """Membership and bases of one forum type."""

    bases: frozenset[str]  # the § 115 (or consent) bases exchange in the forum rests on
    members: frozenset[str]  # unit types that may be members
    # unit types that may be members only when the forum has formally included them (their
    # unit is in the forum's member list) and whose participation raises a legal-review flag
    review: frozenset[str] = frozenset()
    consent_required: bool = False
    # unit types that may lead (chair) a case of the forum; empty: any member
    chair: frozenset[str] = frozenset()
    # unit types of which one must take part; until one does, the case is flagged for
    # legal review (sharing-rules.md 2)
    required: frozenset[str] = frozenset()
    # consent is sought (from the parents, and from the young person from 15): the case
    # is flagged until there is one, or a recorded decision to go on without it
    consent_sought: bool = False


_SSP_MEMBERS = POLICE | {U.SSP, U.SCHOOL, U.SOCIAL_SERVICES, U.FAMILY_SERVICES, U.KRIMINALFORSORGEN}

FORUM_RULES: dict[str, ForumRule] = {
    E.SSP: ForumRule(
        bases=frozenset({B.RPL115_SSP}),
        members=_SSP_MEMBERS,
        review=frozenset({U.JOBCENTER, U.YOUTH, U.COOPERATION, U.PSYCHIATRY}),
    ),
    E.SSP_PLUS: ForumRule(
        bases=frozenset({B.RPL115_SSP}),
        members=_SSP_MEMBERS | {U.JOBCENTER, U.YOUTH},
        review=frozenset({U.COOPERATION, U.PSYCHIATRY}),
    ),
    # The § 115 meeting (§ 115-udvalg): SSP chairs, the police must take part.
    E.S115: ForumRule(
        bases=frozenset({B.RPL115_SSP}),
        members=POLICE | {U.SSP, U.SOCIAL_SERVICES, U.FAMILY_SERVICES, U.SCHOOL},
        chair=frozenset({U.SSP}),
        required=POLICE,
        consent_sought=True,
    ),
    E.PSP: ForumRule(
        bases=frozenset({B.RPL115_PSP}),
        members=POLICE | {U.SOCIAL_SERVICES, U.PSYCHIATRY},
    ),
    E.KSP: ForumRule(
        bases=KSP_BASES,
        members=POLICE | {U.KRIMINALFORSORGEN, U.SOCIAL_SERVICES},
        review=frozenset({U.JOBCENTER}),
    ),
    E.KNOCK_KNOCK: ForumRule(
        bases=frozenset({B.RPL115_SSP}),
        members=POLICE | {U.SSP, U.FAMILY_SERVICES, U.JOBCENTER},
    ),
    E.INFOHUS: ForumRule(
        bases=frozenset({B.RPL115_SSP, B.RPL115_PSP}) | KSP_BASES,
        members=POLICE | {U.SSP, U.SOCIAL_SERVICES, U.PSYCHIATRY, U.KRIMINALFORSORGEN},
    ),
    E.EXIT: ForumRule(
        bases=frozenset({B.CONSENT}),
        members=POLICE | {U.SOCIAL_SERVICES, U.JOBCENTER, U.KRIMINALFORSORGEN},
        consent_required=True,
    ),
    E.PRE_EXIT: ForumRule(
        bases=frozenset({B.RPL115_SSP}),
        members=_SSP_MEMBERS | {U.JOBCENTER, U.YOUTH},
    ),
}


def may_take_part(effort_type: str, unit_type: str) -> bool:
    """Rule 1: the unit type may be a member (and so a participant) of such a forum."""
    if unit_type in INVESTIGATION:
        return False
    rule = FORUM_RULES[effort_type]
    return unit_type in rule.members or unit_type in rule.review


def needs_legal_review(effort_type: str, unit_type: str) -> bool:
    return unit_type in FORUM_RULES[effort_type].review


def may_chair(effort_type: str, unit_type: str) -> bool:
    """Whether a unit of this type may lead a case of such a forum (the § 115 meeting is
    chaired by SSP)."""
    chair = FORUM_RULES[effort_type].chair
    return not chair or unit_type in chair


def missing_required(effort_type: str, unit_types: set[str]) -> frozenset[str]:
    """The required unit types (one of them must take part) that none of `unit_types` is:
    empty when the composition is lawful, else the case needs legal review."""
    required = FORUM_RULES[effort_type].required
    return required if required and not (required & unit_types) else frozenset()


def rests_on_consent(effort_type: str, consent_required: bool = False) -> bool:
    """Whether a forum rests on consent (Exit, or a forum that has chosen to): no case, no
    participant and no content there without an active written consent covering the unit."""
    return consent_required or FORUM_RULES[effort_type].consent_required


def participant_bases(effort_type: str) -> frozenset[str]:
    """Bases a participant's access may rest on in such a forum."""
    return FORUM_RULES[effort_type].bases | {B.CONSENT}


# --- sharing-rules.md 3: who may see which category --------------------------------------------


@dataclass(frozen=True)
class ShareRule:
    """For an entry of `categories` by an author of `author_types` in `forums`: the bases it
    may be shared on. A row applies when forum, author type and category all match; the most
    specific matching row (the first in SHARE_RULES) wins."""

    forums: frozenset[str]
    author_types: frozenset[str] | None  # None: any author
    categories: frozenset[str] | None  # None: any category
    bases: frozenset[str]
    note: StrOrPromise
    with_forum_bases: bool = False  # the forum's own § 115 bases apply too


ALL_FORUMS = frozenset(FORUM_RULES)
NOT_PSP = ALL_FORUMS - {E.PSP}

SHARE_RULES: tuple[ShareRule, ...] = (
    ShareRule(
        forums=frozenset({E.PSP}),
        author_types=frozenset({U.PSYCHIATRY}),
        categories=frozenset({C.HEALTH}),
        bases=frozenset({B.RPL115_PSP}) | HEALTH_BASES,
        note=_("Health information from psychiatry is shared under § 115 nr. 2 in PSP."),
    ),
    ShareRule(
        forums=NOT_PSP,
        author_types=frozenset({U.PSYCHIATRY}),
        categories=frozenset({C.HEALTH}),
        bases=HEALTH_BASES,
        note=_(
            "Outside PSP, psychiatry's health information needs sundhedsloven § 43: "
            "consent, or § 43, stk. 2, nr. 2 decided by a health professional."
        ),
    ),
    ShareRule(
        forums=frozenset({E.EXIT}),
        author_types=None,
        categories=None,
        bases=frozenset({B.CONSENT}),
        note=_("Exit rests on the citizen's written, scoped consent."),
    ),
    ShareRule(
        forums=ALL_FORUMS - {E.EXIT},
        author_types=None,
        categories=None,
        bases=frozenset({B.CONSENT, B.FVL28, B.UNDERRETNING}),
        note=_("Inside a § 115 forum a participant may share what is necessary with the others."),
        with_forum_bases=True,
    ),
)


def share_bases(
    effort_type: str, author_type: str, category: str, *, consent_required: bool = False
) -> frozenset[str]:
    """The legal bases content of `category` may be shared on (empty: not at all). In a
    forum that rests on consent only the consent bases remain; ordinary disclosure between
    authorities (FVL28) never carries health information (sharing-rules.md 1)."""
    if author_type in INVESTIGATION:
        return frozenset()
    for rule in SHARE_RULES:
        if (
            effort_type in rule.forums
            and (rule.author_types is None or author_type in rule.author_types)
            and (rule.categories is None or category in rule.categories)
        ):
            extra = FORUM_RULES[effort_type].bases if rule.with_forum_bases else frozenset()
            bases = rule.bases | extra
            if category == C.HEALTH:
                bases -= NOT_FOR_HEALTH
            if rests_on_consent(effort_type, consent_required):
                bases &= CONSENT_BASES
            return bases
    return frozenset()


# Ordinary disclosure between authorities is not a basis for health information: that
# travels under § 115 in PSP or under sundhedsloven § 43 (sharing-rules.md 1, 3).
NOT_FOR_HEALTH = frozenset({B.FVL28})

# A referral outside the case (to a service, or to a unit not taking part) passes
# information on outside the § 115 cooperation: it rests on a basis of its own.
REFERRAL_OUTSIDE_BASES = frozenset({B.CONSENT, B.FVL28})

# The citizen's own request for insight (GDPR art. 15): the basis of handing them a print
# or a PDF of what is held about them.
INSIGHT_BASES = frozenset({B.GDPR15})


# --- sharing-rules.md 4: who may consent ---------------------------------------------------

# From this age a young person consents for themselves; below it a guardian does.
OWN_CONSENT_FROM_AGE = 15
# A guardian's consent ends when the citizen comes of age.
GUARDIAN_CONSENT_UNTIL_AGE = 18
CITIZEN, GUARDIAN, BOTH = "citizen", "guardian", "both"


def consent_givers(age: int) -> frozenset[str]:
    """Who may give a consent for a citizen of `age`: under 15 a guardian; from 15 the young
    person's own consent counts (a guardian may sign with them until 18, never instead of
    them); from 18 the citizen alone."""
    if age < OWN_CONSENT_FROM_AGE:
        return frozenset({GUARDIAN})
    if age < GUARDIAN_CONSENT_UNTIL_AGE:
        return frozenset({CITIZEN, BOTH})
    return frozenset({CITIZEN})


# Recipients that see some categories only when the author named their unit (sharing-rules.md 3).
# unit type -> categories it receives by default; anything else only when named.
DEFAULT_CATEGORIES: dict[str, frozenset[str]] = {
    U.JOBCENTER: frozenset({C.EMPLOYMENT, C.IDENTITY, C.GENERAL}),
    U.SCHOOL: frozenset(set(C) - {C.HEALTH}),
}

# The duty to notify goes to child welfare only.
UNDERRETNING_RECIPIENTS = frozenset({U.FAMILY_SERVICES})

# Bases that oblige someone to tell the citizen afterwards (sharing-rules.md 1: SUL43_2_2).
INFORM_PATIENT_BASES = frozenset({B.SUL43_2_2})
# Who may decide a SUL43_2_2 disclosure: a health professional's unit.
HEALTH_PROFESSIONAL_UNITS = frozenset({U.PSYCHIATRY})


def receives_by_default(unit_type: str, category: str) -> bool:
    """Whether a unit of this type sees `category` when addressed as "all participants"."""
    allowed = DEFAULT_CATEGORIES.get(unit_type)
    return allowed is None or category in allowed


def recipient_refusal(
    *, effort_type: str, unit_type: str, category: str, legal_basis: str, named: bool
) -> StrOrPromise | None:
    """Why a unit of `unit_type` may not receive such an entry, or None if it may.

    The reason is shown in the audience picker ("hvorfor ikke")."""
    if unit_type in INVESTIGATION:
        return _("Investigation never receives prevention data (retsplejeloven § 115, stk. 2).")
    if not may_take_part(effort_type, unit_type):
        return _("This unit type does not take part in this kind of forum.")
    if legal_basis == B.UNDERRETNING and unit_type not in UNDERRETNING_RECIPIENTS:
        return _("A notification goes to child welfare (family services) only.")
    if not named and not receives_by_default(unit_type, category):
        return _("This unit type receives this category only when named as a recipient.")
    return None


def access_purpose(effort_type: str, *, emergency: bool = False) -> str:
    """The purpose recorded with each access to a case (sharing-rules.md 3: a police user's purpose
    is recorded with each access; we record it for everyone). Codes, not prose, so that the
    audit log can be filtered by them."""
    return f"{'emergency' if emergency else 'prevention'}:{effort_type}"
