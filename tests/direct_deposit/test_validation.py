"""Every validation rule breaks with a clear 422 naming the field, never echoes an account number
or SSN digits beyond the last 4, and changes nothing (issue 10 item 2)."""

from __future__ import annotations

import pytest

from direct_deposit.models import Payout, Recipient
from tests.direct_deposit.conftest import recipient_body
from tests.helpers import failing_fields, sandbox_count

pytestmark = pytest.mark.django_db(databases="__all__")


def bank(**overrides) -> list[dict]:
    account = {"accountHolderName": "Jane Smith", "bankName": "Wells Fargo", "routingNumber": "110000000",
               "accountNumber": "000123456789", "accountType": "checking", "isDefault": True}
    account.update(overrides)
    return [account]


CASES = [
    ("bankAccounts.0.routingNumber", {"bankAccounts": bank(routingNumber="110000001")}),
    ("bankAccounts.0.routingNumber", {"bankAccounts": bank(routingNumber="12345")}),
    ("bankAccounts.0.accountNumber", {"bankAccounts": bank(accountNumber="123")}),
    ("bankAccounts.0.accountNumber", {"bankAccounts": bank(accountNumber="123456789012345678")}),
    ("bankAccounts.0.accountNumber", {"bankAccounts": bank(accountNumber="00012345678x")}),
    ("bankAccounts.0.accountType", {"bankAccounts": bank(accountType="brokerage")}),
    ("bankAccounts", {"bankAccounts": []}),
    ("ssnLast4", {"ssnLast4": "123"}),
    ("ssnLast4", {"ssnLast4": "123456789"}),
    ("ssnLast4", {"ssnLast4": "12a4"}),
    ("dateOfBirth", {"dateOfBirth": "2999-01-01"}),
    ("dateOfBirth", {"dateOfBirth": "15/05/1990"}),
    ("email", {"email": "invalid-email"}),
    ("phone", {"phone": "12345"}),
    ("address.state", {"address": {"line1": "1 Main", "city": "SF", "state": "ZZ", "postalCode": "94105",
                                   "country": "US"}}),
    ("address.postalCode", {"address": {"line1": "1 Main", "city": "SF", "state": "CA", "postalCode": "9410",
                                        "country": "US"}}),
    ("address.country", {"address": {"line1": "1 Main", "city": "SF", "country": "XX"}}),
    ("address.line1", {"address": {"city": "SF", "state": "CA", "postalCode": "94105", "country": "US"}}),
]


@pytest.mark.parametrize(("field", "overrides"), CASES, ids=[f"{f}-{i}" for i, (f, _) in enumerate(CASES)])
def test_each_recipient_rule_is_a_422_naming_the_field_and_nothing_is_made(admin_client, field, overrides):
    response = admin_client.post("/api/v1/direct-deposit/recipients", recipient_body(**overrides), format="json")
    assert field in failing_fields(response), response.content
    assert "000123456789" not in response.content.decode()
    assert Recipient.objects.count() == 0 and sandbox_count("account") == 0


def test_an_account_number_is_never_echoed_in_errors(admin_client):
    response = admin_client.post("/api/v1/direct-deposit/recipients",
                                 recipient_body(bankAccounts=bank(accountNumber="12345678901234567890")),
                                 format="json")
    detail = failing_fields(response)["bankAccounts.0.accountNumber"]
    assert detail["value"] == "[REDACTED]" and "12345678901234567890" not in response.content.decode()


PAYOUT_CASES = [
    ("amount", {"amount": 0}), ("amount", {"amount": -5}), ("amount", {"amount": "500"}), ("amount", {"amount": 1.5}),
    ("currency", {"currency": "eur"}), ("payPeriodEnd", {"payPeriodStart": "2025-11-15", "payPeriodEnd": "2025-11-01"}),
    ("payPeriodStart", {"payPeriodStart": "11/01/2025"}), ("metadata", {"metadata": "x"}),
]


@pytest.mark.parametrize(("field", "overrides"), PAYOUT_CASES, ids=[f for f, _ in PAYOUT_CASES])
def test_each_payout_rule_is_a_422_naming_the_field_and_nothing_moves(make_recipient, pay, field, overrides):
    recipient = make_recipient()
    body = {"amount": 500_000, **overrides}
    response = pay(recipient, funded=False, **body)
    assert field in failing_fields(response), response.content
    assert Payout.objects.count() == 0 and sandbox_count("transfer") == 0


def test_a_bank_account_of_another_recipient_is_404(make_recipient, pay):
    mine, other = make_recipient(), make_recipient()
    response = pay(mine, funded=False, bankAccountId=other["bankAccounts"][0]["id"])
    assert response.status_code == 404 and response.json()["error"]["code"] == "RESOURCE_NOT_FOUND"
    assert Payout.objects.count() == 0
