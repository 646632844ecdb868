"""CPR numbers: validation, encryption at rest and the keyed blind index.

A CPR number is DDMMYY-SSSS. The seventh digit (the first of the sequence part) and the
two-digit year give the century (the CPR office's rule):

    7th digit 0-3: 1900-1999
    7th digit 4 or 9: 2000-2036 for YY 00-36, else 1937-1999
    7th digit 5-8: 2000-2057 for YY 00-57, else 1858-1899

The modulus-11 check is not applied: numbers issued since 2007 need not satisfy it.
The raw digits never reach the database: they are stored Fernet-encrypted (MultiFernet, so
keys can be rotated) and found by an HMAC-SHA256 blind index under a key kept outside the
database. A plain hash would be brute-forced in seconds (about 3.7e8 candidates).

Key rotation (`manage.py rotate_cpr_keys`, docs/security.md): prepend a new key to
CPR_ENCRYPTION_KEYS, re-encrypt every token under it (`rekeyed`), then drop the old key.
The blind index has its own key and does not change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_CPR_RE = re.compile(r"^(\d{6})-?(\d{4})$")


def _century(year2: int, seventh: int) -> int:
    if seventh <= 3:
        return 1900
    if seventh in (4, 9):
        return 2000 if year2 <= 36 else 1900
    return 2000 if year2 <= 57 else 1800


def normalise(raw: str) -> str:
    """Return the ten digits of a CPR number, or raise ValidationError with a clear message."""
    value = (raw or "").strip().replace(" ", "")
    match = _CPR_RE.match(value)
    if not match:
        raise ValidationError(
            _("A CPR number has ten digits, written DDMMYY-XXXX or DDMMYYXXXX."), code="format"
        )
    digits = match.group(1) + match.group(2)
    birth_date(digits)
    return digits


def birth_date(digits: str) -> dt.date:
    """The birth date encoded in a ten-digit CPR number (raises ValidationError if none)."""
    day, month, year2, seventh = (
        int(digits[0:2]),
        int(digits[2:4]),
        int(digits[4:6]),
        int(digits[6]),
    )
    try:
        return dt.date(_century(year2, seventh) + year2, month, day)
    except ValueError:
        raise ValidationError(
            _("The first six digits of the CPR number are not a real date."), code="date"
        ) from None


def mask(date_of_birth: dt.date) -> str:
    """DDMMYY-XXXX: the form shown everywhere a full number is not needed."""
    return date_of_birth.strftime("%d%m%y") + "-XXXX"


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.CPR_ENCRYPTION_KEYS))


@cache
def _first(key: str) -> Fernet:
    return Fernet(key.encode())


def forget_keys() -> None:
    """Drop the cached Fernet objects (after the keys in the settings changed, in tests)."""
    _fernet.cache_clear()
    _first.cache_clear()


def rekeyed(token: str) -> str | None:
    """`token` re-encrypted under the first (newest) key, or None if it already is.

    Only the first key is tried for that check, so a second run over rows already rotated
    is cheap. Raises InvalidToken if no configured key decrypts the token. The plaintext
    never leaves this function.
    """
    data = token.encode()
    try:
        _first(settings.CPR_ENCRYPTION_KEYS[0]).decrypt(data)
    except InvalidToken:
        return fernet().rotate(data).decode()
    return None


def encrypt(digits: str) -> str:
    return fernet().encrypt(digits.encode()).decode()


def decrypt(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()


def blind_index(digits: str) -> str:
    """Keyed HMAC of the ten digits: exact-match lookup without storing the number."""
    key = settings.CPR_HMAC_KEY.encode()
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()
