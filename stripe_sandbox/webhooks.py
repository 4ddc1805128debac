"""Signed delivery of events to webhook endpoints, exactly as Stripe signs:
`Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>`."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.db import transaction

from stripe_sandbox import DB, clock, store
from stripe_sandbox.models import SandboxObject, SandboxWebhookDelivery


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    # Real time, not sandbox time: the receiver checks it against its own clock (300 s tolerance).
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def endpoint_secret(endpoint: dict[str, Any]) -> str:
    return endpoint.get("secret") or (settings.STRIPE_WEBHOOK_SECRET or [""])[0]


def attempt(delivery_id: int) -> SandboxWebhookDelivery:
    """POST the event once; record the attempt. Returns the updated row (status stays pending on a
    failure with attempts left; the task decides when to retry)."""
    delivery = SandboxWebhookDelivery.objects.using(DB).get(pk=delivery_id)
    if delivery.status != SandboxWebhookDelivery.Status.PENDING:
        return delivery
    event = store.find_any(delivery.event_id)
    endpoint = store.find(delivery.endpoint_id, include_deleted=True)
    status_code, error = None, ""
    if event is None or endpoint is None or endpoint.get("status") != "enabled":
        error = "endpoint deleted or disabled"
    else:
        status_code, error = _post(endpoint["url"], json.dumps(event, indent=2), endpoint_secret(endpoint))
    ok = status_code is not None and 200 <= status_code < 300
    with transaction.atomic(using=DB):
        delivery = SandboxWebhookDelivery.objects.using(DB).select_for_update().get(pk=delivery_id)
        delivery.attempts += 1
        delivery.last_status_code, delivery.last_error = status_code, error[:2000]
        if ok:
            delivery.status, delivery.next_attempt_at = SandboxWebhookDelivery.Status.SUCCEEDED, None
            _decrement_pending(delivery.event_id)
        elif delivery.attempts > len(settings.SANDBOX_WEBHOOK_RETRY_DELAYS) or endpoint is None:
            delivery.status, delivery.next_attempt_at = SandboxWebhookDelivery.Status.FAILED, None
            _decrement_pending(delivery.event_id)
        else:
            delivery.next_attempt_at = clock.now() + retry_delay(delivery.attempts)
        delivery.save()
    return delivery


def retry_delay(attempts: int) -> int:
    delays = settings.SANDBOX_WEBHOOK_RETRY_DELAYS
    return delays[min(attempts, len(delays)) - 1] if delays else 0


def _decrement_pending(event_id: str) -> None:
    row = SandboxObject.objects.using(DB).select_for_update().filter(id=event_id).first()
    event = row.data if row else None
    if event and event["pending_webhooks"] > 0:
        event["pending_webhooks"] -= 1
        SandboxObject.objects.using(DB).filter(id=event_id).update(data=event)


def _post(url: str, payload: str, secret: str) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=payload.encode(), method="POST", headers={  # noqa: S310 - URL is a configured endpoint
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        "Stripe-Signature": sign(payload, secret),
    })
    try:
        with urllib.request.urlopen(request, timeout=settings.SANDBOX_WEBHOOK_TIMEOUT) as response:  # noqa: S310
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return None, f"{type(exc).__name__}: {exc}"
