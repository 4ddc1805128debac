"""Stripe events as received (issue 8, DESIGN §8): stored once by Stripe's event id, then
processed by a task. A row is never deleted: it is the record of what Stripe told us."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class WebhookEvent(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received (waiting for a worker)"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed"
        IGNORED = "ignored", "Ignored (no handler)"

    stripe_event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=255, db_index=True)
    api_version = models.CharField(max_length=64, blank=True)
    livemode = models.BooleanField(default=False)
    account = models.CharField(max_length=255, blank=True, help_text="Connect account the event is about.")
    object_id = models.CharField(max_length=255, blank=True, db_index=True, help_text="data.object.id")
    created = models.DateTimeField(help_text="When Stripe created the event.")
    payload = models.JSONField()

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_traceback = models.TextField(blank=True)
    note = models.CharField(max_length=500, blank=True, help_text="What processing did, e.g. why it was ignored.")
    # A claim is (token, time): whoever holds the token may finish the event; a claim older than
    # WEBHOOK_CLAIM_TIMEOUT belongs to a dead worker and may be taken over.
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    organization = models.ForeignKey("identity.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="webhook_events")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "received_at"], name="webhook_event_status_received")]

    def __str__(self) -> str:
        return f"{self.stripe_event_id} {self.type}"


class StripeObjectCursor(models.Model):
    """The newest event applied per Stripe object, for handlers registered `ordered=True`: an
    event strictly older (by Stripe's `created`) than the one already applied changes nothing."""

    object_id = models.CharField(max_length=255, primary_key=True)
    event_created = models.DateTimeField()
    stripe_event_id = models.CharField(max_length=255)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.object_id} @ {self.stripe_event_id}"
