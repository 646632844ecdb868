"""`manage.py rotate_cpr_keys`: every token ends up under the first key, nothing else moves."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError

from coordination import cpr
from coordination.models import AuditEvent, Citizen

NEW_KEY = Fernet.generate_key().decode()


def _use_keys(settings, keys: list[str]) -> None:
    settings.CPR_ENCRYPTION_KEYS = keys
    cpr.forget_keys()


@pytest.fixture
def old_keys(settings, db) -> list[str]:
    """The development key(s) the demo citizens are encrypted under; caches cleared after."""
    keys = list(settings.CPR_ENCRYPTION_KEYS)
    yield keys
    cpr.forget_keys()


def _snapshot() -> dict[int, tuple[str, str, str]]:
    """pk -> (token, blind index, CPR digits) under the keys configured now."""
    return {
        pk: (token, index, cpr.decrypt(token))
        for pk, token, index in Citizen.objects.values_list("pk", "cpr_encrypted", "cpr_index")
    }


def _snapshot_tokens() -> dict[int, str]:
    return dict(Citizen.objects.values_list("pk", "cpr_encrypted"))


def _run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("rotate_cpr_keys", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def _rotation_events():
    return AuditEvent.objects.filter(detail__change="rotate_cpr_keys")


def test_rotation_puts_every_token_under_the_new_key(settings, old_keys) -> None:
    before = _snapshot()
    assert len(before) > 10
    _use_keys(settings, [NEW_KEY, *old_keys])

    output = _run("--chunk-size", "7")  # several chunks, the last one partial

    assert f"{len(before)} re-encrypted" in output
    new_only, old_only = Fernet(NEW_KEY.encode()), Fernet(old_keys[0].encode())
    for pk, token, index in Citizen.objects.values_list("pk", "cpr_encrypted", "cpr_index"):
        old_token, old_index, digits = before[pk]
        assert token != old_token
        assert new_only.decrypt(token.encode()).decode() == digits
        with pytest.raises(InvalidToken):
            old_only.decrypt(token.encode())
        assert index == old_index  # the blind index has its own key


def test_the_old_key_can_then_be_removed(settings, old_keys, kk_citizen) -> None:
    case, number = kk_citizen
    _use_keys(settings, [NEW_KEY, *old_keys])
    _run()

    _use_keys(settings, [NEW_KEY])
    found = Citizen.objects.by_cpr(cpr.normalise(number)).get()
    assert found == case.citizen
    assert found.full_cpr() == cpr.normalise(number)
    output = _run("--dry-run")  # the check an operator runs after removing the old key
    assert "0 would be re-encrypted" in output
    assert "0 undecryptable" in output


def test_a_second_run_skips_what_is_already_rotated(settings, old_keys) -> None:
    _use_keys(settings, [NEW_KEY, *old_keys])
    _run()
    tokens = dict(Citizen.objects.values_list("pk", "cpr_encrypted"))

    output = _run()

    assert f"0 re-encrypted under the first key, {len(tokens)} already under it" in output
    assert dict(Citizen.objects.values_list("pk", "cpr_encrypted")) == tokens


def test_an_undecryptable_token_is_named_and_left_alone(settings, old_keys) -> None:
    stray = Citizen.objects.order_by("pk")[3]
    foreign = Fernet(Fernet.generate_key()).encrypt(b"0101901234").decode()
    Citizen.objects.filter(pk=stray.pk).update(cpr_encrypted=foreign)
    before = _snapshot_tokens()
    _use_keys(settings, [NEW_KEY, *old_keys])

    with pytest.raises(CommandError) as error:
        _run()

    assert error.value.returncode != 0
    assert f"citizen id {stray.pk}." in str(error.value)
    after = _snapshot_tokens()
    assert after[stray.pk] == foreign
    changed = {pk for pk in after if after[pk] != before[pk]}
    assert changed == set(before) - {stray.pk}  # the others were rotated all the same
    assert _rotation_events().get().detail["undecryptable"] == 1


def test_dry_run_changes_nothing_and_writes_no_event(settings, old_keys) -> None:
    tokens = _snapshot_tokens()
    _use_keys(settings, [NEW_KEY, *old_keys])

    output = _run("--dry-run")

    assert f"{len(tokens)} would be re-encrypted" in output
    assert "nothing was changed" in output
    assert _snapshot_tokens() == tokens
    assert not _rotation_events().exists()


def test_one_audit_event_records_the_run(settings, old_keys) -> None:
    count = Citizen.objects.count()
    _use_keys(settings, [NEW_KEY, *old_keys])

    _run("--chunk-size", "5")

    event = _rotation_events().get()
    assert event.action == AuditEvent.Action.CHANGE
    assert event.actor_id is None
    assert event.detail == {"change": "rotate_cpr_keys", "rows": count, "undecryptable": 0}


def test_a_single_key_is_allowed_and_changes_nothing(old_keys) -> None:
    assert len(old_keys) == 1
    tokens = _snapshot_tokens()

    output = _run()

    assert "0 re-encrypted" in output
    assert "Only one key is configured" in output
    assert _snapshot_tokens() == tokens


def test_no_cpr_number_is_ever_printed(settings, old_keys, capsys) -> None:
    numbers = [digits for _token, _index, digits in _snapshot().values()]
    _use_keys(settings, [NEW_KEY, *old_keys])
    outputs = [_run("--dry-run"), _run()]
    stray = Citizen.objects.order_by("pk").first()
    foreign = Fernet(Fernet.generate_key()).encrypt(b"0101901234").decode()
    Citizen.objects.filter(pk=stray.pk).update(cpr_encrypted=foreign)
    for args in (["--dry-run"], []):
        with pytest.raises(CommandError) as error:
            _run(*args)
        outputs.append(str(error.value))
    captured = capsys.readouterr()
    text = "\n".join([*outputs, captured.out, captured.err])

    assert "re-encrypted" in text
    assert f"citizen id {stray.pk}." in text
    for digits in [*numbers, "0101901234"]:
        assert digits not in text
        assert f"{digits[:6]}-{digits[6:]}" not in text
