"""The Django admin lists every model for the administrator, and shows no CPR numbers."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    [m for m in admin.site._registry if m._meta.app_label in {"accounts", "coordination"}],
    ids=lambda m: m._meta.label,
)
def test_admin_changelist_opens(client_as, model) -> None:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client_as("admin").get(url)
    assert response.status_code == 200


def test_admin_is_closed_to_caseworkers(client_as) -> None:
    response = client_as("ssp.aalborg").get(reverse("admin:index"))
    assert response.status_code == 302


def test_admin_never_shows_api_token_keys_or_two_factor_secrets(client_as, persona) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=persona("ssp.aalborg"))
    device = TOTPDevice.objects.create(user=persona("ssp.aalborg"), name="app", confirmed=True)
    client = client_as("admin")
    from rest_framework.authtoken.models import TokenProxy

    assert not admin.site.is_registered(TokenProxy)  # its primary key is the secret
    pages = [
        reverse("admin:otp_totp_totpdevice_changelist"),
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert token.key not in body and device.key not in body, url
