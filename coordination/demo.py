"""The North Jutland demo data (docs SEED_DATA.md) as readable tables.

Everything here is fictitious except the public shape of North Jutland: the police
district, the region's psychiatry, Kriminalforsorgen and the nine municipalities. The
management command `seed_demo` writes these tables through the services; this module
only describes them and has no database access.

Fictitious CPR numbers
----------------------
Demo citizens get CPR numbers that are syntactically valid (coordination/cpr.py) and
recognisable as demo numbers by one rule:

    DDMMYY-99NN   sequence part 9900-9999, where NN is the citizen's index (00-99) in
                  `citizen_specs()`.

The seventh digit 9 gives, by the CPR office's century rule, birth years 2000-2036 for
YY 00-36 and 1937-1999 for YY 37-99, which covers every demo age. As in real numbers,
the last digit is odd for men and even for women, so NN's parity gives the gender. No
sequence range is officially reserved and numbers issued since 2007 need not pass the
modulus-11 check, so a demo number may in principle equal a real person's: demo data must
never be mixed with real data (the command refuses to run unless DEBUG is on or --force).

Citizens are deterministic: names, birthdays (day and month), target ages, guardians and
everything else come from `random.Random(DEMO_SEED)`, the same on every run. Only the
birth *year* follows the calendar, so that ages fit the forums' age bands as of today:
a cohort with the age band lo-hi gets birth year `anchor_year - a` with `a` in lo+1..hi,
so the age is `a - 1` or `a` (within lo-hi) on every day of the anchor year. Within one
calendar year the numbers are therefore identical on every run; `candidate_cprs()` gives
a citizen's numbers for every anchor year since `DEMO_FIRST_YEAR`, so a re-run in a later
year recognises the citizens it created earlier instead of creating new ones.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from accounts.models import Membership, Organisation, Unit
from coordination.models.choices import ALL_CATEGORIES, Category, EffortType, LegalBasis

DEMO_SEED = 20260115
DEMO_FIRST_YEAR = 2026
DEMO_SEQUENCE_BASE = 9900
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


# The usernames are part of the product's contract (SEED_DATA.md); tests and docs use them.
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

# Categories a participant unit receives (LEGAL.md 3); every other unit gets all of them.
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


# --- Citizens -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cohort:
    """`size` citizens with a case in `forum`, aged `ages` (inclusive) as of today.

    The first `also_count` of them also get a case in `also_in`.
    """

    forum: str
    size: int
    ages: tuple[int, int]
    track: str = ""
    also_in: str = ""
    also_count: int = 0


COHORTS: tuple[Cohort, ...] = (
    #      forum                  size  ages      track    also a case in       how many
    Cohort("PSP Aalborg",          14, (20, 60)),
    Cohort("Knock Knock Aalborg",   7, (15, 17), "15-17", "SSP Aalborg",        2),
    Cohort("Knock Knock Aalborg",   7, (18, 25), "18-25"),
    Cohort("SSP Aalborg",          12, (12, 17)),
    Cohort("SSP+ Aalborg",          7, (18, 25), "",      "Exit Nordjylland",   1),
    Cohort("Exit Nordjylland",      5, (20, 35)),
    Cohort("SSP Hjørring",          5, (12, 17)),
    Cohort("SSP+ Hjørring",         3, (18, 25)),
)  # fmt: skip

# Common Danish names: "young" for people under 30, "adult" for the others and for parents.
FIRST_NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("female", "young"): (
        "Emma", "Ida", "Freja", "Sofie", "Laura", "Clara", "Anna", "Mathilde", "Karla",
        "Alberte", "Josefine", "Maja",
    ),
    ("male", "young"): (
        "William", "Noah", "Oscar", "Lucas", "Victor", "Malthe", "Emil", "Magnus", "Frederik",
        "Oliver", "Alfred", "Elias",
    ),
    ("female", "adult"): (
        "Anne", "Mette", "Kirsten", "Hanne", "Susanne", "Lene", "Charlotte", "Pia", "Camilla",
        "Louise", "Marianne", "Tina",
    ),
    ("male", "adult"): (
        "Peter", "Jens", "Lars", "Michael", "Henrik", "Søren", "Thomas", "Martin", "Jesper",
        "Morten", "Anders", "Brian",
    ),
}  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen",
    "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen",
)  # fmt: skip


@dataclass(frozen=True)
class GuardianSpec:
    name: str
    relation: str  # RelatedPerson.Relation value
    has_custody: bool


@dataclass(frozen=True)
class CaseSpec:
    forum: str
    track: str = ""


@dataclass(frozen=True)
class CitizenSpec:
    index: int
    first_name: str
    last_name: str
    birth_month: int
    birth_day: int
    target_age: int  # age reached on the birthday in the anchor year
    male: bool
    protected_address: bool
    guardians: tuple[GuardianSpec, ...]
    cases: tuple[CaseSpec, ...]

    def birth_date(self, anchor_year: int) -> dt.date:
        return dt.date(anchor_year - self.target_age, self.birth_month, self.birth_day)

    def cpr(self, anchor_year: int) -> str:
        """The ten digits for the citizen created in `anchor_year` (see the module doc)."""
        return f"{self.birth_date(anchor_year):%d%m%y}{DEMO_SEQUENCE_BASE + self.index:04d}"


def citizen_specs() -> list[CitizenSpec]:
    """The demo citizens, the same on every run (random.Random(DEMO_SEED))."""
    rng = random.Random(DEMO_SEED)
    specs: list[CitizenSpec] = []
    used_names: set[tuple[str, str]] = set()
    for cohort in COHORTS:
        low, high = cohort.ages
        for position in range(cohort.size):
            index = len(specs)
            male = index % 2 == 1  # CPR: odd last digit for men
            target_age = rng.randint(low + 1, high)
            generation = "young" if target_age < 30 else "adult"
            while True:
                first = rng.choice(FIRST_NAMES["male" if male else "female", generation])
                last = rng.choice(LAST_NAMES)
                if (first, last) not in used_names:
                    used_names.add((first, last))
                    break
            guardians: list[GuardianSpec] = []
            if target_age <= 17 and rng.random() < 0.6:  # certainly a minor today
                mother = rng.choice(FIRST_NAMES["female", "adult"])
                guardians.append(GuardianSpec(f"{mother} {last}", "mother", True))
                if rng.random() < 0.5:
                    father = rng.choice(FIRST_NAMES["male", "adult"])
                    father_last = rng.choice(LAST_NAMES)
                    custody = rng.random() < 0.7
                    guardians.append(GuardianSpec(f"{father} {father_last}", "father", custody))
            cases = [CaseSpec(cohort.forum, cohort.track)]
            if position < cohort.also_count:
                cases.append(CaseSpec(cohort.also_in))
            specs.append(
                CitizenSpec(
                    index=index,
                    first_name=first,
                    last_name=last,
                    birth_month=rng.randint(1, 12),
                    birth_day=rng.randint(1, 28),
                    target_age=target_age,
                    male=male,
                    protected_address=rng.random() < 0.05,
                    guardians=tuple(guardians),
                    cases=tuple(cases),
                )
            )
    if len(specs) > 100:
        raise ValueError("The demo CPR rule allows at most 100 citizens (sequence 9900-9999).")
    return specs


def candidate_cprs(spec: CitizenSpec, today: dt.date) -> list[str]:
    """The citizen's numbers for every anchor year up to `today`, newest first."""
    first = min(DEMO_FIRST_YEAR, today.year)
    return [spec.cpr(year) for year in range(today.year, first - 1, -1)]


