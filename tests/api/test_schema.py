"""The OpenAPI schema (/api/schema/) and its Swagger UI page (/api/docs/): complete, valid,
for API users only, and served from the app's own files under its content security policy."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from drf_spectacular.validation import validate_schema

from coordination.api.schema import ANSWERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client_as) -> dict:
    response = client_as("ssp.aalborg").get(reverse("api_schema"))
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_and_docs_are_for_api_users_only() -> None:
    for name in ("api_schema", "api_docs"):
        assert Client().get(reverse(name)).status_code == 401


def test_the_schema_is_valid_openapi_3(schema: dict) -> None:
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


def test_every_api_route_is_in_the_schema(schema: dict) -> None:
    from coordination.api.urls import urlpatterns

    documented = set(schema["paths"])
    for pattern in urlpatterns:
        path = "/api/v1/" + re.sub(
            r"<int:(\w+)>",
            lambda m: "{%s}" % ("id" if m[1] == "pk" else m[1]),
            str(pattern.pattern),
        )
        assert path in documented, path


def test_every_operation_documents_its_bodies_and_error_shapes(schema: dict) -> None:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            codes = set(operation["responses"])
            assert set(ANSWERS) <= codes, where
            assert codes & {"200", "201", "204"}, where
            if method == "post" and not path.endswith(("/withdraw/",)):
                content = operation["requestBody"]["content"]
                assert list(content) == ["application/json"], where
            success = next(operation["responses"][c] for c in ("200", "201", "204") if c in codes)
            if method != "delete":
                assert "application/json" in success["content"], where
    errors = schema["components"]["schemas"]
    assert errors["Error"]["required"] == ["detail"]
    assert errors["ValidationError"]["additionalProperties"]["type"] == "array"


def test_citizen_registration_answers_the_same_for_a_known_number(schema: dict) -> None:
    # No 409 (it would tell that the number is known) and no citizen id: a handle.
    for path in ("/api/v1/citizens/", "/api/v1/citizens/lookup/"):
        responses = schema["paths"][path]["post"]["responses"]
        assert "409" not in responses and "200" in responses and "201" not in responses
    components = schema["components"]["schemas"]
    assert set(components["Citizen"]["properties"]) == {
        "handle", "name", "birth_date", "masked_cpr",
    }  # fmt: skip
    assert components["CitizenBrief"]["properties"]["id"]["type"] == "string"


def test_the_docs_page_needs_nothing_from_the_internet_and_nothing_inline(client_as) -> None:
    response = client_as("ssp.aalborg").get(reverse("api_docs"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<style" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "an inline script"
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith("/"), f"{url}: not from this server"
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), f"{url}: no such static file"
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
