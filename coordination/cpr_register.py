"""The CPR register: the name a valid CPR number belongs to, from outside Samraad.

Finding or registering a citizen must answer the same way whether or not Samraad already
knows the number (docs/api.md, "Registry look-ups reveal nothing"), so the name shown to
the user for confirmation never comes from Samraad's own tables: it comes from here, and a
register answers for every valid number. The register is authoritative: when a case is
opened for a citizen Samraad already holds, the stored name is updated from it.

`settings.CPR_REGISTER` chooses the register (config/settings.py, README):

- `fake`: for development and tests. Deterministic, and it never reads Samraad's database:
  the demo citizens (coordination.demo.citizens) get their demo names, every other valid
  number a fictitious common Danish name chosen by a keyed hash of the number (so the same
  number always gets the same name, and the name tells nothing about the number).
- `none`: no register. The user types the name (`lookup` answers None), as before there
  was a register; Samraad then cannot confirm a name for a number it does not hold.
- `serviceplatformen`: the CPR replica of Serviceplatformen. Not part of this build:
  config/settings.py refuses it at start-up, naming what it would need.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from coordination import cpr

FAKE, NONE, SERVICEPLATFORMEN = "fake", "none", "serviceplatformen"
CHOICES = (FAKE, NONE, SERVICEPLATFORMEN)


@dataclass(frozen=True)
class RegisterPerson:
    """What the register says about a number: the person's name, and whether their name
    and address are protected (navne- og adressebeskyttelse)."""

    first_name: str
    last_name: str
    protected_address: bool = False

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class CprRegister(Protocol):
    def lookup(self, digits: str) -> RegisterPerson:
        """The person with this (valid, normalised) number; every valid number has one."""
        ...


# --- The fake register (development and tests) ---------------------------------------------

# Common Danish names (Danmarks Statistik's most frequent), by the CPR number's gender
# digit (odd: men) and by generation, for numbers that are not demo citizens.
_FIRST_NAMES: dict[tuple[bool, bool], tuple[str, ...]] = {
    # (male, born 1995 or later)
    (False, True): ("Emma", "Ida", "Freja", "Sofie", "Laura", "Clara", "Anna", "Maja"),
    (True, True): ("William", "Noah", "Oscar", "Lucas", "Victor", "Emil", "Magnus", "Elias"),
    (False, False): ("Anne", "Mette", "Kirsten", "Hanne", "Susanne", "Lene", "Pia", "Tina"),
    (True, False): ("Peter", "Jens", "Lars", "Michael", "Henrik", "Søren", "Thomas", "Morten"),
}
_LAST_NAMES: tuple[str, ...] = (
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Poulsen",
)  # fmt: skip
_FAKE_PURPOSE = b"samraad/fake-cpr-register/v1:"


@cache
def _demo_people(year: int) -> dict[str, RegisterPerson]:
    """The demo citizens by every number the seed may have given them up to `year`: the
    tables of coordination.demo.citizens, not the database."""
    # A table of fictitious people, not a screen or a service: imported here only, so that
    # the rest of the register does not depend on the demo (pyproject.toml allows this one
    # import across the layers).
    from coordination.demo.citizens import candidate_cprs, citizen_specs

    today = dt.date(year, 12, 31)
    return {
        number: RegisterPerson(spec.first_name, spec.last_name, spec.protected_address)
        for spec in citizen_specs()
        for number in candidate_cprs(spec, today)
    }


class FakeRegister:
    """Answers every valid number, the same way every time, without touching the database."""

    def lookup(self, digits: str) -> RegisterPerson:
        demo = _demo_people(timezone.localdate().year).get(digits)
        if demo is not None:
            return demo
        key = settings.CPR_HMAC_KEY.encode()
        digest = hmac.new(key, _FAKE_PURPOSE + digits.encode(), hashlib.sha256).digest()
        male = int(digits[-1]) % 2 == 1
        young = cpr.birth_date(digits).year >= 1995
        firsts = _FIRST_NAMES[male, young]
        first = firsts[int.from_bytes(digest[:4], "big") % len(firsts)]
        last = _LAST_NAMES[int.from_bytes(digest[4:8], "big") % len(_LAST_NAMES)]
        return RegisterPerson(first, last)


def register() -> CprRegister | None:
    """The configured register, or None when there is none (`CPR_REGISTER=none`)."""
    chosen = getattr(settings, "CPR_REGISTER", NONE)
    if chosen == FAKE:
        return FakeRegister()
    if chosen == NONE:
        return None
    # config/settings.py refuses anything else at start-up; a test that changes the setting
    # to something unknown gets the same loud answer.
    raise ImproperlyConfigured(f"CPR_REGISTER={chosen!r} is not available in this build.")


def configured() -> bool:
    """Whether names come from a register (else the user types them)."""
    return register() is not None


def lookup(digits: str) -> RegisterPerson | None:
    """The register's person for a valid, normalised number; None without a register."""
    chosen = register()
    return chosen.lookup(digits) if chosen is not None else None
