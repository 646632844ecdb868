"""Citizen handles: what the API and the forms hand out instead of a citizen's id.

A citizen's id is sequential, so it would tell an outsider how long Samraad has known the
person (and whether it knows them at all). A handle is an opaque token instead:
authenticated and encrypted (Fernet, under a key derived from SECRET_KEY for this purpose
alone), valid for access.IDENTIFIED_FOR, and bound to the user it was minted for. It
carries either

- the CPR digits (minted by registering or looking up a number: no citizen row exists or
  is touched until a case is opened with it), with the typed name where no CPR register
  is configured, or
- a citizen id (minted when a case the caller can see is shown to them).

Every payload is padded to the same length, so handles of either kind, for old or new
citizens, all look alike: their length tells nothing either.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from accounts.models import User
from coordination.access import IDENTIFIED_FOR

_PURPOSE = b"samraad/citizen-handle/v1"
# Payloads are padded to a multiple of this many bytes (a citizen id or CPR digits with a
# user id fit in one block, even at ids of 19 digits; typed names may need more).
_BLOCK = 64
MAX_LENGTH = 1000  # what an API body or a form may send as a handle


@dataclass(frozen=True)
class Handle:
    user_id: int
    digits: str = ""
    citizen_id: int | None = None
    first_name: str = ""
    last_name: str = ""


def _key(secret: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        secret.encode()
    )
    return base64.urlsafe_b64encode(derived)


@cache
def _fernet(secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_key(secret)) for secret in secrets])


def _current() -> MultiFernet:
    # SECRET_KEY_FALLBACKS: a handle minted just before a key rotation still works.
    fallbacks = tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ()))
    return _fernet((settings.SECRET_KEY, *fallbacks))


def mint(
    *,
    user: User,
    digits: str = "",
    citizen_id: int | None = None,
    first_name: str = "",
    last_name: str = "",
) -> str:
    """A handle for `user` naming a CPR number (`digits`) or a citizen (`citizen_id`)."""
    if bool(digits) == (citizen_id is not None):
        raise ValueError("A handle names either CPR digits or a citizen id.")
    payload: dict[str, Any] = {"u": user.pk}
    if digits:
        payload["c"] = digits
        if first_name or last_name:
            payload["n"] = [first_name, last_name]
    else:
        payload["i"] = citizen_id
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    padded = raw.ljust(-(-len(raw) // _BLOCK) * _BLOCK, b" ")
    return _current().encrypt(padded).decode()


def read(token: object, *, user: User) -> Handle | None:
    """The handle's content if `token` is a handle minted for `user` less than
    IDENTIFIED_FOR ago, else None (tampered, expired, someone else's or not a handle)."""
    if not isinstance(token, str) or not token or len(token) > MAX_LENGTH:
        return None
    try:
        raw = _current().decrypt(token.encode(), ttl=int(IDENTIFIED_FOR.total_seconds()))
        payload = json.loads(raw.decode())
    except (InvalidToken, UnicodeError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("u") != user.pk:
        return None
    digits, citizen_id = payload.get("c", ""), payload.get("i")
    names = payload.get("n") or ["", ""]
    return Handle(
        user_id=user.pk,
        digits=digits if isinstance(digits, str) else "",
        citizen_id=citizen_id if isinstance(citizen_id, int) else None,
        first_name=str(names[0]),
        last_name=str(names[1]),
    )
