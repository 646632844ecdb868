"""Serializers of API v1: shapes only; access and writes live in access.py and services.py."""

from __future__ import annotations

from rest_framework import serializers

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
