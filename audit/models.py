"""The append-only, hash-chained audit log of DESIGN §5.

Rows are written only by `audit.services.audit_record`; database triggers (migration 0002) reject
UPDATE, DELETE and TRUNCATE, and `manage.py verify_audit_log` recomputes the chain."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now

from oracle_ledger.ids import public_id_factory

GENESIS_HASH = "0" * 64


class AuditEntry(models.Model):
    class ActorType(models.TextChoices):
        USER = "user", "User"
        API_KEY = "api_key", "API key"
        SYSTEM = "system", "System"
        STRIPE = "stripe", "Stripe"

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILURE = "failure", "Failure"
        DENIED = "denied", "Denied"

    public_id = models.CharField(max_length=40, unique=True, default=public_id_factory("aud_"), editable=False)
    # Set by the service under the chain lock (the hash covers it); the DB default is a fallback.
    timestamp = models.DateTimeField(db_default=Now())
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_id = models.CharField(max_length=64)
    actor_email = models.CharField(max_length=254, blank=True, default="")
    role = models.CharField(max_length=32, blank=True, default="")
    # PROTECT: an organisation with audit history cannot be deleted (the rows could not follow it).
    # The public id is kept beside the FK so the hash and exports never need a join.
    organization = models.ForeignKey("identity.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", db_index=False)
    organization_public_id = models.CharField(max_length=40, blank=True, default="")
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=64, blank=True, default="")
    object_id = models.CharField(max_length=128, blank=True, default="")
    request_id = models.CharField(max_length=128, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    changes = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        ordering = ["-id"]
        indexes = [
            # The API lists one organisation's entries newest first, optionally by time range.
            models.Index(fields=["organization", "-id"], name="audit_org_id_idx"),
            models.Index(fields=["organization", "timestamp"], name="audit_org_time_idx"),
            models.Index(fields=["timestamp"], name="audit_time_idx"),
            models.Index(fields=["actor_id"], name="audit_actor_id_idx"),
            models.Index(fields=["actor_email"], name="audit_actor_email_idx"),
            models.Index(fields=["action"], name="audit_action_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["object_id"], name="audit_object_id_idx"),  # `objectId` alone, admin search
            models.Index(fields=["outcome"], name="audit_outcome_idx"),
            models.Index(fields=["request_id"], name="audit_request_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.action} by {self.actor_type}:{self.actor_id}"
