"""Customers tests: the real SDK through the gateway against the in-process Stripe sandbox."""

from __future__ import annotations

import pytest

VALID = {
    "firstName": "John", "lastName": "Doe", "email": "john.doe@example.com", "phone": "+14155552671",
    "billingAddress": {"line1": "123 Main Street", "line2": "Suite 100", "city": "San Francisco", "state": "CA",
                       "postalCode": "94105", "country": "US"},
    "shippingAddress": {"line1": "456 Oak Avenue", "line2": "", "city": "Los Angeles", "state": "CA",
                        "postalCode": "90210", "country": "US"},
    "customerId": 12345,
    "metadata": {"source": "website", "campaign": "spring_2025", "sales_rep": "john_smith"},
}


@pytest.fixture(autouse=True)
def _sandbox_settings(sandbox_stripe_failures_cleared):
    """Every test here runs on the in-process sandbox (tests/conftest.py `sandbox_stripe`)."""


@pytest.fixture
def body():
    """A fresh copy of a valid create body (the guide's example, with a real E.164 number)."""
    import copy

    return copy.deepcopy(VALID)


@pytest.fixture
def admin_client(client_for):
    return client_for("admin")


@pytest.fixture
def create(admin_client, body):
    """create(client=admin, **overrides) -> the created customer's data (asserts 201)."""

    def make(client=None, **overrides):
        response = (client or admin_client).post("/api/v1/customers", {**body, **overrides}, format="json")
        assert response.status_code == 201, response.content
        return response.json()["data"]

    return make
