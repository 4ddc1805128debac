"""Processing one stored event: claim it, run its handler, record the outcome.

Safe under concurrency and redelivery:
- the claim is a compare-and-set UPDATE (received/failed -> processing, or a `processing` claim
  older than WEBHOOK_CLAIM_TIMEOUT, whose worker died); zero rows means another worker has it or
  it is finished, and this run does nothing;
- the outcome is written with a compare-and-set on the claim token, in the handler's transaction
  (atomic handlers): a worker whose claim was taken over rolls its handler's writes back;
- handlers are idempotent and the ledger posts exactly once per (source, kind), so a handler
  that did run before a crash can run again."""

from __future__ import annotations

import logging
import traceback
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from oracle_ledger.gateway import GatewayError
from webhooks import registry
from webhooks.exceptions import EventIgnored, EventRetryable
from webhooks.models import StripeObjectCursor, WebhookEvent

log = logging.getLogger(__name__)
Status = WebhookEvent.Status


class ClaimLost(Exception):  # noqa: N818
    """Another worker took this event over (ours was taken for dead): our writes must not stay."""


@dataclass(frozen=True)
class ProcessOutcome:
    status: str  # the event's status after this run, or "skipped" (not ours to run)
    retry_in: int | None = None  # seconds: the task should come back


def webhook_event_process(*, event_pk: int) -> ProcessOutcome:
    """Run the event's handler once if nobody else is; see the module docstring."""
    token = _claim(event_pk)
    if token is None:
        return _not_claimed(event_pk)
    event = WebhookEvent.objects.get(pk=event_pk)
    registration = registry.registration_for(event.type)
    try:
        if registration is None:
            _finish(event, token, Status.IGNORED, note=registry.unhandled_note(event.type))
            return ProcessOutcome(Status.IGNORED)
        return _run(event, token, registration)
    except ClaimLost:
        log.warning("webhook %s: claim taken over by another worker", event.stripe_event_id)
        return ProcessOutcome("skipped")


def _claim(event_pk: int) -> str | None:
    token = uuid.uuid4().hex
    now = timezone.now()
    stale = now - settings.WEBHOOK_CLAIM_TIMEOUT
    claimable = Q(status__in=[Status.RECEIVED, Status.FAILED]) | Q(status=Status.PROCESSING, claimed_at__lt=stale)
    rows = WebhookEvent.objects.filter(claimable, pk=event_pk).update(
        status=Status.PROCESSING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1)
    return token if rows else None


def _not_claimed(event_pk: int) -> ProcessOutcome:
    event = WebhookEvent.objects.filter(pk=event_pk).only("status", "claimed_at").first()
    if event is None or event.status != Status.PROCESSING:
        return ProcessOutcome("skipped")
    # Someone else is on it. Come back once their claim would count as dead: if they finish
    # first this becomes a no-op, if they died this run takes it over.
    left = settings.WEBHOOK_CLAIM_TIMEOUT - (timezone.now() - event.claimed_at)
    return ProcessOutcome("skipped", retry_in=max(1, int(left.total_seconds()) + 1))


def _run(event: WebhookEvent, token: str, registration: registry.Registration) -> ProcessOutcome:
    try:
        if registration.atomic:
            with transaction.atomic():
                note, organization = _call(event, registration)
                _finish(event, token, Status.PROCESSED, note=note, organization=organization)
        else:
            note, organization = _call(event, registration)
            _finish(event, token, Status.PROCESSED, note=note, organization=organization)
    except EventIgnored as exc:
        _finish(event, token, Status.IGNORED, note=str(exc))
        return ProcessOutcome(Status.IGNORED)
    except ClaimLost:
        raise
    except Exception as exc:  # noqa: BLE001 - any handler failure is recorded on the event
        return _failed(event, token, exc)
    return ProcessOutcome(Status.PROCESSED)


def _call(event: WebhookEvent, registration: registry.Registration):
    obj = event.payload["data"]["object"]
    if registration.ordered:
        newer = _newer_event_applied(event)
        if newer:
            return f"Stale: {newer} about {event.object_id} was applied already; nothing changed.", None
    organization = registration.fn(event=event, obj=obj)
    return "", organization


def _newer_event_applied(event: WebhookEvent) -> str | None:
    """Lock the object's cursor (inside the handler's transaction); the id of a strictly newer
    event already applied, else None after moving the cursor to this event."""
    if not event.object_id:
        return None
    StripeObjectCursor.objects.bulk_create([StripeObjectCursor(
        object_id=event.object_id, event_created=event.created, stripe_event_id=event.stripe_event_id)],
        ignore_conflicts=True)
    cursor = StripeObjectCursor.objects.select_for_update().get(object_id=event.object_id)
    if cursor.event_created > event.created:
        return cursor.stripe_event_id
    cursor.event_created, cursor.stripe_event_id = event.created, event.stripe_event_id
    cursor.save(update_fields=["event_created", "stripe_event_id", "updated_at"])
    return None


def _finish(event: WebhookEvent, token: str, status: str, *, note: str = "", organization=None) -> None:
    fields = {"status": status, "note": note[:500], "processed_at": timezone.now(), "claim_token": "",
              "last_error": "", "last_traceback": ""}
    if organization is not None:
        fields["organization"] = organization
    rows = WebhookEvent.objects.filter(pk=event.pk, status=Status.PROCESSING, claim_token=token).update(**fields)
    if not rows:
        raise ClaimLost(event.stripe_event_id)


def is_retryable(exc: Exception) -> bool:
    if isinstance(exc, GatewayError):
        return exc.retryable
    return isinstance(exc, (DatabaseError, EventRetryable))


def retry_delay(attempts: int) -> int:
    """Exponential backoff: base, 2x, 4x ... capped at an hour."""
    return min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1), 3600)


def _failed(event: WebhookEvent, token: str, exc: Exception) -> ProcessOutcome:
    attempts = WebhookEvent.objects.values_list("attempts", flat=True).get(pk=event.pk)
    final = not is_retryable(exc) or attempts >= settings.WEBHOOK_MAX_ATTEMPTS
    status = Status.FAILED if final else Status.RECEIVED
    log.warning("webhook %s (%s) attempt %s failed%s: %s", event.stripe_event_id, event.type, attempts,
                "" if final else ", will retry", exc)
    rows = WebhookEvent.objects.filter(pk=event.pk, status=Status.PROCESSING, claim_token=token).update(
        status=status, claim_token="", last_error=f"{type(exc).__name__}: {exc}"[:5000],
        last_traceback="".join(traceback.format_exception(exc))[-20000:],
        note=("Failed after the last attempt." if final else f"Attempt {attempts} failed; retrying."))
    if not rows:
        return ProcessOutcome("skipped")
    return ProcessOutcome(status, retry_in=None if final else retry_delay(attempts))
