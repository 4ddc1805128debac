"""Payments tests: the real SDK through the gateway against the in-process Stripe sandbox."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _sandbox_settings(sandbox_stripe_failures_cleared):
    """Every test here runs on the in-process sandbox (tests/conftest.py `sandbox_stripe`)."""


@pytest.fixture
def admin_client(client_for):
    return client_for("admin")


@pytest.fixture
def make_customer(admin_client):
    """make_customer(card="tok_visa", client=admin, **fields) -> the customer's API data, made
    through the customers API with that card as its default payment method."""
    counter = iter(range(1, 10_000))

    def make(card: str | None = "tok_visa", client=None, **fields):
        n = next(counter)
        body = {"firstName": "Pay", "lastName": f"Er{n}", "email": f"payer{n}@example.com", **fields}
        if card:
            body["paymentMethods"] = [{"type": "card", "token": card, "isDefault": True}]
        response = (client or admin_client).post("/api/v1/customers", body, format="json")
        assert response.status_code == 201, response.content
        # The full view lists the payment methods with their ids.
        return (client or admin_client).get(f"/api/v1/customers/{response.json()['data']['id']}").json()["data"]

    return make


@pytest.fixture
def customer(make_customer):
    return make_customer()


@pytest.fixture
def pay(admin_client, customer):
    """pay(client=admin, customer=the fixture's, **body) -> the response of POST /api/v1/payments."""

    def post(client=None, customer_data=None, headers=None, **body):
        payload = {"customerId": (customer_data or customer)["id"], "amount": 2599, "currency": "usd",
                   "description": "Invoice #12345", **body}
        return (client or admin_client).post("/api/v1/payments", payload, format="json", headers=headers or {})

    return post