# --- Texts for contacts and entries (all fictitious) --------------------------------------

CONTACT_KINDS: dict[str, tuple[str, ...]] = {
    # effort type -> kinds of contact logged
    _E.PSP: ("phone", "home_visit", "meeting", "street", "letter"),
    _E.SSP: ("concern_talk", "parent_contact", "phone", "meeting", "street", "home_visit"),
    _E.SSP_PLUS: ("phone", "meeting", "street", "concern_talk"),
    _E.EXIT: ("meeting", "phone", "meeting"),
    _E.KNOCK_KNOCK: ("knock_visit",),
}

CONTACT_RESULTS: dict[str, tuple[str, ...]] = {
    "knock_visit": ("not_home", "conversation_held", "conversation_held", "refused",
                    "offer_accepted", "offer_declined"),
    "home_visit": ("not_home", "conversation_held", "offer_accepted", "refused"),
    "phone": ("no_answer", "reached", "conversation_held"),
    "letter": ("reached", "no_answer"),
    "street": ("conversation_held", "reached", "refused"),
    "concern_talk": ("conversation_held", "offer_accepted", "offer_declined"),
    "meeting": ("conversation_held", "offer_accepted", "offer_declined"),
    "parent_contact": ("reached", "conversation_held"),
}  # fmt: skip

