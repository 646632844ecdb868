"""How API v1 answers errors: the contract's shapes (docs/api.md).

- 400: `{"field": ["message", ...]}`; errors about the whole body under `non_field_errors`.
  The services raise Django's ValidationError by field name; it is turned into that shape.
- 401, 403, 404, 405, 415, 429: `{"detail": "message"}` (Django REST framework's own);
  a URL under /api/ that no route matches answers a JSON 404 too (`not_found`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler


def as_api_error(error: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ValidationError as the API's 400 body."""
    key = api_settings.NON_FIELD_ERRORS_KEY
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(
            {
                key if field == NON_FIELD_ERRORS else field: messages
                for field, messages in error.message_dict.items()
            }
        )
    return exceptions.ValidationError({key: error.messages})


def _messages(detail: Any) -> list[Any]:
    """A field's errors as one list of messages: a list field's errors come by item index
    ({"0": ["..."]}), a nested object's by its field; both are flattened."""
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _messages(value)]
    return [detail]


def handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = as_api_error(exc)
    if isinstance(exc, exceptions.ParseError):  # a body that is not JSON at all
        exc = exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [exc.detail]})
    response = exception_handler(exc, context)
    if response is not None and response.status_code == 400:
        data = response.data
        if not isinstance(data, dict):  # a bare list: about the whole body
            data = {api_settings.NON_FIELD_ERRORS_KEY: data}
        response.data = {field: _messages(errors) for field, errors in data.items()}
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: JSON under /api/ (a URL no route matches, an id that is not a number),
    the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=404)
    return page_not_found(request, exception or Http404())
