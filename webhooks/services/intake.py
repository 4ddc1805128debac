"""The endpoint's write: verify, store once, enqueue. Nothing here calls a handler: Stripe gets
its 200 as soon as the event is safely stored (STYLE §6), whatever the handlers will make of it.

Rejections (each 400, audited as `webhook.rejected` with outcome failure, nothing stored):
- an empty body, or one larger than WEBHOOK_MAX_BODY_BYTES: INVALID_REQUEST, checked first so a
  huge body is never hashed against every secret;
- a missing or malformed `Stripe-Signature`, a signature matching none of the secrets in
  STRIPE_WEBHOOK_SECRET, or a timestamp older than 300 s: WEBHOOK_SIGNATURE_INVALID (DESIGN §9);
- a correctly signed body that is not JSON or not a Stripe event: INVALID_REQUEST (DESIGN §4's
  "a request that cannot be read"); the signature was fine, so the sender is told so."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from audit.services import audit_record
from oracle_ledger import gateway
from oracle_ledger.actors import Actor
from webhooks.exceptions import WebhookPayloadInvalidError, WebhookSignatureInvalidError

_INSERT_ONCE = """
INSERT INTO webhooks_webhookevent (stripe_event_id, type, api_version, livemode, account, object_id, created,
                                   payload, status, attempts, last_error, last_traceback, note, claim_token,
                                   received_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, 'received', 0, '', '', '', '', now())
ON CONFLICT (stripe_event_id) DO NOTHING
RETURNING id
"""


def webhook_receive(*, body: bytes | None, signature: str | None, request=None,
                    declared_length: int | None = None) -> tuple[str, bool]:
    """Verify and store one delivery. Returns (Stripe event id, stored now); a redelivery of a
    stored event returns False and does nothing else. Raises WEBHOOK_SIGNATURE_INVALID or
    INVALID_REQUEST (after auditing the rejection). `body` None: the caller did not read a body
    whose declared length is already over the limit."""
    size = len(body) if body is not None else (declared_length or 0)
    try:
        _size_checked(size)
        payload = _verified_payload(body or b"", signature)
    except (WebhookSignatureInvalidError, WebhookPayloadInvalidError) as exc:
        _audit_rejection(exc, size=size, signature=signature, request=request)
        raise
    with transaction.atomic():
        pk = _insert_once(payload)
        if pk is not None:
            from webhooks.tasks import webhook_event_process_task

            transaction.on_commit(partial(webhook_event_process_task.delay, event_id=pk))
    return payload["id"], pk is not None


def _size_checked(size: int) -> None:
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    if not size:
        raise WebhookPayloadInvalidError("The webhook body is empty.",
                                         details=[{"field": "body", "reason": "Empty", "value": 0}])
    if size > limit:
        raise WebhookPayloadInvalidError(
            f"The webhook body is larger than {limit} bytes.",
            details=[{"field": "body", "reason": f"At most {limit} bytes", "value": size}])


def _verified_payload(body: bytes, signature: str | None) -> dict[str, Any]:
    try:
        gateway.event_construct(body, signature)
    except gateway.WebhookSignatureInvalid as exc:
        if _signed_but_unreadable(exc):
            raise _unreadable("The webhook body is not JSON.") from exc
        raise WebhookSignatureInvalidError(_signature_message(signature), details=[
            {"field": "Stripe-Signature", "reason": str(exc)[:200], "value": None}]) from exc
    except (AttributeError, TypeError, KeyError) as exc:  # signed JSON that the SDK cannot read as an event
        raise _unreadable("The webhook body is not a Stripe event.") from exc
    return _event_shape_checked(json.loads(body))


def _signed_but_unreadable(exc: Exception) -> bool:
    # The SDK verifies the header before it parses: a JSON error means the signature was good.
    # A body that is not UTF-8 fails before verification and stays a signature failure.
    cause = exc.__cause__
    return isinstance(cause, ValueError) and not isinstance(cause, UnicodeDecodeError)


def _signature_message(signature: str | None) -> str:
    if not signature:
        return "The Stripe-Signature header is missing."
    return "The Stripe-Signature header does not verify (wrong secret, altered body or stale timestamp)."


def _unreadable(message: str) -> WebhookPayloadInvalidError:
    return WebhookPayloadInvalidError(message, details=[{"field": "body", "reason": message, "value": None}])


def _event_shape_checked(payload: Any) -> dict[str, Any]:
    ok = (isinstance(payload, dict) and payload.get("object") == "event"
          and isinstance(payload.get("id"), str) and payload["id"]
          and isinstance(payload.get("type"), str) and payload["type"]
          and type(payload.get("created")) is int
          and isinstance(payload.get("data"), dict) and isinstance(payload["data"].get("object"), dict))
    if not ok:
        raise _unreadable("The webhook body is not a Stripe event (id, type, created, data.object).")
    return payload


def _insert_once(payload: dict[str, Any]) -> int | None:
    obj = payload["data"]["object"]
    created = datetime.fromtimestamp(payload["created"], tz=UTC)
    params = [payload["id"][:255], payload["type"][:255], str(payload.get("api_version") or "")[:64],
              bool(payload.get("livemode")), str(payload.get("account") or "")[:255],
              str(obj.get("id") or "")[:255], created, json.dumps(payload)]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_ONCE, params)
        row = cursor.fetchone()
    return row[0] if row else None


def _audit_rejection(exc: Exception, *, size: int, signature: str | None, request) -> None:
    audit_record(actor=Actor.stripe(), action="webhook.rejected", target_type="webhook_event", outcome="failure",
                 request=request, metadata={"code": getattr(exc, "code", ""), "reason": str(exc),
                                            "bodyBytes": size, "signatureHeader": bool(signature)})
