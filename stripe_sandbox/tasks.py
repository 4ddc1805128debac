"""Celery tasks of the sandbox."""

from __future__ import annotations

from celery import shared_task

from stripe_sandbox import webhooks
from stripe_sandbox.models import SandboxWebhookDelivery


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_event_task(self, *, delivery_id: int) -> str:
    """Deliver one event to one endpoint; on failure retry after the next delay of
    settings.SANDBOX_WEBHOOK_RETRY_DELAYS (Stripe retries with growing gaps), then give up."""
    delivery = webhooks.attempt(delivery_id)
    if delivery.status == SandboxWebhookDelivery.Status.PENDING:
        raise self.retry(countdown=webhooks.retry_delay(delivery.attempts))
    return delivery.status
