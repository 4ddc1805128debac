"""Direct deposit tests: the real SDK through the gateway against the in-process Stripe sandbox."""

from __future__ import annotations

import itertools

import pytest

VERIFIED_DOB = "1901-01-01"   # Stripe's test value: verifies at once (DESIGN §9)
REJECTED_DOB = "1902-01-01"   # rejected
OTHER_DOB = "1985-06-15"      # verified once the clock is one day past the account's creation
ROUTING = "110000000"
SUCCEEDS = "000123456789"
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _sandbox_settings(sandbox_stripe_failures_cleared, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "direct_deposit": "1000/m"}
    settings.PAYROLL_PARALLELISM = 1


@pytest.fixture
def admin_client(client_for):
    return client_for("admin")


def recipient_body(*, dob: str = VERIFIED_DOB, account_number: str = SUCCEEDS, **overrides) -> dict:
    n = next(_numbers)
    body = {
        "employeeId": f"emp_{n:06d}", "firstName": "Jane", "lastName": f"Smith{n}",
        "email": f"jane{n}@example.com", "phone": "+14155550123", "dateOfBirth": dob, "ssnLast4": "1234",
        "address": {"line1": "123 Elm Street", "city": "San Francisco", "state": "CA", "postalCode": "94105",
                    "country": "US"},
        "bankAccounts": [{"accountHolderName": "Jane Smith", "bankName": "Wells Fargo", "routingNumber": ROUTING,
                          "accountNumber": account_number, "accountType": "checking", "isDefault": True}],
    }
    body.update(overrides)
    return body


@pytest.fixture
def make_recipient(admin_client):
    """make_recipient(client=admin, **body overrides) -> the created recipient's API data."""

    def make(client=None, **overrides):
        response = (client or admin_client).post("/api/v1/direct-deposit/recipients", recipient_body(**overrides),
                                                 format="json")
        assert response.status_code == 201, response.content
        return response.json()["data"]

    return make


@pytest.fixture
def fund():
    """fund(cents): top up the platform's Stripe balance (what transfers spend)."""
    from tests.stripe_sandbox.connect_helpers import fund_platform

    return fund_platform


@pytest.fixture
def pay(admin_client, fund):
    """pay(recipient data, amount=500000, client=admin, **body) -> the POST /payouts response."""

    def post(recipient, amount: int = 500_000, client=None, funded: bool = True, **body):
        if funded:
            fund(amount)
        payload = {"recipientId": recipient["id"], "amount": amount, "currency": "usd",
                   "description": "Payroll - November 2025", "payPeriodStart": "2025-11-01",
                   "payPeriodEnd": "2025-11-15", **body}
        return (client or admin_client).post("/api/v1/direct-deposit/payouts", payload, format="json")

    return post
