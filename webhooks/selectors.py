"""Reads of stored events shared by the admin and `manage.py replay_webhooks`."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from webhooks.models import WebhookEvent


def webhook_event_list(*, status: str | None = None, type: str | None = None, received_from: datetime | None = None,
                       received_to: datetime | None = None) -> QuerySet[WebhookEvent]:
    qs = WebhookEvent.objects.all()
    if status:
        qs = qs.filter(status=status)
    if type:
        qs = qs.filter(type=type)
    if received_from:
        qs = qs.filter(received_at__gte=received_from)
    if received_to:
        qs = qs.filter(received_at__lt=received_to)
    return qs.order_by("received_at", "id")
