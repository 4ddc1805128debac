"""Building and signing Stripe events the way Stripe does (independently of the code under test:
HMAC-SHA256 over "<t>.<body>", header `t=…,v1=…`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from contextlib import contextmanager
from typing import Any

SECRET = "whsec_test_primary_0123456789abcdef"
URL = "/api/v1/webhooks/stripe"


def event(type_: str, obj: dict[str, Any] | None = None, *, event_id: str | None = None, created: int | None = None,
          idempotency_key: str | None = None, account: str | None = None) -> dict[str, Any]:
    payload = {
        "id": event_id or f"evt_test_{uuid.uuid4().hex[:20]}", "object": "event", "api_version": "2026-10-28.endive",
        "created": int(time.time()) if created is None else created, "livemode": False, "pending_webhooks": 1,
        "data": {"object": obj if obj is not None else {"id": f"obj_{uuid.uuid4().hex[:12]}", "object": "thing"}},
        "request": {"id": None, "idempotency_key": idempotency_key}, "type": type_,
    }
    if account:
        payload["account"] = account
    return payload


def signature(body: bytes | str, secret: str = SECRET, timestamp: int | None = None) -> str:
    text = body.decode() if isinstance(body, bytes) else body
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{text}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def post(client, body: bytes | str | dict, *, secret: str | None = SECRET, header: str | None = None,
         timestamp: int | None = None):
    """POST a body as Stripe would: raw bytes, signed (unless secret is None and no header)."""
    raw = json.dumps(body).encode() if isinstance(body, dict) else (body.encode() if isinstance(body, str) else body)
    extra = {}
    if header is not None:
        extra["HTTP_STRIPE_SIGNATURE"] = header
    elif secret is not None:
        extra["HTTP_STRIPE_SIGNATURE"] = signature(raw, secret, timestamp)
    return client.generic("POST", URL, raw, content_type="application/json", **extra)


@contextmanager
def handler(type_: str, fn, **options):
    """Register a handler for the duration of a test (the registry is process-wide)."""
    from webhooks import registry

    previous = registry.HANDLERS.pop(type_, None)
    registry.handles(type_, **options)(fn)
    try:
        yield
    finally:
        registry.HANDLERS.pop(type_, None)
        if previous is not None:
            registry.HANDLERS[type_] = previous


def process(event_pk: int):
    """Run the task as a worker would, in-process (retries run at once)."""
    from webhooks.tasks import webhook_event_process_task

    return webhook_event_process_task.apply(kwargs={"event_id": event_pk})
