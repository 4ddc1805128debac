"""Events for state changes, and their signed delivery to webhook endpoints with retries."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from oracle_ledger import gateway
from stripe_sandbox import webhooks
from stripe_sandbox.models import SandboxWebhookDelivery
from stripe_sandbox.tasks import deliver_event_task

pytestmark = pytest.mark.django_db(databases="__all__")


class Receiver:
    """A tiny webhook endpoint on 127.0.0.1 answering the given status codes in turn."""

    def __init__(self, statuses: list[int]):
        self.statuses, self.received = list(statuses), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((body, self.headers["Stripe-Signature"]))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def test_a_card_payment_emits_its_events_in_order():
    intent = gateway.payment_intent_create(amount_cents=1_000, currency="usd", payment_method_id="pm_card_visa",
                                           idempotency_key="pay-1")
    types = [e.type for e in reversed(gateway.event_list())]
    assert types == ["payment_intent.created", "charge.succeeded", "payment_intent.succeeded"]
    succeeded = gateway.event_list(type="payment_intent.succeeded")[0]
    assert succeeded.data.object.id == intent.id
    assert succeeded.request.idempotency_key == "pay-1"
    assert succeeded.api_version == gateway.API_VERSION


def test_refund_emits_charge_refunded_with_previous_attributes():
    intent = gateway.payment_intent_create(amount_cents=1_000, currency="usd", payment_method_id="pm_card_visa",
                                           idempotency_key="p")
    gateway.refund_create(payment_intent_id=intent.id, amount_cents=400, idempotency_key="r")
    event = gateway.event_list(type="charge.refunded")[0]
    assert event.data.object.amount_refunded == 400
    assert event.data.previous_attributes.amount_refunded == 0
    assert [e.type for e in gateway.event_list(type="refund.*")] == ["refund.created"]


def test_endpoint_answering_500_twice_gets_the_event_on_the_third_try_signed(settings):
    settings.SANDBOX_WEBHOOK_RETRY_DELAYS = [1, 2, 3]
    with Receiver([500, 500, 200]) as receiver:
        endpoint = gateway.webhook_endpoint_create(url=receiver.url, enabled_events=["customer.created"],
                                                   idempotency_key="we")
        customer = gateway.customer_create(email="hook@x.co", idempotency_key="c")
        delivery = SandboxWebhookDelivery.objects.get(endpoint_id=endpoint.id)
        deliver_event_task.apply(kwargs={"delivery_id": delivery.pk})
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 3, 200)
    assert len(receiver.received) == 3
    body, signature = receiver.received[-1]
    event = stripe.Webhook.construct_event(body, signature, endpoint.secret)
    assert (event.type, event.data.object.id) == ("customer.created", customer.id)
    assert gateway.event_construct(body, signature, [endpoint.secret]).id == event.id
    assert gateway.event_retrieve(event.id).pending_webhooks == 0


def test_each_failed_attempt_schedules_the_next_by_the_configured_delays(settings):
    from stripe_sandbox import clock

    settings.SANDBOX_WEBHOOK_RETRY_DELAYS = [60, 300]
    with Receiver([500, 503, 500]) as receiver:
        endpoint = gateway.webhook_endpoint_create(url=receiver.url, enabled_events=["*"], idempotency_key="we")
        gateway.customer_create(email="hook@x.co", idempotency_key="c")
        delivery = SandboxWebhookDelivery.objects.get(endpoint_id=endpoint.id)
        first = webhooks.attempt(delivery.pk)
        assert (first.status, first.attempts, first.next_attempt_at) == ("pending", 1, clock.now() + 60)
        second = webhooks.attempt(delivery.pk)
        assert (second.status, second.last_status_code, second.next_attempt_at) == ("pending", 503, clock.now() + 300)
        third = webhooks.attempt(delivery.pk)
    assert (third.status, third.attempts) == ("failed", 3)  # retries exhausted: given up, recorded


def test_only_matching_and_enabled_endpoints_get_deliveries():
    wants = gateway.webhook_endpoint_create(url="http://127.0.0.1:9/a", enabled_events=["charge.succeeded"],
                                            idempotency_key="1")
    other = gateway.webhook_endpoint_create(url="http://127.0.0.1:9/b", enabled_events=["customer.created"],
                                            idempotency_key="2")
    gateway.client().v1.webhook_endpoints.update(other.id, params={"disabled": True})
    gateway.payment_intent_create(amount_cents=1_000, currency="usd", payment_method_id="pm_card_visa",
                                  idempotency_key="p")
    gateway.customer_create(email="x@x.co", idempotency_key="c")
    assert list(SandboxWebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [wants.id]


def test_default_endpoint_is_the_projects_own_webhook_url(settings):
    settings.SANDBOX_WEBHOOK_URL = "http://127.0.0.1:8000/api/v1/webhooks/stripe"
    gateway.customer_create(email="x@x.co", idempotency_key="c")
    endpoints = gateway.webhook_endpoint_list()
    assert [e.url for e in endpoints] == [settings.SANDBOX_WEBHOOK_URL]
    assert "secret" not in endpoints[0]
    assert SandboxWebhookDelivery.objects.get().endpoint_id == endpoints[0].id


def test_signature_from_another_secret_or_too_old_is_rejected():
    payload = json.dumps({"id": "evt_1", "object": "event", "type": "x", "data": {"object": {}}})
    good = webhooks.sign(payload, "whsec_right")
    assert gateway.event_construct(payload, good, ["whsec_old", "whsec_right"]).id == "evt_1"  # rotation
    with pytest.raises(gateway.WebhookSignatureInvalid):
        gateway.event_construct(payload, good, ["whsec_wrong"])
    with pytest.raises(gateway.WebhookSignatureInvalid):
        gateway.event_construct(payload, webhooks.sign(payload, "whsec_right", timestamp=1_000), ["whsec_right"])
    with pytest.raises(gateway.WebhookSignatureInvalid):
        gateway.event_construct(payload + " ", good, ["whsec_right"])
