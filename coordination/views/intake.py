"""Placeholder: implemented by the workflows work (issue 8)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


intake_list = _todo


intake_new = _todo


intake_detail = _todo


intake_identify = _todo


intake_screen = _todo


intake_feedback = _todo
