"""Webhooks (issue 8): signed Stripe events acknowledged per second. Each request is a new event
(new id), signed as Stripe signs with the bench environment's first STRIPE_WEBHOOK_SECRET, so
every request verifies the signature, inserts one row and enqueues one task on commit."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

from bench.harness import Context, Load, Request, benchmark


def _secret(ctx: Context) -> str:
    from django.conf import settings

    configured = [s for s in ctx.env.get("STRIPE_WEBHOOK_SECRET", "").split(",") if s]
    return configured[0] if configured else settings.STRIPE_WEBHOOK_SECRET[0]


@benchmark("webhooks_receive")
def webhooks_receive(ctx: Context) -> Load:
    from oracle_ledger.celery import app

    app.control.purge()  # the bench broker holds only bench messages: drop a previous run's tasks
    secret, run = _secret(ctx), uuid.uuid4().hex[:8]

    def make_request(i: int) -> Request:
        body = json.dumps({
            "id": f"evt_bench_{run}_{i}", "object": "event", "api_version": "2026-10-28.endive",
            "created": int(time.time()), "livemode": False, "pending_webhooks": 1, "type": "customer.updated",
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": {"id": f"cus_bench_{i}", "object": "customer", "email": f"b{i}@example.com"}},
        })
        t = int(time.time())
        mac = hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
        return Request("POST", "/api/v1/webhooks/stripe", body=body.encode(),
                       headers={"Stripe-Signature": f"t={t},v1={mac}"})

    return Load(make_request=make_request, concurrency=8, max_requests=3000, max_seconds=15, unit="events")
