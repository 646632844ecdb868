"""Placeholder: implemented by the workflows work (issue 8)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


offer_new = _todo


offer_answer = _todo


referral_new = _todo


referral_update = _todo


incident_new = _todo


outcome_new = _todo


case_stage = _todo
