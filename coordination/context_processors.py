"""Template context every page needs: which parts of the menu the user may use."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from coordination import access


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Until the second factor is verified the menu and the bell would only lead back to the
    # two-factor pages, so they are not drawn.
    # (django-otp's OTPMiddleware gives every authenticated user is_verified().)
    verified = not settings.OTP_REQUIRED or user.is_verified()
    # Lazy: pages without the menu (login, errors) never run the query.
    return {
        "nav_verified": verified,
        "nav_auditor": lambda: access.may_audit(user),  # type: ignore[arg-type]
    }
