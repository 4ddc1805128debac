"""ACH tests: the real SDK through the gateway against the in-process Stripe sandbox, with the
sandbox clock frozen on a known banking day so "today", holidays and settlement are exact.

Most tests are transactional (`transaction=True, databases="__all__"`): the sandbox commits on its
own connection and the ledger reads the sandbox clock on the default one, so both must see
committed rows, as they do in production."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.webhooks.helpers import SECRET, URL

MONDAY = dt.date(2027, 3, 1)  # a plain banking day, far from any Federal Reserve holiday
ACCOUNTS = {"succeeds": "000123456789", "no_account": "000111111116", "account_closed": "000111111113",
            "insufficient_funds": "000222222227", "debit_not_authorized": "000333333335",
            "invalid_currency": "000444444440", "never": "000000000009"}


@pytest.fixture(autouse=True)
def _sandbox_settings(sandbox_stripe, settings):
    settings.STRIPE_WEBHOOK_SECRET = [SECRET]
    settings.RATE_LIMIT_ENABLED = False


def freeze(day: dt.date, hour: int = 10) -> None:
    from stripe_sandbox import DB
    from stripe_sandbox.models import SandboxClock

    moment = int(dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC).timestamp())
    SandboxClock.objects.using(DB).update_or_create(pk=1, defaults={"frozen_at": moment, "offset_seconds": 0})


@pytest.fixture
def today(transactional_db):
    freeze(MONDAY)
    return MONDAY


@pytest.fixture
def admin_client(client_for):
    return client_for("admin")


@pytest.fixture
def make_bank_customer(admin_client):
    """make_bank_customer(outcome="succeeds", holder="individual", client=admin) -> (customer id,
    bank payment method id), made through the customers API (Stripe customer, payment method and
    mandate in the sandbox)."""
    counter = iter(range(1, 10_000))

    def make(outcome: str = "succeeds", holder: str = "individual", client=None):
        n = next(counter)
        client = client or admin_client
        body = {"firstName": "Ach", "lastName": f"Payer{n}", "email": f"ach{n}@example.com",
                "paymentMethods": [{"type": "us_bank_account", "isDefault": True, "usBankAccount": {
                    "routingNumber": "110000000", "accountNumber": ACCOUNTS[outcome],
                    "accountHolderName": f"Ach Payer{n}", "accountHolderType": holder,
                    "accountType": "checking"}}]}
        response = client.post("/api/v1/customers", body, format="json")
        assert response.status_code == 201, response.content
        data = client.get(f"/api/v1/customers/{response.json()['data']['id']}").json()["data"]
        return data["id"], data["paymentMethods"][0]["id"]

    return make


@pytest.fixture
def debit(admin_client):
    """debit(customer, pm, client=admin, **body) -> the response of POST /api/v1/ach-payments."""

    def post(customer: str, pm: str, client=None, headers=None, **body):
        payload = {"customerId": customer, "paymentMethodId": pm, "amount": 10000, "currency": "usd",
                   "description": "Monthly subscription", "achClassCode": "PPD", **body}
        return (client or admin_client).post("/api/v1/ach-payments", payload, format="json", headers=headers or {})

    return post


def deliver_all(client) -> list:
    """Hand every sandbox event not yet delivered to our webhook endpoint, signed as Stripe signs,
    and run the processing task as a worker would. Returns the stored WebhookEvents."""
    from stripe_sandbox import store
    from stripe_sandbox.webhooks import sign
    from tests.webhooks.helpers import process
    from webhooks.models import WebhookEvent

    rows = []
    known = set(WebhookEvent.objects.values_list("stripe_event_id", flat=True))
    for evt in reversed([row.data for row in store.query("event")]):  # in the order Stripe made them
        if evt["id"] in known:
            continue
        payload = json.dumps(evt)
        response = client.generic("POST", URL, payload, content_type="application/json",
                                  HTTP_STRIPE_SIGNATURE=sign(payload, SECRET))
        assert response.status_code == 200, response.content
        row = WebhookEvent.objects.get(stripe_event_id=evt["id"])
        process(row.pk)
        row.refresh_from_db()
        rows.append(row)
    return rows


def advance(days: int) -> str:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("stripe_sandbox", "advance", "--days", str(days), stdout=out)
    return out.getvalue()
