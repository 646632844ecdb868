"""Danish first: the interface is Danish unless the user picks English in the footer."""

from __future__ import annotations

from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware


class DanishFirstLocaleMiddleware(LocaleMiddleware):
    """LocaleMiddleware without the browser's Accept-Language: only the language cookie
    (set by Django's set_language view) moves the UI away from LANGUAGE_CODE, so a
    caseworker on an English-language laptop still gets the Danish interface."""

    def process_request(self, request: HttpRequest) -> None:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
