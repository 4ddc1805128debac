"""Storage of the sandbox: Stripe objects as JSON rows, plus the machinery around them."""

from __future__ import annotations

from django.db import models


class SandboxObject(models.Model):
    """One Stripe object (`data` is exactly what the API returns). `seq` orders lists as Stripe
    does (newest first) and stays stable when two objects share a `created` second."""

    seq = models.BigAutoField(primary_key=True)
    id = models.CharField(max_length=255, unique=True)
    object = models.CharField(max_length=64)
    data = models.JSONField()
    # NULL is the platform itself; "" would be a different (empty) Stripe-Account header.
    account = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    created = models.BigIntegerField()
    deleted = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["object", "account", "-seq"], name="sbx_obj_type_acct_seq")]

    def __str__(self):
        return self.id


class SandboxIdempotencyKey(models.Model):
    """The first response to an `Idempotency-Key` (per account), replayed for the same request."""

    key = models.CharField(max_length=255)
    account = models.CharField(max_length=255, default="", blank=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    params_hash = models.CharField(max_length=64)
    status = models.IntegerField(default=0)
    body = models.JSONField(null=True)
    created = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="sbx_idem_account_key")]

    def __str__(self):
        return f"{self.method} {self.path} [{self.key}]"


class SandboxClock(models.Model):
    """Single row (pk=1): sandbox time = real time + offset_seconds (or `frozen_at` if set)."""

    offset_seconds = models.BigIntegerField(default=0)
    frozen_at = models.BigIntegerField(null=True, blank=True)

    def __str__(self):
        return f"sandbox clock (+{self.offset_seconds}s)"


class SandboxFailure(models.Model):
    """The next `remaining` calls (optionally only those whose path starts with `path_prefix`)
    fail the way Stripe can fail."""

    class Kind(models.TextChoices):
        TIMEOUT = "timeout"            # the work is done and committed, the answer is lost
        SERVER_ERROR = "500"
        RATE_LIMIT = "429"
        CONNECTION = "connection"      # nothing reaches Stripe

    kind = models.CharField(max_length=16, choices=Kind.choices)
    remaining = models.IntegerField(default=1)
    path_prefix = models.CharField(max_length=255, default="", blank=True)
    created = models.BigIntegerField()

    def __str__(self):
        return f"{self.kind} x{self.remaining}"


class SandboxTransition(models.Model):
    """A state change Stripe makes later (ACH settlement, payout arrival), run by the clock."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        FAILED = "failed"

    object_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True)
    due_at = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    executed_at = models.BigIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"], name="sbx_transition_due")]

    def __str__(self):
        return f"{self.kind} {self.object_id} @{self.due_at}"


class SandboxWebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    event_id = models.CharField(max_length=255)
    endpoint_id = models.CharField(max_length=255)
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    last_status_code = models.IntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event_id", "endpoint_id"], name="sbx_delivery_once")]

    def __str__(self):
        return f"{self.event_id} -> {self.endpoint_id} ({self.status})"