CONTACT_NOTES: dict[str, tuple[str, ...]] = {
    "not_home": (
        "Ingen hjemme. Visitkort med telefonnummer lagt i postkassen.",
        "Ingen lukkede op; prøver igen en anden aften.",
    ),
    "no_answer": ("Ingen svar. Prøver igen i næste uge.", "Tog ikke telefonen; sms sendt."),
    "refused": (
        "Ønskede ikke at tale med os. Tilbuddet om en samtale står åbent.",
        "Afviste kontakt, men tog imod visitkortet.",
    ),
    "reached": ("Kort kontakt; aftalt at ringe igen.", "Fik fat i borgeren; ny tid aftalt."),
    "conversation_held": (
        "Samtale om hverdag, venner og fritid. Virkede åben.",
        "God samtale; fortalte selv om uro i omgangskredsen.",
        "Samtale på ca. 15 minutter; aftalt at følge op.",
    ),
    "offer_accepted": (
        "Takkede ja til et forløb; første møde er aftalt.",
        "Takkede ja til en mentor og en fritidsaktivitet.",
    ),
    "offer_declined": (
        "Takkede nej til tilbuddet indtil videre.",
        "Ikke interesseret lige nu; må gerne kontaktes igen om en måned.",
    ),
}

# Notes for kinds of contact where the note by result would read oddly.
CONTACT_NOTES_BY_KIND: dict[str, tuple[str, ...]] = {
    "letter": ("Brev sendt med tilbud om en samtale.", "Brev sendt med mødeindkaldelse."),
    "parent_contact": (
        "Talt med forælder om bekymringen; forælderen vil gerne samarbejde.",
        "Forælder orienteret om SSP-samarbejdet og næste skridt.",
    ),
}

# Entry texts by target group and category. "minor": under 18, "adult": 18 and over, "exit":
# cases in an exit forum (replacing the adult texts).
ENTRY_TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "minor": {
        _C.POLICE: (
            "Set flere gange sammen med ældre unge med tilknytning til et kriminelt miljø.",
            "Var til stede ved uro ved busterminalen; ingen sigtelse.",
            "Forebyggende samtale holdt sammen med forælder.",
        ),
        _C.SCHOOL: (
            "Fraværet er steget til ca. 20 % i dette skoleår; kontaktlæreren har holdt "
            "møde med forældrene.",
            "Fungerer fagligt, men er ofte i konflikt med andre elever i frikvartererne.",
            "Tilbudt en mentor på skolen fra næste uge.",
        ),
        _C.SOCIAL: (
            "Familien har takket ja til familiebehandling; første samtale er aftalt.",
            "Der er iværksat en børnefaglig undersøgelse.",
            "Tilknyttet en kontaktperson to timer om ugen.",
        ),
        _C.GENERAL: (
            "Aftalt at SSP tager næste kontakt og melder tilbage på næste møde.",
            "Fælles plan: én fast voksen og ugentlig opfølgning.",
            "Er startet i en fritidsklub og kommer der to gange om ugen.",
        ),
        _C.EMPLOYMENT: (
            "Interesseret i et fritidsjob; vejledningsmøde aftalt.",
            "Har fået fritidsjob i et supermarked.",
        ),
        _C.IDENTITY: ("Familien er flyttet inden for kommunen; kontaktoplysninger opdateret.",),
    },
    "adult": {
        _C.POLICE: (
            "Nævnt i en bekymringsindberetning fra patruljen; ingen sigtelse.",
            "Ingen nye registreringer siden sidste møde.",
            "Har været til stede ved flere episoder med uro i midtbyen den seneste måned.",
        ),
        _C.SOCIAL: (
            "Har fået bevilget bostøtte to gange om ugen fra næste måned.",
            "Økonomien er presset; hjælp til budget og kontakt til gældsrådgivning er sat i gang.",
            "Der er ikke behov for yderligere foranstaltninger lige nu; følges på næste møde.",
        ),
        _C.HEALTH: (
            "Kortvarigt indlagt for tre uger siden; udskrevet til ambulant opfølgning.",
            "Udebliver ofte fra ambulante aftaler; psykiatrien forsøger opsøgende kontakt.",
            "Den medicinske behandling er justeret; tilstanden vurderes stabil.",
        ),
        _C.EMPLOYMENT: (
            "Tilmeldt som ledig; aftalt opstart i virksomhedspraktik.",
            "Interesseret i en erhvervsuddannelse; vejledningsmøde aftalt.",
            "Er startet på et afklaringsforløb i jobcentret.",
        ),
        _C.GENERAL: (
            "Drøftet på netværksmødet; indsatsen fortsætter uændret.",
            "Fælles plan: én fast kontaktperson og opfølgning hver anden uge.",
        ),
        _C.IDENTITY: ("Er flyttet til ny adresse i kommunen; kontaktoplysninger opdateret.",),
    },
    "exit": {
        _C.POLICE: (
            "Exitsamtale holdt; ønsker at bryde med gruppen og har afleveret sin vest.",
            "Vurdering: ingen aktuel trussel mod borgeren; situationen følges.",
        ),
        _C.SOCIAL: (
            "Midlertidig bolig i en anden bydel er bevilget.",
            "Gældsrådgivning aftalt; overblik over gæld udarbejdes.",
        ),
        _C.EMPLOYMENT: (
            "Aftalt praktik i en virksomhed uden for Aalborg.",
            "Starter på AMU-kursus næste måned.",
        ),
        _C.GENERAL: (
            "Handleplanen er gennemgået: bolig, job og gæld.",
            "Mentor fra KiF deltog i mødet; næste opfølgning om fire uger.",
        ),
        _C.IDENTITY: ("Nyt telefonnummer registreret; det gamle er opsagt.",),
    },
}

