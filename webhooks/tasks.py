"""Celery tasks of the webhooks app: ids in, safe to run twice (STYLE §3)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, connection

from webhooks.services import webhook_event_process, webhook_events_sweep


@shared_task(bind=True, acks_late=True, max_retries=None)
def webhook_event_process_task(self, *, event_id: int) -> str:
    """Process one stored event. Late acknowledgement (and reject_on_worker_lost in settings): a
    worker killed mid-handler leaves the message to be redelivered, and its stale claim is taken
    over. Retries are counted on the event row (`attempts`), not here, so replays and
    redeliveries share one budget (WEBHOOK_MAX_ATTEMPTS)."""
    try:
        outcome = webhook_event_process(event_pk=event_id)
    except DatabaseError as exc:  # the database itself failed (not a handler): try again later
        connection.close_if_unusable_or_obsolete()
        if self.request.retries >= settings.WEBHOOK_MAX_ATTEMPTS:
            raise
        raise self.retry(exc=exc, countdown=settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** self.request.retries) from exc
    if outcome.retry_in is not None and not (self.request.is_eager and outcome.status == "skipped"):
        # (Eagerly, as in tests, a retry runs at once: waiting for another worker would spin.)
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task
def webhook_events_sweep_task() -> int:
    return webhook_events_sweep()
