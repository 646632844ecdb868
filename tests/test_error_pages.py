"""The error pages: Danish, generic, without stack traces, personal data or inline code.

This module is also the URLconf of its tests (pytest.mark.urls): the project's URLs plus two
views that fail on purpose.
"""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("secret reason for case 42")


def _suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("secret suspicion")


urlpatterns = [
    path("test-errors/forbidden/", _forbidden),
    path("test-errors/suspicious/", _suspicious),
    *project_urlpatterns,
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture(autouse=True)
def _production_mode(settings) -> None:
    settings.DEBUG = False


def _assert_no_inline_code(body: str) -> None:
    assert "<style" not in body
    assert not re.search(r"\sstyle=", body)
    assert not re.search(r"\son[a-z]+=", body)  # no event-handler attributes
    for tag in re.findall(r"<script[^>]*>", body):
        assert "src=" in tag, tag


def _body(response) -> str:
    return response.content.decode()


def test_unknown_url_gives_the_404_page() -> None:
    response = Client().get("/findes-ikke/")

    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert "Siden findes ikke" in _body(response)
    _assert_no_inline_code(_body(response))


def test_404_page_for_a_logged_in_user(client_as) -> None:
    response = client_as("ssp.aalborg").get("/findes-ikke/")

    assert response.status_code == 404
    assert "Siden findes ikke" in _body(response)
    assert 'data-testid="current-user"' in _body(response)  # the ordinary layout


def test_exception_gives_a_generic_500_page_without_its_text() -> None:
    client = Client(raise_request_exception=False)
    with mock.patch(
        "coordination.views.health._check_database", side_effect=RuntimeError("secret detail")
    ):
        response = client.get("/healthz")

    assert response.status_code == 500
    body = _body(response)
    assert "Der opstod en fejl" in body
    assert "secret detail" not in body
    assert "RuntimeError" not in body
    assert "Traceback" not in body
    assert '<html lang="da">' in body
    _assert_no_inline_code(body)


def test_500_page_renders_without_any_context() -> None:
    # Django renders it with an empty context: no request, no user, no messages.
    body = loader.get_template("500.html").render()

    assert "Der opstod en fejl" in body
    _assert_no_inline_code(body)


def test_permission_denied_gives_the_403_page_without_its_reason(client_as) -> None:
    response = client_as("ssp.aalborg").get("/test-errors/forbidden/")

    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    body = _body(response)
    assert "Ikke tilladt" in body
    assert "secret reason" not in body
    _assert_no_inline_code(body)


def test_suspicious_request_gives_the_400_page() -> None:
    response = Client().get("/test-errors/suspicious/")

    assert response.status_code == 400
    body = _body(response)
    assert "Ugyldig forespørgsel" in body
    assert "secret suspicion" not in body
    _assert_no_inline_code(body)


def test_csrf_failure_gives_a_danish_page_without_inline_style() -> None:
    response = Client(enforce_csrf_checks=True).post("/login/", {"username": "x"})

    assert response.status_code == 403
    body = _body(response)
    assert "Formularen er udløbet" in body
    assert "CSRF" not in body
    _assert_no_inline_code(body)
