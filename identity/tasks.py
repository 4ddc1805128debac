"""Periodic clean-up for identity (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from identity.models import IdempotencyRecord


@shared_task
def idempotency_records_purge_task() -> int:
    """Delete idempotency keys past their 24 hours; safe to run twice."""
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
