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
