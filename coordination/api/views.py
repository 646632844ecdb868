"""API v1 viewsets. Querysets come from access.py; every call is audited like the UI."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import User
from coordination import access, audit
from coordination.api.serializers import AuditEventSerializer
from coordination.filters import AuditEventFilter
from coordination.models import AuditEvent

CRITERIA = ("user", "case", "action", "outcome", "since", "until")


class AuditCursorPagination(CursorPagination):
    ordering = ("-occurred_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class AuditEventViewSet(viewsets.GenericViewSet[AuditEvent]):
    """The audit log for auditors: `GET events/` filters by user, case, action and period;
    `POST events/search/` also takes a citizen's CPR number in the body (never in the URL).
    Follow `next` of a search by POSTing the same body to it."""

    serializer_class = AuditEventSerializer
    pagination_class = AuditCursorPagination
    throttle_scope = "cpr"

    def get_throttles(self) -> list[Any]:
        return [ScopedRateThrottle()] if self.action == "search" else []

    def get_queryset(self) -> Any:
        return access.audit_events_for(self._user()).for_log()

    def _user(self) -> User:
        user = self.request.user
        assert isinstance(user, User)  # noqa: S101 (IsAuthenticated ran first)
        return user

    def _page(self, data: Any) -> Response:
        filterset = AuditEventFilter(data, queryset=self.get_queryset())
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        rows = page if page is not None else []
        criterion = filterset.criterion()
        audit.record_shown(
            self._user(),
            audit.Action.SEARCH if criterion else audit.Action.LIST,
            (e.citizen_id for e in rows),
            purpose="audit:api",
            detail={
                "view": "api_audit_events",
                "criterion": criterion,
                "events": [e.pk for e in rows],
            },
        )
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def list(self, request: Request) -> Response:
        if "cpr" in request.query_params:
            raise ValidationError(
                {"cpr": [_("A CPR number is only accepted in the body of POST events/search/.")]}
            )
        data = {k: request.query_params[k] for k in CRITERIA if k in request.query_params}
        return self._page(data)

    @action(detail=False, methods=["post"])
    def search(self, request: Request) -> Response:
        if not isinstance(request.data, dict) or not request.data.get("cpr"):
            raise ValidationError({"cpr": [_("This field is required.")]})
        data = {k: request.data[k] for k in (*CRITERIA, "cpr") if k in request.data}
        return self._page(data)