JUSTIFICATIONS: dict[str, tuple[str, ...]] = {
    _L.RPL115_SSP: (
        "Nødvendigt for at vurdere risikoen for kriminalitet og aftale, hvem der tager "
        "kontakt (rpl. § 115, stk. 1, nr. 1).",
        "Nødvendigt for at koordinere den forebyggende indsats mellem SSP-parterne.",
    ),
    _L.RPL115_PSP: (
        "Nødvendigt for at koordinere støtten og forebygge ny kriminalitet "
        "(rpl. § 115, stk. 1, nr. 2).",
        "Nødvendigt for at PSP-parterne kan handle samlet over for borgeren.",
    ),
    _L.RPL115_KSP_A: (
        "Nødvendigt for at planlægge løsladelsen og forebygge ny kriminalitet "
        "(rpl. § 115, stk. 1, nr. 3, litra a).",
    ),
    _L.CONSENT: (
        "Deles med borgerens skriftlige samtykke til exitforløbet og inden for samtykkets omfang.",
        "Omfattet af borgerens samtykke; nødvendigt for at gennemføre handleplanen.",
    ),
}


def entry_texts(effort_type: str, minor: bool) -> dict[str, tuple[str, ...]]:
    if effort_type == _E.EXIT:
        return ENTRY_TEXTS["exit"]
    return ENTRY_TEXTS["minor" if minor else "adult"]


# Follow-up actions on demo cases: what, and when (hours from now: overdue, due, due soon,
# later), so that reminders of every action kind fire under `make run`.
ACTION_TITLES: tuple[str, ...] = (
    "Følg op på tilbud om fritidsjob",
    "Ring til forældrene efter banke-på-besøget",
    "Book møde med Jobcentret om uddannelse",
    "Send referat til deltagerne",
    "Aftal nyt besøg sammen med forebyggelsesbetjenten",
    "Undersøg klubtilbud i nærområdet",
    "Tjek om samtykket skal fornyes",
)
ACTION_DUE_OFFSETS_HOURS: tuple[int, ...] = (-24 * 8, -24 * 4, -30, -2, 6, 20, 24 * 5, 24 * 14)


# --- The workflow story (issue 8): intake, meetings, outreach and PSP in Aalborg ------------
#
# A few named citizens around whom the seed tells the workflows end to end: Knock Knock
# nominations from the police daily report (one still unscreened, its deadline hours away),
# knock visits, offers and a list meeting with decisions and minutes; a PSP case enrolled
# about six months ago with incidents before and after, referrals, outcome snapshots (the
# 6-month one due now) and a concern from psychiatry. Their CPR sequence part uses the top
# of the demo range (STORY_FIRST_INDEX on), so they never meet the cohorts' numbers.
# `seed_demo` recognises a story by its citizens, as it does the cohorts' citizens.

STORY_FIRST_INDEX = 90


def _story(offset: int, first: str, last: str, month: int, day: int, age: int) -> CitizenSpec:
    """A story citizen; as in the cohorts, `age` is reached on the birthday this year."""
    index = STORY_FIRST_INDEX + offset
    return CitizenSpec(
        index=index,
        first_name=first,
        last_name=last,
        birth_month=month,
        birth_day=day,
        target_age=age,
        male=index % 2 == 1,
        protected_address=False,
        guardians=(),
        cases=(),
    )


