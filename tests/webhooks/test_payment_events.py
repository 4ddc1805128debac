"""Card payments (issue 7's handlers, plugged into the webhooks registry): a payment made through
the API ends with its webhooks processed; `payment_intent.succeeded` arriving before
`payment_intent.processing` leaves the payment succeeded; the ledger entry is posted once."""

from __future__ import annotations

import json

import pytest

from ledger.models import JournalEntry
from payments.models import Payment
from stripe_sandbox import DB, store
from stripe_sandbox.models import SandboxWebhookDelivery
from stripe_sandbox.tasks import deliver_event_task
from stripe_sandbox.webhooks import sign
from tests.webhooks.helpers import SECRET, URL, process
from webhooks.models import WebhookEvent


def paid(client) -> Payment:
    customer = client.post("/api/v1/customers", {
        "firstName": "Pay", "lastName": "Er", "email": "payer@example.com",
        "paymentMethods": [{"type": "card", "token": "tok_visa", "isDefault": True}]}, format="json")
    assert customer.status_code == 201, customer.content
    response = client.post("/api/v1/payments", {"customerId": customer.json()["data"]["id"], "amount": 2599,
                                                "currency": "usd", "description": "Invoice #12345"}, format="json")
    assert response.status_code == 200, response.content
    return Payment.objects.get(public_id=response.json()["data"]["id"])


def card_entries() -> int:
    return JournalEntry.objects.filter(kind="card_payment").count()


def deliver(client, evt: dict) -> WebhookEvent:
    payload = json.dumps(evt, indent=2)
    response = client.generic("POST", URL, payload, content_type="application/json",
                              HTTP_STRIPE_SIGNATURE=sign(payload, SECRET))
    assert response.status_code == 200, response.content
    row = WebhookEvent.objects.get(stripe_event_id=evt["id"])
    process(row.pk)
    row.refresh_from_db()
    return row


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_payment_made_through_the_api_ends_with_its_webhooks_processed(live_server, settings, client_for, org):
    settings.SANDBOX_WEBHOOK_URL = f"{live_server.url}{URL}"  # the sandbox POSTs over real HTTP
    payment = paid(client_for("admin"))
    for delivery in SandboxWebhookDelivery.objects.using(DB).order_by("pk"):
        deliver_event_task.apply(kwargs={"delivery_id": delivery.pk})
    assert set(SandboxWebhookDelivery.objects.using(DB).values_list("status", flat=True)) == {"succeeded"}
    for row in WebhookEvent.objects.order_by("pk"):
        process(row.pk)
    succeeded = WebhookEvent.objects.get(type="payment_intent.succeeded")
    assert (succeeded.status, succeeded.organization, succeeded.object_id) == (
        "processed", org, payment.stripe_payment_intent_id)
    assert WebhookEvent.objects.get(type="charge.succeeded").status == "processed"
    payment.refresh_from_db()
    assert payment.status == "succeeded" and card_entries() == 1


@pytest.mark.django_db(databases="__all__")
def test_succeeded_arriving_before_processing_leaves_the_payment_succeeded(api_client, client_for, org):
    payment = paid(client_for("admin"))
    [evt] = [row.data for row in store.query("event", data__type="payment_intent.succeeded")]
    assert deliver(api_client, evt).status == "processed"
    late = {**evt, "id": evt["id"] + "_processing", "type": "payment_intent.processing", "created": evt["created"] - 1,
            "data": {"object": {**evt["data"]["object"], "status": "processing"}}}
    assert deliver(api_client, late).status == "processed"
    payment.refresh_from_db()
    assert payment.status == "succeeded" and card_entries() == 1
    assert deliver(api_client, evt | {"id": evt["id"] + "_redelivered_copy"}).status == "processed"
    assert card_entries() == 1
