"""Putting events back in the queue: the admin's replay action, `manage.py replay_webhooks`, and
the periodic sweep that rescues events whose message was lost (broker down at enqueue time) or
whose worker died mid-claim."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record
from oracle_ledger.actors import Actor
from webhooks.models import WebhookEvent

Status = WebhookEvent.Status
REPLAYABLE = (Status.FAILED, Status.IGNORED, Status.PROCESSED, Status.RECEIVED)


def _enqueue_on_commit(event_pk: int) -> None:
    from webhooks.tasks import webhook_event_process_task

    transaction.on_commit(partial(webhook_event_process_task.delay, event_id=event_pk))


def webhook_event_replay(*, event: WebhookEvent, actor: Actor) -> bool:
    """Run the event through its handler again (handlers are idempotent: a processed event
    changes nothing, an ignored one is retried against today's handlers, a failed one gets a fresh
    set of attempts). False when the event is being processed right now."""
    with transaction.atomic():
        rows = WebhookEvent.objects.filter(pk=event.pk, status__in=REPLAYABLE).update(
            status=Status.RECEIVED, attempts=0, claim_token="", note="Replay requested.")
        if not rows:
            return False
        audit_record(actor=actor, action="webhook.replayed", target_type="webhook_event",
                     target_id=event.stripe_event_id, organization=event.organization,
                     metadata={"type": event.type, "previousStatus": event.status})
        _enqueue_on_commit(event.pk)
    return True


def webhook_events_sweep() -> int:
    """Re-enqueue events nobody is working on: `received` for longer than WEBHOOK_SWEEP_AFTER (the
    enqueue was lost, or a retry is due) and `processing` claims older than WEBHOOK_CLAIM_TIMEOUT
    (the worker died and its message was not redelivered). The claim decides who runs them."""
    now = timezone.now()
    stuck = WebhookEvent.objects.filter(
        Q(status=Status.RECEIVED, received_at__lt=now - settings.WEBHOOK_SWEEP_AFTER)
        | Q(status=Status.PROCESSING, claimed_at__lt=now - settings.WEBHOOK_CLAIM_TIMEOUT))
    pks = list(stuck.values_list("pk", flat=True)[:1000])
    with transaction.atomic():
        for pk in pks:
            _enqueue_on_commit(pk)
    return len(pks)


SWEEP_INTERVAL = timedelta(minutes=5)
