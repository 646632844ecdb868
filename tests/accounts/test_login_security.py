"""Two-factor login, lockout, session lifetime, logging out everywhere, and headers."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.middleware import SESSION_ACTIVE_AT, SESSION_LOGIN_AT
from accounts.models import Membership
from coordination.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def otp(settings):
    settings.OTP_REQUIRED = True
    return settings


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{value:06d}"


def enrol(client: Client) -> list[str]:
    assert client.get("/2fa/opsaetning/").status_code == 200
    device = TOTPDevice.objects.get(user__username="ssp.aalborg", confirmed=False)
    response = client.post("/2fa/opsaetning/", {"token": code_for(device), "next": "/sager/"})
    assert response.status_code == 200
    return list(response.context["codes"])


# --- Two-factor login ---------------------------------------------------------------------


def test_no_case_page_before_the_second_factor(otp, client_as) -> None:
    client = client_as("ssp.aalborg")
    response = client.get("/sager/")
    assert response.status_code == 302
    assert response["Location"].startswith("/2fa/opsaetning/?next=%2Fsager%2F")
    assert client.get("/api/v1/audit/events/").status_code == 403


def test_enrolment_shows_a_qr_code_and_ten_recovery_codes_once(otp, client_as) -> None:
    client = client_as("ssp.aalborg")
    page = client.get("/2fa/opsaetning/")
    assert b'data-testid="otp-qr"' in page.content and b"data:image/svg+xml" in page.content
    codes = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/sager/").status_code == 200
    assert AuditEvent.objects.filter(detail__change="2fa_enrolled").exists()
    # Enrolled: the setup page no longer hands out a new key.
    assert client.get("/2fa/opsaetning/").status_code == 302


def test_a_wrong_code_is_refused_and_audited(otp, client_as) -> None:
    client = client_as("ssp.aalborg")
    client.get("/2fa/opsaetning/")
    assert client.post("/2fa/opsaetning/", {"token": "000000"}).status_code == 400
    TOTPDevice.objects.get(user__username="ssp.aalborg").throttle_reset()  # django-otp waits
    enrol(client)
    later = client_as("ssp.aalborg")
    assert later.get("/sager/")["Location"].startswith("/2fa/?next=")
    assert later.post("/2fa/", {"token": "12345"}).status_code == 400
    assert AuditEvent.objects.filter(
        action="login_failed", detail__second_factor="wrong code"
    ).exists()
    assert later.get("/sager/").status_code == 302


def test_the_app_code_or_a_recovery_code_once(otp, client_as) -> None:
    codes = enrol(client_as("ssp.aalborg"))
    device = TOTPDevice.objects.get(user__username="ssp.aalborg")
    by_app = client_as("ssp.aalborg")
    by_app.post("/2fa/", {"token": code_for(device, offset=1), "next": "/sager/"})
    assert by_app.get("/sager/").status_code == 200
    by_code = client_as("ssp.aalborg")
    response = by_code.post("/2fa/", {"token": codes[0], "next": "/sager/"})
    assert response.status_code == 302 and response["Location"] == "/sager/"
    again = client_as("ssp.aalborg")
    assert again.post("/2fa/", {"token": codes[0]}).status_code == 400  # used up


def test_the_next_parameter_cannot_leave_the_site(otp, client_as) -> None:
    codes = enrol(client_as("ssp.aalborg"))
    client = client_as("ssp.aalborg")
    response = client.post("/2fa/", {"token": codes[1], "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_demo_relaxes_it(client_as) -> None:
    # config/dev.env turns OTP_REQUIRED off for `make run` (and this suite's other tests).
    assert client_as("ssp.aalborg").get("/sager/").status_code == 200


# --- Lockout --------------------------------------------------------------------------------


def test_repeated_failures_lock_the_login_with_a_danish_message(settings, client) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/login/", {"username": "ssp.aalborg", "password": "wrong-password-1"})
    response = client.post(
        "/login/", {"username": "ssp.aalborg", "password": settings.DEMO_PASSWORD or "x"}
    )
    assert response.status_code == 429
    assert b'data-testid="locked-out"' in response.content
    assert "For mange mislykkede" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_administrator_can_unlock(settings, client) -> None:
    from axes.utils import reset

    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post("/login/", {"username": "politi.forebyg", "password": "wrong-password-1"})
    assert (
        client.post("/login/", {"username": "politi.forebyg", "password": "x"}).status_code == 429
    )
    reset(username="politi.forebyg")
    assert (
        client.post("/login/", {"username": "politi.forebyg", "password": "x"}).status_code == 200
    )


def test_passwords_need_twelve_characters() -> None:
    with pytest.raises(ValidationError):
        validate_password("kort-kode")
    validate_password("en-lang-nok-adgangskode-42")


# --- Sessions ---------------------------------------------------------------------------------


def _age(client: Client, *, login: int = 0, active: int = 0) -> None:
    session = client.session
    now = int(time.time())
    session[SESSION_LOGIN_AT] = now - login
    session[SESSION_ACTIVE_AT] = now - active
    session.save()


def test_an_idle_session_ends(settings, client, persona) -> None:
    client.force_login(persona("ssp.aalborg"))
    _age(client, login=60, active=settings.SESSION_IDLE_TIMEOUT - 30)
    assert client.get("/sager/").status_code == 200  # still within the idle time
    _age(client, login=60, active=settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get("/sager/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session


def test_the_bell_does_not_keep_a_session_alive(settings, client, persona) -> None:
    client.force_login(persona("ssp.aalborg"))
    _age(client, login=600, active=settings.SESSION_IDLE_TIMEOUT - 120)
    client.get("/notifikationer/antal/")
    assert (
        client.session[SESSION_ACTIVE_AT] <= int(time.time()) - settings.SESSION_IDLE_TIMEOUT + 120
    )


def test_a_session_ends_after_its_lifetime_however_active(settings, client, persona) -> None:
    client.force_login(persona("ssp.aalborg"))
    _age(client, login=settings.SESSION_ABSOLUTE_LIFETIME + 1, active=10)
    assert client.get("/sager/").status_code == 302


def test_logging_out_everywhere_ends_the_other_sessions(client_as) -> None:
    phone, desk = client_as("ssp.aalborg"), client_as("ssp.aalborg")
    assert desk.get("/sager/").status_code == 200
    assert phone.post("/logout/overalt/").status_code == 302
    assert desk.get("/sager/").status_code == 302
    assert AuditEvent.objects.filter(detail__change="all_sessions").exists()


def test_a_membership_change_ends_the_users_sessions(client_as, persona) -> None:
    desk = client_as("job.aalborg")
    assert desk.get("/sager/").status_code == 200
    membership = Membership.objects.filter(user__username="job.aalborg").first()
    assert membership is not None
    services.membership_remove(actor=persona("admin"), membership=membership)
    assert desk.get("/sager/").status_code == 302


# --- Headers --------------------------------------------------------------------------------


def test_security_headers(client_as) -> None:
    response = client_as("ssp.aalborg").get("/sager/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_session_cookie_lifetime_is_the_absolute_lifetime(settings) -> None:
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_ABSOLUTE_LIFETIME
    assert dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT) <= dt.timedelta(hours=10)


def test_no_menu_or_bell_before_the_second_factor(otp, client_as) -> None:
    client = client_as("ssp.aalborg")
    page = client.get("/2fa/opsaetning/").content.decode()
    assert 'data-testid="bell"' not in page and 'class="navigation-menu"' not in page
    enrol(client)
    page = client.get("/sager/").content.decode()
    assert 'data-testid="bell"' in page and 'class="navigation-menu"' in page
