"""The audit entry as DESIGN §9 shapes it: id, timestamp, actor {type, id, email}, role,
organizationId, action, objectType, objectId, requestId, ip, outcome, changes, prevHash, hash.
An empty recorded value is null."""

from __future__ import annotations

from rest_framework import serializers

from oracle_ledger.api.envelope import utc_timestamp


class _NullIfEmpty(serializers.CharField):
    def to_representation(self, value):
        return value or None


class AuditActorOutput(serializers.Serializer):
    type = serializers.CharField(source="actor_type")
    id = serializers.CharField(source="actor_id")
    email = _NullIfEmpty(source="actor_email", allow_null=True)


class AuditEntryOutput(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    timestamp = serializers.SerializerMethodField()
    actor = AuditActorOutput(source="*")
    role = _NullIfEmpty(allow_null=True)
    organizationId = _NullIfEmpty(source="organization_public_id", allow_null=True)  # noqa: N815
    action = serializers.CharField()
    objectType = _NullIfEmpty(source="object_type", allow_null=True)  # noqa: N815
    objectId = _NullIfEmpty(source="object_id", allow_null=True)  # noqa: N815
    requestId = _NullIfEmpty(source="request_id", allow_null=True)  # noqa: N815
    ip = serializers.CharField(allow_null=True)
    outcome = serializers.CharField()
    changes = serializers.JSONField()
    prevHash = serializers.CharField(source="prev_hash")  # noqa: N815
    hash = serializers.CharField()

    def get_timestamp(self, entry) -> str:
        return utc_timestamp(entry.timestamp)
