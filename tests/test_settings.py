"""Settings fail loudly on bad or missing values (each case starts a fresh interpreter)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "SECRET_KEY": "x" * 50,
    "DATABASE_URL": "sqlite:///:memory:",
    "CELERY_BROKER_URL": "memory://",
    "CPR_ENCRYPTION_KEYS": "ZGV2LWNwci1lbmNyeXB0aW9uLWtleS0zMmJ5dGVzISE=",
    "CPR_HMAC_KEY": "h" * 40,
    "AUDIT_HMAC_KEY": "a" * 40,
}


def start(**overrides: str) -> subprocess.CompletedProcess[str]:
    # A clean environment: the test process itself has loaded config/dev.env.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root"), **GOOD}
    env.update(overrides)
    env = {k: v for k, v in env.items() if v != "<unset>"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_good_production_settings_start() -> None:
    result = start()
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": "<unset>"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "dev-short"}, "SECRET_KEY must be a random value"),
        ({"DATABASE_URL": "<unset>"}, "DATABASE_URL must be set"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "Unsupported database engine"),
        ({"CPR_ENCRYPTION_KEYS": "not-a-key"}, "CPR_ENCRYPTION_KEYS entry 1"),
        ({"CPR_ENCRYPTION_KEYS": "<unset>"}, "CPR_ENCRYPTION_KEYS must hold"),
        ({"CPR_HMAC_KEY": "short"}, "CPR_HMAC_KEY must be at least 32"),
        ({"AUDIT_HMAC_KEY": "<unset>"}, "AUDIT_HMAC_KEY must be set"),
        ({"AUDIT_HMAC_KEY": "short"}, "AUDIT_HMAC_KEY must be at least 32"),
        ({"AUDIT_HMAC_KEY": "h" * 40}, "AUDIT_HMAC_KEY must differ"),
        ({"AUDIT_RETENTION_DAYS": "0"}, "AUDIT_RETENTION_DAYS"),
        (
            {"CELERY_BROKER_URL": "<unset>", "REDIS_URL": "<unset>"},
            "CELERY_BROKER_URL or REDIS_URL",
        ),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"SAMRAAD_ENV_FILE": "config/missing.env"}, "SAMRAAD_ENV_FILE points at a missing file"),
    ],
)
def test_bad_settings_stop_the_start_with_the_variable_name(overrides, message) -> None:
    result = start(**overrides)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_pass_the_deployment_checks() -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root"), **GOOD}
    env["ALLOWED_HOSTS"] = "samraad.example"
    env["SECRET_KEY"] = "k7Qz-" + "".join(chr(65 + (i * 7) % 26) for i in range(60))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_defaults_are_strict() -> None:
    result = start()
    assert result.returncode == 0, result.stderr
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.DEBUG, s.OTP_REQUIRED, s.PASSWORD_HASHERS[0].rsplit('.', 1)[1], "
            "s.SESSION_IDLE_TIMEOUT, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE)",
        ],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root"), **GOOD},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert probe.stdout.split() == ["False", "True", "Argon2PasswordHasher", "1800", "True", "True"]


def test_a_shared_cache_for_the_api_throttle_comes_from_cache_url() -> None:
    probe = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'])"
    )
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root"), **GOOD}
    for url, backend in (
        (None, "django.core.cache.backends.locmem.LocMemCache"),
        ("redis://127.0.0.1:6379/2", "django.core.cache.backends.redis.RedisCache"),
    ):
        run_env = {**env, "CACHE_URL": url} if url else env
        done = subprocess.run(  # noqa: S603 (our own interpreter and code)
            [sys.executable, "-c", probe],
            cwd=ROOT,
            env=run_env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.stdout.strip() == backend, done.stderr
