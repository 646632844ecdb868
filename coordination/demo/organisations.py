"""The demo's structure: organisations, units, forums and personas, and which unit leads a
forum's cases and which categories a unit receives or writes about (docs/demo-data.md).

Everything here is fictitious except the public shape of North Jutland: the police
district, the region's psychiatry, Kriminalforsorgen and the nine municipalities.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Membership, Organisation, Unit
from coordination.models.choices import ALL_CATEGORIES, Category, EffortType, LegalBasis

DEFAULT_DEMO_PASSWORD = "samraad-demo-2026"  # noqa: S105 (public demo password)
DEMO_URL = "http://127.0.0.1:8000/"

_O = Organisation.Type
_U = Unit.Type
_R = Membership.Role
_E = EffortType
_L = LegalBasis
_C = Category


# --- Organisations and units --------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationSpec:
    name: str
    org_type: str
    municipality_code: str = ""


@dataclass(frozen=True)
class UnitSpec:
    name: str
    organisation: str
    unit_type: str
    municipality: str = ""


POLICE = "Nordjyllands Politi"
PSYCHIATRY = "Psykiatrien i Region Nordjylland"
KRIMINALFORSORGEN = "Kriminalforsorgen"

# Municipality, its code (Danmarks Statistik), its local police unit and the psychiatry
# department serving it. Aalborg's "local police" in PSP and SSP is the prevention unit.
MUNICIPALITIES: tuple[tuple[str, str, str, str], ...] = (
    # municipality     code   local police                 serving psychiatry
    ("Aalborg",        "851", "Forebyggelse Aalborg",      "Almenpsykiatrisk Afdeling Syd"),
    ("Brønderslev",    "810", "Nærpoliti Brønderslev",     "Almenpsykiatrisk Afdeling Nord"),
    ("Frederikshavn",  "813", "Lokalpoliti Frederikshavn", "Almenpsykiatrisk Afdeling Nord"),
    ("Hjørring",       "860", "Lokalpoliti Hjørring",      "Almenpsykiatrisk Afdeling Nord"),
    ("Jammerbugt",     "849", "Nærpoliti Brønderslev",     "Almenpsykiatrisk Afdeling Nord"),
    ("Læsø",           "825", "Lokalpoliti Frederikshavn", "Almenpsykiatrisk Afdeling Nord"),
    ("Mariagerfjord",  "846", "Lokalpoliti Hobro",         "Almenpsykiatrisk Afdeling Syd"),
    ("Rebild",         "840", "Lokalpoliti Hobro",         "Almenpsykiatrisk Afdeling Syd"),
    ("Vesthimmerland", "820", "Nærpoliti Aars",            "Almenpsykiatrisk Afdeling Syd"),
)  # fmt: skip
LOCAL_POLICE: dict[str, str] = {m: police for m, _code, police, _psy in MUNICIPALITIES}
SERVING_PSYCHIATRY: dict[str, str] = {m: psy for m, _code, _police, psy in MUNICIPALITIES}


def municipality_organisation(municipality: str) -> str:
    return f"{municipality} Kommune"


def ssp_unit(municipality: str) -> str:
    return f"SSP {municipality}"


def social_unit(municipality: str) -> str:
    return f"Socialforvaltningen {municipality}"


def family_unit(municipality: str) -> str:
    return "Familiegrupperne" if municipality == "Aalborg" else f"Børn og Familie {municipality}"


def jobcenter_unit(municipality: str) -> str:
    return f"Jobcenter {municipality}"


ORGANISATIONS: tuple[OrganisationSpec, ...] = (
    OrganisationSpec(POLICE, _O.POLICE),
    OrganisationSpec(PSYCHIATRY, _O.REGION),
    OrganisationSpec(KRIMINALFORSORGEN, _O.KRIMINALFORSORGEN),
    *(
        OrganisationSpec(municipality_organisation(m), _O.MUNICIPALITY, code)
        for m, code, _police, _psy in MUNICIPALITIES
    ),
)

# Units outside the municipalities' standard four, one per line.
_OTHER_UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("Forebyggelse Aalborg", POLICE, _U.POLICE_PREVENTION, "Aalborg"),
    UnitSpec("Lokalpoliti Hjørring", POLICE, _U.POLICE_LOCAL, "Hjørring"),
    UnitSpec("Lokalpoliti Frederikshavn", POLICE, _U.POLICE_LOCAL, "Frederikshavn"),
    UnitSpec("Lokalpoliti Hobro", POLICE, _U.POLICE_LOCAL, "Mariagerfjord"),
    UnitSpec("Nærpoliti Aars", POLICE, _U.POLICE_LOCAL, "Vesthimmerland"),
    UnitSpec("Nærpoliti Brønderslev", POLICE, _U.POLICE_LOCAL, "Brønderslev"),
    # Exists only to show that prevention data never reaches investigation.
    UnitSpec("Efterforskning", POLICE, _U.POLICE_INVESTIGATION),
    UnitSpec("Kredsrådssekretariatet", POLICE, _U.ADMINISTRATION),
    UnitSpec("Intern revision", POLICE, _U.ADMINISTRATION),
    UnitSpec("Systemadministration", POLICE, _U.ADMINISTRATION),
    UnitSpec("Almenpsykiatrisk Afdeling Syd", PSYCHIATRY, _U.PSYCHIATRY),
    UnitSpec("Almenpsykiatrisk Afdeling Nord", PSYCHIATRY, _U.PSYCHIATRY),
    UnitSpec("Retspsykiatrisk Afdeling", PSYCHIATRY, _U.PSYCHIATRY),
    UnitSpec("Børne- og Ungdomspsykiatrisk Afdeling", PSYCHIATRY, _U.PSYCHIATRY),
    UnitSpec("KiF Nordjylland", KRIMINALFORSORGEN, _U.KRIMINALFORSORGEN),
    UnitSpec("Skoler Aalborg", "Aalborg Kommune", _U.SCHOOL, "Aalborg"),
    UnitSpec("UngAalborg", "Aalborg Kommune", _U.YOUTH, "Aalborg"),
    UnitSpec("Tryg Aalborg", "Aalborg Kommune", _U.COOPERATION, "Aalborg"),
    # The lokalråd's secretariats (the handleplan, the deadline; statistics only).
    UnitSpec("Lokalrådssekretariatet Aalborg", "Aalborg Kommune", _U.COOPERATION, "Aalborg"),
    UnitSpec("Lokalrådssekretariatet Hjørring", "Hjørring Kommune", _U.COOPERATION, "Hjørring"),
)

# Every municipality: SSP, social services, family services and a jobcenter.
_MUNICIPAL_UNITS: tuple[UnitSpec, ...] = tuple(
    UnitSpec(name(m), municipality_organisation(m), unit_type, m)
    for m, _code, _police, _psy in MUNICIPALITIES
    for name, unit_type in (
        (ssp_unit, _U.SSP),
        (social_unit, _U.SOCIAL_SERVICES),
        (family_unit, _U.FAMILY_SERVICES),
        (jobcenter_unit, _U.JOBCENTER),
    )
)

UNITS: tuple[UnitSpec, ...] = _OTHER_UNITS + _MUNICIPAL_UNITS

POLICE_UNITS_FOR_PREVENTION: tuple[str, ...] = tuple(
    u.name for u in _OTHER_UNITS if u.unit_type in (_U.POLICE_PREVENTION, _U.POLICE_LOCAL)
)
PSYCHIATRY_UNITS: tuple[str, ...] = tuple(
    u.name for u in _OTHER_UNITS if u.unit_type == _U.PSYCHIATRY
)
ALL_MUNICIPALITIES: tuple[str, ...] = tuple(m for m, _code, _police, _psy in MUNICIPALITIES)


# --- Forums -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForumSpec:
    name: str
    effort_type: str
    default_legal_basis: str
    members: tuple[str, ...]
    municipality: str = ""
    age_min: int | None = None
    age_max: int | None = None
    consent_required: bool = False
    # The unit running the forum (an overdue review escalates to its coordinators); by
    # default the first member.
    coordinating_unit: str = ""

    @property
    def coordinator(self) -> str:
        return self.coordinating_unit or self.members[0]


# PSP areas: Læsø shares Frederikshavn's PSP.
PSP_AREAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Aalborg", ("Aalborg",)),
    ("Brønderslev", ("Brønderslev",)),
    ("Frederikshavn og Læsø", ("Frederikshavn", "Læsø")),
    ("Hjørring", ("Hjørring",)),
    ("Jammerbugt", ("Jammerbugt",)),
    ("Mariagerfjord", ("Mariagerfjord",)),
    ("Rebild", ("Rebild",)),
    ("Vesthimmerland", ("Vesthimmerland",)),
)
SSP_PLUS_MUNICIPALITIES: tuple[str, ...] = ("Aalborg", "Hjørring", "Frederikshavn")
SCHOOL_UNITS: dict[str, str] = {"Aalborg": "Skoler Aalborg"}


def _psp(area: str, municipalities: tuple[str, ...]) -> ForumSpec:
    first = municipalities[0]
    return ForumSpec(
        name=f"PSP {area}",
        effort_type=_E.PSP,
        default_legal_basis=_L.RPL115_PSP,
        members=(
            LOCAL_POLICE[first],
            *(social_unit(m) for m in municipalities),
            SERVING_PSYCHIATRY[first],
        ),
        municipality=first,
        age_min=18,
    )


def _ssp(m: str) -> ForumSpec:
    school = (SCHOOL_UNITS[m],) if m in SCHOOL_UNITS else ()
    return ForumSpec(
        name=f"SSP {m}",
        effort_type=_E.SSP,
        default_legal_basis=_L.RPL115_SSP,
        members=(ssp_unit(m), LOCAL_POLICE[m], *school, social_unit(m), family_unit(m)),
        municipality=m,
        age_min=10,
        age_max=17,
    )


def _ssp_plus(m: str) -> ForumSpec:
    return ForumSpec(
        name=f"SSP+ {m}",
        effort_type=_E.SSP_PLUS,
        default_legal_basis=_L.RPL115_SSP,
        members=(
            ssp_unit(m),
            LOCAL_POLICE[m],
            social_unit(m),
            jobcenter_unit(m),
            "KiF Nordjylland",
        ),
        municipality=m,
        age_min=18,
        age_max=25,
    )


FORUMS: tuple[ForumSpec, ...] = (
    *(_psp(area, ms) for area, ms in PSP_AREAS),
    *(_ssp(m) for m in ALL_MUNICIPALITIES),
    *(_ssp_plus(m) for m in SSP_PLUS_MUNICIPALITIES),
    ForumSpec(
        name="Knock Knock Aalborg",
        effort_type=_E.KNOCK_KNOCK,
        default_legal_basis=_L.RPL115_SSP,
        members=("SSP Aalborg", "Familiegrupperne", "Jobcenter Aalborg", "Forebyggelse Aalborg"),
        municipality="Aalborg",
        age_min=15,
        age_max=25,
        coordinating_unit="Forebyggelse Aalborg",
    ),
    ForumSpec(
        name="KSP Nordjylland",
        effort_type=_E.KSP,
        default_legal_basis=_L.RPL115_KSP_A,
        members=(
            "KiF Nordjylland",
            *(social_unit(m) for m in ALL_MUNICIPALITIES),
            *POLICE_UNITS_FOR_PREVENTION,
        ),
    ),
    ForumSpec(
        name="Infohus Nordjylland",
        effort_type=_E.INFOHUS,
        default_legal_basis=_L.RPL115_SSP,
        members=(
            *POLICE_UNITS_FOR_PREVENTION,
            *(ssp_unit(m) for m in ALL_MUNICIPALITIES),
            *(social_unit(m) for m in ALL_MUNICIPALITIES),
            *PSYCHIATRY_UNITS,
            "KiF Nordjylland",
        ),
    ),
    ForumSpec(
        name="Exit Nordjylland",
        effort_type=_E.EXIT,
        default_legal_basis=_L.CONSENT,
        members=(
            "Forebyggelse Aalborg",
            "Socialforvaltningen Aalborg",
            "Jobcenter Aalborg",
            "KiF Nordjylland",
        ),
        consent_required=True,
    ),
)


# --- Personas -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    username: str
    first_name: str
    last_name: str
    who: str
    unit: str
    role: str
    superuser: bool = False


# The usernames are part of the product's contract (docs/demo-data.md); tests and docs use them.
PERSONAS: tuple[Persona, ...] = (
    Persona("ssp.aalborg", "Mette", "Kristensen", "SSP worker", "SSP Aalborg", _R.CASEWORKER),
    Persona("politi.forebyg", "Lars", "Nielsen", "Police prevention officer",
            "Forebyggelse Aalborg", _R.COORDINATOR),
    Persona("politi.efterforsk", "Henrik", "Madsen",
            "Police investigator (must never see prevention entries)", "Efterforskning",
            _R.CASEWORKER),
    Persona("psyk.syd", "Hanne", "Sørensen", "Psychiatry contact",
            "Almenpsykiatrisk Afdeling Syd", _R.CASEWORKER),
    Persona("job.aalborg", "Jesper", "Pedersen", "Jobcenter caseworker", "Jobcenter Aalborg",
            _R.CASEWORKER),
    Persona("fam.aalborg", "Camilla", "Jensen", "Family caseworker", "Familiegrupperne",
            _R.CASEWORKER),
    Persona("social.aalborg", "Susanne", "Hansen", "Social services caseworker",
            "Socialforvaltningen Aalborg", _R.CASEWORKER),
    Persona("ssp.hjoerring", "Thomas", "Larsen", "SSP worker (outsider to Aalborg cases)",
            "SSP Hjørring", _R.CASEWORKER),
    Persona("skole.aalborg", "Louise", "Andersen", "School SSP contact teacher",
            "Skoler Aalborg", _R.CASEWORKER),
    Persona("statistik", "Karen", "Rasmussen", "Statistics for the Kredsråd (aggregates only)",
            "Kredsrådssekretariatet", _R.STATISTICS),
    Persona("lokalraad.aalborg", "Anne", "Poulsen",
            "Secretary of the Aalborg lokalråd (statistics only)",
            "Lokalrådssekretariatet Aalborg", _R.STATISTICS),
    Persona("lokalraad.hjoerring", "Morten", "Thomsen",
            "Secretary of the Hjørring lokalråd (statistics only)",
            "Lokalrådssekretariatet Hjørring", _R.STATISTICS),
    Persona("revisor", "Peter", "Christensen", "Auditor (audit log, not case content)",
            "Intern revision", _R.AUDITOR),
    Persona("admin", "Birgitte", "Mortensen", "System administrator", "Systemadministration",
            _R.ADMIN, superuser=True),
)  # fmt: skip

PERSONA_USERNAMES: tuple[str, ...] = tuple(p.username for p in PERSONAS)


# --- Cases: who leads, who gets which categories ------------------------------------------

# Forum -> (lead unit, persona who opens the case and manages its participants).
FORUM_LEADS: dict[str, tuple[str, str]] = {
    "PSP Aalborg": ("Forebyggelse Aalborg", "politi.forebyg"),
    "Knock Knock Aalborg": ("SSP Aalborg", "ssp.aalborg"),
    "SSP Aalborg": ("SSP Aalborg", "ssp.aalborg"),
    "SSP+ Aalborg": ("SSP Aalborg", "ssp.aalborg"),
    "Exit Nordjylland": ("Forebyggelse Aalborg", "politi.forebyg"),
    "SSP Hjørring": ("SSP Hjørring", "ssp.hjoerring"),
    "SSP+ Hjørring": ("SSP Hjørring", "ssp.hjoerring"),
}

# Categories a participant unit receives (sharing-rules.md 3); every other unit gets all of them.
PARTICIPANT_CATEGORIES: dict[str, list[str]] = {
    _U.JOBCENTER: [_C.IDENTITY, _C.EMPLOYMENT, _C.GENERAL],
    _U.SCHOOL: [_C.IDENTITY, _C.SCHOOL, _C.GENERAL],
}


def participant_categories(unit_type: str) -> list[str]:
    return list(PARTICIPANT_CATEGORIES.get(unit_type, ALL_CATEGORIES))


# The categories each kind of unit writes about in the demo entries.
AUTHOR_CATEGORIES: dict[str, tuple[str, ...]] = {
    _U.POLICE_PREVENTION: (_C.POLICE, _C.POLICE, _C.GENERAL),
    _U.POLICE_LOCAL: (_C.POLICE, _C.GENERAL),
    _U.SSP: (_C.GENERAL, _C.SCHOOL, _C.SOCIAL),
    _U.SOCIAL_SERVICES: (_C.SOCIAL, _C.SOCIAL, _C.IDENTITY, _C.GENERAL),
    _U.FAMILY_SERVICES: (_C.SOCIAL, _C.GENERAL),
    _U.JOBCENTER: (_C.EMPLOYMENT, _C.EMPLOYMENT, _C.GENERAL),
    _U.SCHOOL: (_C.SCHOOL, _C.SCHOOL, _C.GENERAL),
    _U.PSYCHIATRY: (_C.HEALTH,),
}
