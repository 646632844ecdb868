import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from coordination import cpr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("010190-1234", dt.date(1990, 1, 1)),  # 7th digit 0-3: 1900s
        ("0101903234", dt.date(1990, 1, 1)),
        ("010110-4234", dt.date(2010, 1, 1)),  # 7th digit 4, YY <= 36: 2000s
        ("010140-4234", dt.date(1940, 1, 1)),  # 7th digit 4, YY > 36: 1900s
        ("010150-5234", dt.date(2050, 1, 1)),  # 7th digit 5-8, YY <= 57: 2000s
        ("010160-8234", dt.date(1860, 1, 1)),  # 7th digit 5-8, YY > 57: 1800s
        ("290200-9999", dt.date(2000, 2, 29)),  # 7th digit 9, YY <= 36: 2000s (leap year)
        ("311299-9999", dt.date(1999, 12, 31)),  # 7th digit 9, YY > 36: 1900s
        (" 010190 1234 ", dt.date(1990, 1, 1)),
    ],
)
def test_century_rule_and_formats(raw: str, expected: dt.date) -> None:
    assert cpr.birth_date(cpr.normalise(raw)) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "format"),
        ("12345", "format"),
        ("010190-12345", "format"),
        ("01019O-1234", "format"),
        ("320190-1234", "date"),
        ("011390-1234", "date"),
        ("290201-1234", "date"),  # 1901 is no leap year
        ("290200-1234", None),  # 2000? No: 7th digit 1 gives 1900, not a leap year
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(raw: str, code: str | None) -> None:
    with pytest.raises(ValidationError) as error:
        cpr.normalise(raw)
    if code:
        assert error.value.code == code


def test_mask_shows_only_the_birth_date() -> None:
    assert cpr.mask(dt.date(1990, 1, 1)) == "010190-XXXX"


def test_encryption_round_trip_hides_the_digits() -> None:
    token = cpr.encrypt("0101901234")
    assert "0101901234" not in token
    assert cpr.decrypt(token) == "0101901234"
    assert cpr.encrypt("0101901234") != token  # Fernet is randomised


def test_blind_index_is_keyed_and_deterministic(settings) -> None:
    first = cpr.blind_index("0101901234")
    assert first == cpr.blind_index("0101901234")
    assert "0101901234" not in first
    settings.CPR_HMAC_KEY = "another-key-that-is-long-enough-for-the-hmac"
    assert cpr.blind_index("0101901234") != first


def test_rotated_keys_still_decrypt(settings) -> None:
    old_token = cpr.encrypt("0101901234")
    new_key = "bmV3LWNwci1lbmNyeXB0aW9uLWtleS0zMmJ5dGVzISE="
    settings.CPR_ENCRYPTION_KEYS = [new_key, *settings.CPR_ENCRYPTION_KEYS]
    assert cpr.decrypt(old_token) == "0101901234"