# Knock Knock: ages 15-17 (target 16-17) and 18-25 (target 22), as the tracks need all year.
KK_UNSCREENED = _story(0, "Sofie", "Holm", 3, 14, 17)  # nominated, not screened yet
KK_ENGAGED = _story(1, "Mikkel", "Bach", 9, 21, 16)  # accepted: visits, offers
KK_OUTREACH = _story(3, "Jonas", "Lund", 6, 2, 22)  # 18-25: the jobcenter takes part
KK_NOMINATED = _story(5, "Mads", "Krog", 11, 8, 17)  # accepted at last week's meeting
PSP_FOLLOW_UP = _story(6, "Bettina", "Skov", 5, 19, 42)  # PSP: enrolled about 6 months ago

KK_STORY: tuple[CitizenSpec, ...] = (KK_UNSCREENED, KK_ENGAGED, KK_OUTREACH, KK_NOMINATED)
PSP_STORY: tuple[CitizenSpec, ...] = (PSP_FOLLOW_UP,)
STORY_CITIZENS: tuple[CitizenSpec, ...] = KK_STORY + PSP_STORY

KK_ENGAGED_GUARDIANS: tuple[GuardianSpec, ...] = (
    GuardianSpec("Helle Bach", "mother", True),
    GuardianSpec("Kim Bach", "father", True),
)

POLICE_DAILY_REPORT = "Døgnrapporten, Nordjyllands Politi"

# Intake, by story key: (channel, urgency, reporter, summary).
CONCERNS: dict[str, tuple[str, str, str, str]] = {
    "kk_unscreened": (
        "police_daily_report",
        "amber",
        POLICE_DAILY_REPORT,
        "Anholdt sammen med to ældre unge ved et indbrud i en kiosk i Vejgaard; løsladt "
        "samme nat. Tredje registrering på to måneder. Indstilles til Knock Knock-listen.",
    ),
    "kk_engaged": (
        "police_daily_report",
        "amber",
        POLICE_DAILY_REPORT,
        "Set flere aftener sammen med ældre unge med tilknytning til en bande i Aalborg Øst; "
        "var til stede ved en knivepisode, ingen sigtelse. Indstilles til Knock Knock-listen.",
    ),
    "kk_nominated": (
        "police_daily_report",
        "amber",
        POLICE_DAILY_REPORT,
        "Standset i en bil med ældre unge; der blev fundet en kniv i bilen. Bor hos sin mor i "
        "Aalborg Øst. Indstilles til Knock Knock-listen.",
    ),
    "kk_anonymous": (
        "school",
        "green",
        "Kontaktlærer, Skoler Aalborg",
        "En elev i 9. klasse har på kort tid skiftet omgangskreds, har et højt fravær og har "
        "fortalt om penge for at 'holde på ting' for ældre unge. Drøftes anonymt inden "
        "eleven og forældrene inddrages.",
    ),
    "psp_psychiatry": (
        "psychiatry",
        "amber",
        "Almenpsykiatrisk Afdeling Syd, opsøgende team",
        "Udskrevet efter kort indlæggelse; har ikke mødt op til den aftalte ambulante samtale "
        "og har ifølge naboerne råbt i opgangen om natten. Ønsker PSP-parternes vurdering.",
    ),
}

SCREENING_NOTES: dict[str, str] = {
    "kk_engaged": "Optages på listen (spor 15-17). SSP tager første banke-på-besøg med "
    "forebyggelsesbetjenten.",
    "kk_nominated": "Optaget på listemødet (spor 15-17); banke-på-besøg aftales.",
    "psp_psychiatry": "Lægges på den eksisterende PSP-sag; drøftes på næste PSP-møde.",
}
FEEDBACK_NOTES: dict[str, str] = {
    "kk_engaged": "Døgnrapporten er orienteret: den unge er optaget på Knock Knock-listen.",
    "psp_psychiatry": "Afdelingen er orienteret: henvendelsen er lagt på den eksisterende "
    "PSP-sag og drøftes på næste møde.",
}

