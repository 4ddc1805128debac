"""End to end (issue 8 §5): an API call makes the sandbox Stripe emit events; the sandbox's own
delivery task POSTs them, signed, over HTTP to this project's endpoint on a live server; the
processing task handles them. (Issue 7's payments are not here yet: a customer with a card is the
API call; its events are handled by the customers app.)"""

from __future__ import annotations

import pytest

from stripe_sandbox import DB
from stripe_sandbox.models import SandboxWebhookDelivery
from stripe_sandbox.tasks import deliver_event_task
from tests.customers.conftest import VALID
from tests.webhooks.helpers import URL, process
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def test_events_of_an_api_call_are_delivered_by_the_sandbox_and_processed(live_server, settings, client_for, org):
    settings.SANDBOX_WEBHOOK_URL = f"{live_server.url}{URL}"
    response = client_for("admin").post("/api/v1/customers", {**VALID, "paymentMethods": [
        {"type": "card", "token": "tok_visa", "isDefault": True}]}, format="json")
    assert response.status_code == 201, response.content

    deliveries = list(SandboxWebhookDelivery.objects.using(DB).order_by("pk"))
    assert deliveries
    for delivery in deliveries:  # what the worker does with the messages the sandbox enqueued
        deliver_event_task.apply(kwargs={"delivery_id": delivery.pk})
    assert {d.status for d in SandboxWebhookDelivery.objects.using(DB).all()} == {"succeeded"}

    events = list(WebhookEvent.objects.order_by("pk"))
    assert len(events) == len(deliveries)
    assert {"customer.created", "payment_method.attached"} <= {e.type for e in events}
    for row in events:
        process(row.pk)
    statuses = dict(WebhookEvent.objects.values_list("type", "status"))
    assert statuses["customer.created"] == "processed" and statuses["payment_method.attached"] == "processed"
    assert set(statuses.values()) <= {"processed", "ignored"}  # e.g. setup_intent.* has no handler
