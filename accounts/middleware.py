"""Request-wide policies: Danish first, session lifetime, two-factor login, browser features."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse


class DanishFirstLocaleMiddleware(LocaleMiddleware):
    """LocaleMiddleware without the browser's Accept-Language: only the language cookie
    (set by Django's set_language view) moves the UI away from LANGUAGE_CODE, so a
    caseworker on an English-language laptop still gets the Danish interface. The API is
    the exception: a program sends Accept-Language on purpose, and gets its messages so."""

    def process_request(self, request: HttpRequest) -> None:
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)


# --- Sessions ---------------------------------------------------------------------------

SESSION_LOGIN_AT = "samraad_login_at"
SESSION_ACTIVE_AT = "samraad_active_at"
SESSION_EPOCH = "samraad_session_epoch"
# Requests that do not count as activity: the bell polls every minute by itself.
PASSIVE_PATHS = ("/notifikationer/antal/",)


def session_started(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """On login: remember when, and the user's session epoch (see SessionPolicyMiddleware)."""
    now = int(time.time())
    request.session[SESSION_LOGIN_AT] = now
    request.session[SESSION_ACTIVE_AT] = now
    request.session[SESSION_EPOCH] = user.session_epoch


class SessionPolicyMiddleware:
    """Ends a session after SESSION_IDLE_TIMEOUT without activity, SESSION_ABSOLUTE_LIFETIME
    after login, or when the user's session epoch moved on (they logged out everywhere, or
    a membership of theirs changed: what they may see changed, so they log in again)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            session = request.session
            login_at = session.get(SESSION_LOGIN_AT, now)
            active_at = session.get(SESSION_ACTIVE_AT, now)
            expired = (
                now - active_at > settings.SESSION_IDLE_TIMEOUT
                or now - login_at > settings.SESSION_ABSOLUTE_LIFETIME
                or session.get(SESSION_EPOCH, user.session_epoch) != user.session_epoch
            )
            if expired:
                logout(request)
                if request.path.startswith("/api/") or request.headers.get("HX-Request"):
                    return JsonResponse({"detail": "session ended"}, status=401)
                return redirect_to_login(request.get_full_path())
            # Write the session at most once a minute, and not for the bell's polling.
            if request.path not in PASSIVE_PATHS and now - active_at >= 60:
                session[SESSION_ACTIVE_AT] = now
        return self.get_response(request)


# --- Two-factor login ---------------------------------------------------------------------

# Paths an authenticated user may reach before their second factor is verified.
OTP_EXEMPT_PREFIXES = ("/login/", "/logout/", "/2fa/", "/i18n/", "/static/", "/healthz")


class TwoFactorMiddleware:
    """With OTP_REQUIRED, an authenticated session sees nothing until its second factor is
    verified: enrolment (QR code, recovery codes) for a user without a device, else the code."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.OTP_REQUIRED
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(OTP_EXEMPT_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "two-factor verification required"}, status=403)
            target = "two_factor_verify" if devices_for(user) else "two_factor_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def devices_for(user: Any) -> bool:
    from django_otp import devices_for_user

    return any(True for _ in devices_for_user(user, confirmed=True))


class SecurityHeadersMiddleware:
    """Browser features Samråd never uses are switched off (Permissions-Policy), and pages
    shown to a logged-in user are not kept in the browser's or a proxy's cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store, private"
        return response
