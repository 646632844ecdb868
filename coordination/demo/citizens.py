"""The demo citizens: cohorts, names and `citizen_specs()`, and their fictitious CPR numbers.

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

DEMO_SEED = 20260115
DEMO_FIRST_YEAR = 2026
DEMO_SEQUENCE_BASE = 9900


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
