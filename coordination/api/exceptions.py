"""How API v1 answers errors: the contract's shapes (API.md).

- 400: `{"field": ["message", ...]}`; errors about the whole body under `non_field_errors`.
  The services raise Django's ValidationError by field name; it is turned into that shape.
- 401, 403, 404, 405, 429: `{"detail": "message"}` (Django REST framework's own).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
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


def handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = as_api_error(exc)
    response = exception_handler(exc, context)
    if (
        response is not None
        and response.status_code == 400
        and isinstance(response.data, list)  # a bare list: say it is about the whole body
    ):
        response.data = {api_settings.NON_FIELD_ERRORS_KEY: response.data}
    return response
