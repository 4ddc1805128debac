"""Stripe failing: STRIPE_ERROR 502 and nothing half-saved (issue 6)."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from customers.models import Customer
from oracle_ledger import gateway
from stripe_sandbox import failures
from tests.helpers import error

pytestmark = pytest.mark.django_db(databases="__all__")

# The SDK retries twice (same idempotency key); three failures in a row exhaust it.
EXHAUSTED = 1 + gateway.MAX_NETWORK_RETRIES


@pytest.mark.parametrize("kind", [failures.CONNECTION, failures.SERVER_ERROR, failures.RATE_LIMIT])
def test_stripe_unreachable_on_create_saves_nothing(admin_client, body, kind):
    failures.inject(kind, count=EXHAUSTED, path_prefix="/v1/customers")
    response = admin_client.post("/api/v1/customers", body, format="json")
    error(response, 502, "STRIPE_ERROR")
    assert not Customer.objects.exists()
    assert not AuditEntry.objects.filter(action="customer.created").exists()


def test_after_an_outage_the_same_create_succeeds(admin_client, body):
    failures.inject(failures.CONNECTION, count=EXHAUSTED, path_prefix="/v1/customers")
    error(admin_client.post("/api/v1/customers", body, format="json"), 502, "STRIPE_ERROR")
    response = admin_client.post("/api/v1/customers", body, format="json")
    assert response.status_code == 201, response.content  # the email was not left claimed


def test_a_lost_answer_is_retried_without_a_second_stripe_customer(admin_client, body):
    # Stripe did the work but the answer never came back; the SDK's retry reuses the idempotency
    # key derived from our customer, so Stripe answers with the customer it already made.
    before = len(gateway.customer_list(limit=100).data)
    failures.inject(failures.TIMEOUT, count=1, path_prefix="/v1/customers")
    response = admin_client.post("/api/v1/customers", {**body, "shippingAddress": None}, format="json")
    assert response.status_code == 201, response.content
    assert len(gateway.customer_list(limit=100).data) == before + 1


def test_failure_after_the_stripe_customer_exists_removes_both(admin_client, body):
    # The create succeeds, the shipping update (second call) fails: no local row stays, and the
    # half-made Stripe customer is deleted.
    failures.inject(failures.SERVER_ERROR, count=EXHAUSTED, path_prefix="/v1/customers/cus_")
    error(admin_client.post("/api/v1/customers", body, format="json"), 502, "STRIPE_ERROR")
    assert not Customer.objects.exists()
    assert gateway.customer_list(limit=100).data == []


def test_stripe_unreachable_on_update_changes_nothing(admin_client, create):
    data = create()
    failures.inject(failures.SERVER_ERROR, count=EXHAUSTED, path_prefix="/v1/customers")
    response = admin_client.put(f"/api/v1/customers/{data['id']}", {"firstName": "Changed"}, format="json")
    error(response, 502, "STRIPE_ERROR")
    customer = Customer.objects.get(public_id=data["id"])
    assert (customer.first_name, customer.version) == ("John", 1)
    assert gateway.customer_retrieve(data["stripeCustomerId"]).name == "John Doe"
    assert not AuditEntry.objects.filter(action="customer.updated").exists()
    # Once Stripe is back, the same update goes through.
    assert admin_client.put(f"/api/v1/customers/{data['id']}", {"firstName": "Changed"},
                            format="json").status_code == 200