# Knock knock visits, police and SSP together: (days ago, hour, minute, result, note).
KK_VISITS: dict[str, tuple[tuple[int, int, int, str, str], ...]] = {
    "kk_engaged": (
        (34, 18, 30, "not_home", "Ingen hjemme. Visitkort lagt i postkassen."),
        (31, 19, 0, "conversation_held",
         "Samtale i døren med den unge og moren om omgangskredsen og fritiden. Den unge vil "
         "gerne høre mere om klubben."),
    ),
    "kk_outreach": (
        (19, 17, 45, "not_home", "Ingen hjemme; naboen siger, han arbejder om eftermiddagen."),
        (16, 18, 15, "conversation_held",
         "Samtale om job og uddannelse; vil gerne have hjælp fra Jobcentret."),
    ),
}  # fmt: skip
KK_PARENT_CONTACT = (
    30,
    15,
    0,
    "Telefonsamtale med moren om bekymringen og banke-på-besøget; hun vil gerne samarbejde.",
)

# Knock Knock list meeting a week ago: the discussions and the actions their decisions made.
# (picture, assessment, decision, action title, action owner, hours from now to the deadline)
KK_MEETING_DISCUSSIONS: dict[str, tuple[str, str, str, str, str, int]] = {
    "kk_engaged": (
        "Har takket ja til klubben og kommer der to aftener om ugen. Ses stadig med de "
        "ældre unge i weekenderne.",
        "Positiv udvikling; risikoen er fortsat til stede i weekenderne.",
        "Nyt banke-på-besøg en fredag aften; SSP følger op på fritidsjob.",
        "Aftal banke-på-besøg fredag aften sammen med SSP",
        "politi.forebyg",
        -3,
    ),
    "kk_outreach": (
        "Har sagt ja til en samtale i Jobcentret. Ingen nye registreringer.",
        "Motiveret for job; brug for en fast kontakt.",
        "SSP følger med til første møde i Jobcentret og melder tilbage.",
        "Følg med til første møde i Jobcentret",
        "ssp.aalborg",
        20,
    ),
}

PSP_INCIDENTS: tuple[tuple[str, int, str, str], ...] = (
    # kind, days from enrolment (negative: before), recorded by, note
    ("forced_admission_police", -150, "psyk.syd", "Tvangsindlagt med politiets bistand."),
    ("use_of_force", -95, "politi.forebyg", "Håndjern ved uro i opgangen; ingen skader."),
    ("forced_admission", -40, "psyk.syd", "Tvangsindlagt uden politiets bistand."),
    ("new_charge", 120, "politi.forebyg", "Sigtet for trusler mod en nabo."),
)
PSP_CONTACTS: tuple[tuple[int, str, str, str, str, str], ...] = (
    # days from enrolment, kind, result, by, with, note
    (10, "home_visit", "conversation_held", "social.aalborg", "politi.forebyg",
     "Fælles hjemmebesøg; talt om hverdagen, økonomien og behovet for støtte i hjemmet."),
    (60, "phone", "reached", "psyk.syd", "",
     "Kort telefonsamtale; ny tid til ambulant samtale aftalt."),
)  # fmt: skip
PSP_REFERRALS: tuple[tuple[str, str, str, str, str, str, int, int], ...] = (
    # by, to unit, to service, purpose, updated by, new status + feedback, days sent/updated
    ("social.aalborg", "", "Bostøtte", "Bostøtte to gange om ugen", "social.aalborg",
     "started", 20, 45),
    ("social.aalborg", "Almenpsykiatrisk Afdeling Syd", "",
     "Vurdering af behovet for ambulant behandling", "psyk.syd", "accepted", 25, 30),
)  # fmt: skip
PSP_REFERRAL_FEEDBACK: dict[str, str] = {
    "started": "Bostøtten er startet; de første besøg er gået godt.",
    "accepted": "Modtaget; første ambulante samtale er aftalt.",
}


@dataclass(frozen=True)
class OutcomeSpec:
    milestone: int
    education: str
    job: str
    housing: str
    leisure: bool
    new_police_contact: bool
    note: str


PSP_OUTCOME_3M = OutcomeSpec(
    3, "none", "none", "stable", False, False,
    "Bor stabilt med bostøtte; ingen nye hændelser siden indskrivningen.",
)  # fmt: skip
PSP_MEETING_DISCUSSION = (
    "Stabil i egen bolig med bostøtte; mødte ikke op til den seneste ambulante samtale.",
    "Risiko for ny indlæggelse, hvis kontakten til psykiatrien glipper.",
    "Psykiatrien tager opsøgende kontakt; socialforvaltningen følger op på bostøtten.",
)
