"""Real races (threads with their own connections): the unique indexes decide, one request wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from customers.models import Customer
from oracle_ledger import gateway

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def _race(clients, bodies):
    barrier = threading.Barrier(len(clients))
    results = [None] * len(clients)

    def run(i):
        try:
            barrier.wait()
            results[i] = clients[i].post("/api/v1/customers", bodies[i], format="json")
        finally:
            connections.close_all()  # this thread's default AND sandbox connections

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_concurrent_creates_with_one_email_one_wins(client_for, body):
    clients = [client_for("admin"), client_for("admin")]
    bodies = [{**body, "customerId": 1}, {**body, "email": body["email"].upper(), "customerId": 2}]
    responses = _race(clients, bodies)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 422], [r.content for r in responses]
    loser = next(r for r in responses if r.status_code == 422).json()["error"]
    assert loser["code"] == "VALIDATION_ERROR"
    assert [d["reason"] for d in loser["details"]] == ["Email already exists"]
    assert Customer.objects.count() == 1
    # The loser never reached Stripe: exactly one Stripe customer has that email.
    assert len(gateway.customer_list(email=body["email"], limit=100).data) + len(
        gateway.customer_list(email=body["email"].upper(), limit=100).data) == 1


def test_concurrent_creates_with_one_customer_id_one_wins(client_for, body):
    clients = [client_for("admin"), client_for("admin")]
    bodies = [{**body, "email": "a@example.com"}, {**body, "email": "b@example.com"}]
    responses = _race(clients, bodies)
    assert sorted(r.status_code for r in responses) == [201, 422]
    assert Customer.objects.count() == 1


def _threads(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i):
        try:
            barrier.wait()
            results[i] = calls[i]()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_updates_of_different_fields_both_land_here_and_in_stripe(client_for, body):
    admin = client_for("admin")
    created = admin.post("/api/v1/customers", body, format="json").json()["data"]
    url = f"/api/v1/customers/{created['id']}"
    changes = [{"firstName": "Alice"}, {"lastName": "Zed"}, {"phone": "+442071838750"}, {"metadata": {"k": "v"}}]
    clients = [client_for("admin") for _ in changes]
    responses = _threads([lambda c=c, d=d: c.put(url, d, format="json") for c, d in zip(clients, changes, strict=True)])
    assert [r.status_code for r in responses] == [200] * len(changes), [r.content for r in responses]
    customer = Customer.objects.get(public_id=created["id"])
    assert (customer.first_name, customer.last_name, customer.phone, customer.metadata["k"]) == (
        "Alice", "Zed", "+442071838750", "v")
    assert customer.version == 1 + len(changes)
    stripe_customer = gateway.customer_retrieve(created["stripeCustomerId"])
    assert (stripe_customer.name, stripe_customer.phone, stripe_customer.metadata["k"]) == (
        "Alice Zed", "+442071838750", "v")


def test_concurrent_default_choices_leave_one_default_that_stripe_agrees_with(client_for, body):
    from customers.models import PaymentMethod

    admin = client_for("admin")
    cards = [{"type": "card", "token": token} for token in ("tok_visa", "tok_mastercard", "tok_amex")]
    created = admin.post("/api/v1/customers", {**body, "paymentMethods": cards}, format="json").json()["data"]
    pms = list(PaymentMethod.objects.order_by("id"))
    clients = [client_for("admin") for _ in pms]
    base = f"/api/v1/customers/{created['id']}/payment-methods"
    responses = _threads([lambda c=c, pm=pm: c.post(f"{base}/{pm.public_id}/default")
                          for c, pm in zip(clients, pms, strict=True)])
    assert [r.status_code for r in responses] == [200] * len(pms), [r.content for r in responses]
    customer = Customer.objects.get(public_id=created["id"])
    assert PaymentMethod.objects.filter(is_default=True).count() == 1
    default = PaymentMethod.objects.get(is_default=True)
    assert customer.default_payment_method_id == default.pk
    stripe_customer = gateway.customer_retrieve(created["stripeCustomerId"])
    assert stripe_customer.invoice_settings.default_payment_method == default.stripe_payment_method_id
