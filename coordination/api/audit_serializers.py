"""Serializers of API v1 for the audit log (auditors only; access.py decides who)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from coordination.api.serializers import CprField
from coordination.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    actor_unit = serializers.IntegerField(source="actor_unit_id", allow_null=True)
    case = serializers.IntegerField(source="case_id", allow_null=True)
    citizen = serializers.IntegerField(source="citizen_id", allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor",
            "actor_username",
            "actor_unit",
            "action",
            "outcome",
            "object_type",
            "object_id",
            "case",
            "citizen",
            "categories",
            "purpose",
            "legal_basis",
            "request_id",
            "ip",
        ]
        read_only_fields = fields


class AuditSearchSerializer(serializers.Serializer[Any]):
    """The body of POST audit/events/search/: the CPR number plus any of the list's filters."""

    cpr = CprField()
    user = serializers.CharField(required=False)
    case = serializers.CharField(required=False)
    action = serializers.ChoiceField(choices=AuditEvent.Action.choices, required=False)
    outcome = serializers.ChoiceField(choices=AuditEvent.Outcome.choices, required=False)
    since = serializers.CharField(required=False)
    until = serializers.CharField(required=False)
