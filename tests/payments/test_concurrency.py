"""Real races (threads with their own database connections): one Idempotency-Key makes one Stripe
PaymentIntent; concurrent refunds never exceed the amount."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from ledger.models import JournalEntry
from payments.models import Payment, Refund
from stripe_sandbox import DB
from stripe_sandbox.models import SandboxObject
from tests.helpers import stripe_intent_count

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def race(n: int, work) -> list:
    """Run work(i) in n threads released together; each thread closes its own connection."""
    barrier, results = threading.Barrier(n), [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        finally:
            connections.close_all()  # the default and the sandbox alias of this thread

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_twenty_concurrent_posts_with_one_key_make_one_payment_intent(client_for, make_user, make_customer):
    user = make_user("admin")
    customer = make_customer(client=client_for(user))
    clients = [client_for(user) for _ in range(20)]
    body = {"customerId": customer["id"], "amount": 2599, "currency": "usd", "description": "race"}
    responses = race(20, lambda i: clients[i].post("/api/v1/payments", body, format="json",
                                                   headers={"Idempotency-Key": "one-key"}))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 409}, statuses
    assert stripe_intent_count() == 1
    assert Payment.objects.count() == 1
    payment = Payment.objects.get()
    assert payment.status == "succeeded"
    assert {r.json()["data"]["id"] for r in responses if r.status_code == 200} == {payment.public_id}
    assert all(r.json()["error"]["code"] == "IDEMPOTENCY_CONFLICT" for r in responses if r.status_code == 409)
    assert JournalEntry.objects.filter(source_id=payment.public_id).count() == 1


def test_ten_concurrent_thirty_percent_refunds_let_exactly_three_through(client_for, make_user, make_customer):
    user = make_user("admin")
    customer = make_customer(client=client_for(user))
    paid = client_for(user).post("/api/v1/payments", {"customerId": customer["id"], "amount": 10_000,
                                                       "currency": "usd"}, format="json").json()["data"]
    clients = [client_for(user) for _ in range(10)]
    responses = race(10, lambda i: clients[i].post(f"/api/v1/payments/{paid['id']}/refund",
                                                   {"amount": 3000, "reason": "requested_by_customer"},
                                                   format="json"))
    ok = [r for r in responses if r.status_code == 200]
    rejected = [r for r in responses if r.status_code == 422]
    assert (len(ok), len(rejected)) == (3, 7), [r.status_code for r in responses]
    for response in rejected:
        [detail] = response.json()["error"]["details"]
        assert detail["field"] == "amount" and detail["refundableAmount"] == 1000
    assert Payment.objects.get(public_id=paid["id"]).refunded_cents == 9000
    assert Refund.objects.count() == 3
    stripe_refunds = SandboxObject.objects.using(DB).filter(object="refund")
    assert sum(obj.data["amount"] for obj in stripe_refunds) == 9000
    assert JournalEntry.objects.filter(source_type="refund").count() == 3
