"""Stripe events: every state change creates an `event` object and, once the sandbox transaction
commits, a delivery to each enabled webhook endpoint that wants it (stripe_sandbox.webhooks)."""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from stripe_sandbox import DB, clock, store
from stripe_sandbox.models import SandboxWebhookDelivery

API_VERSION = "2026-10-28.endive"  # the version gateway.py pins; events render in it


def emit(type: str, obj: dict[str, Any], *, account: str | None = None,
         previous_attributes: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create the event for `obj` (a snapshot), and schedule its deliveries on commit."""
    from stripe_sandbox.router import current_request

    request = current_request.get()
    data: dict[str, Any] = {"object": copy.deepcopy(obj)}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    endpoints = [e for e in _endpoints() if _wants(e, type)]
    event = {
        "id": store.new_id("evt"), "object": "event", "account": account, "api_version": API_VERSION,
        "context": None, "created": clock.now(), "data": data, "livemode": False,
        "pending_webhooks": len(endpoints),
        "request": {"id": request.request_id if request else None,
                    "idempotency_key": request.idempotency_key if request else None},
        "type": type,
    }
    if account is None:
        del event["account"]
    store.create(event, account=account)
    deliveries = [SandboxWebhookDelivery.objects.using(DB).create(
        event_id=event["id"], endpoint_id=e["id"], next_attempt_at=event["created"], created=event["created"])
        for e in endpoints]
    if deliveries:
        transaction.on_commit(lambda: _enqueue([d.pk for d in deliveries]), using=DB)
    return event


def _enqueue(delivery_ids: list[int]) -> None:
    from stripe_sandbox.tasks import deliver_event_task

    for delivery_id in delivery_ids:
        deliver_event_task.delay(delivery_id=delivery_id)


def _endpoints() -> list[dict[str, Any]]:
    default_endpoint()
    return [row.data for row in store.query("webhook_endpoint") if row.data["status"] == "enabled"]


def _wants(endpoint: dict[str, Any], type: str) -> bool:
    wanted = endpoint["enabled_events"]
    return "*" in wanted or type in wanted


DEFAULT_ENDPOINT_ID = "we_sandbox_default"


def default_endpoint() -> dict[str, Any] | None:
    """The project's own webhook URL (settings.SANDBOX_WEBHOOK_URL, empty to disable), registered
    once with every event and signed with the first STRIPE_WEBHOOK_SECRET."""
    url = settings.SANDBOX_WEBHOOK_URL
    if not url:
        return None
    existing = store.find(DEFAULT_ENDPOINT_ID, include_deleted=True)
    if existing is not None:
        if not existing.get("deleted") and existing.get("url") != url:
            # The project's own URL follows PORT, which may differ from the run that registered it.
            existing = {**existing, "url": url}
            with transaction.atomic(using=DB):
                store.save(existing)
        return existing
    from stripe_sandbox.resources.webhook_endpoints import endpoint_object

    secret = settings.STRIPE_WEBHOOK_SECRET[0] if settings.STRIPE_WEBHOOK_SECRET else None
    data = endpoint_object(endpoint_id=DEFAULT_ENDPOINT_ID, url=url, enabled_events=["*"],
                           description="The project's own webhook endpoint (sandbox default)", secret=secret)
    try:
        with transaction.atomic(using=DB):
            store.create(data)
    except IntegrityError:  # a concurrent first event registered it
        return store.find(DEFAULT_ENDPOINT_ID, include_deleted=True)
    return data
