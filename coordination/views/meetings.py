"""Placeholder: implemented by the workflows work (issue 8)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


meeting_list = _todo


meeting_new = _todo


meeting_detail = _todo


meeting_attendees = _todo


meeting_add_case = _todo


agenda_item = _todo


agenda_item_action = _todo


meeting_minutes = _todo
