"""Two-factor enrolment and verification, and logging out everywhere."""

from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login

from accounts import services
from accounts.forms import TokenForm
from accounts.models import User
from coordination import audit


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 (login_required ran first)
    return request.user


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: a QR code (and the key to type in), then one code from
    the app confirms it, and ten recovery codes are shown once."""
    user = _user(request)
    if any(devices_for_user(user, confirmed=True)):
        return redirect("two_factor_verify")
    device = services.two_factor_device(actor=user)
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            codes = services.two_factor_enrol(actor=user, device=device)
            otp_login(request, device)
            return render(
                request,
                "registration/two_factor_codes.html",
                {"codes": codes, "next": _next(request)},
            )
        form.add_error("token", _("The code is not right. Check the time on your phone."))
    # The QR code as an SVG data URI (an image: nothing in it can run; CSP allows data: images).
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=4)
    context = {
        "form": form,
        "qr": qr,
        "key": _spaced(device.key),
        "next": _next(request),
    }
    return render(
        request, "registration/two_factor_setup.html", context, status=400 if form.is_bound else 200
    )


def _spaced(hex_key: str) -> str:
    secret = base64.b32encode(bytes.fromhex(hex_key)).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of logging in: a code from the app, or one recovery code."""
    user = _user(request)
    devices = list(devices_for_user(user, confirmed=True))
    if not devices:
        return redirect("two_factor_setup")
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        for device in devices:
            if device.verify_is_allowed()[0] and device.verify_token(token):
                otp_login(request, device)
                audit.write_event(
                    actor=user,
                    action=audit.Action.LOGIN,
                    detail={"second_factor": device.__class__.__name__},
                )
                return redirect(_next(request))
        audit.write_event(
            actor=user,
            action=audit.Action.LOGIN_FAILED,
            outcome=audit.Outcome.DENIED,
            detail={"second_factor": "wrong code"},
        )
        form.add_error("token", _("The code is not right, or it has been used."))
    context = {"form": form, "next": _next(request)}
    return render(
        request,
        "registration/two_factor_verify.html",
        context,
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the user, on every device, this one included."""
    services.user_sessions_end(actor=_user(request))
    logout(request)
    messages.success(request, _("You have been logged out everywhere."))
    return redirect("login")
