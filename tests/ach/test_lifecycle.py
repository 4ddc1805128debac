"""Each sandbox test account through the sandbox clock: create, advance, deliver the events to the
webhook endpoint, then status, return code, rules and ledger (issue 9 "done when")."""

from __future__ import annotations

import pytest

from ach.models import AchPayment, AchReturn
from customers.models import Customer, PaymentMethod
from ledger.models import JournalEntry
from tests.ach.conftest import advance, deliver_all

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def entries(kind: str) -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(kind=kind))


def test_a_settling_debit_runs_the_full_cycle_and_posts_the_ledger_with_stripes_fee(
        today, api_client, admin_client, make_bank_customer, debit):
    customer, pm = make_bank_customer("succeeds")
    response = debit(customer, pm, amount=10000)
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["status"] == "processing" and data["id"].startswith("pi_ach_")
    assert data["achDetails"] == {"classCode": "PPD", "companyName": "ORACLE-LEDGER Demo Co",
                                  "companyIdentification": "1234567890", "scheduledDate": "2027-03-01",
                                  "estimatedSettlementDate": "2027-03-05"}
    deliver_all(api_client)
    assert AchPayment.objects.get(public_id=data["id"]).status == "processing" and not entries("ach_settlement")

    out = advance(4)
    assert "transitions ach_settle x1" in out
    events = deliver_all(api_client)
    assert {e.type: e.status for e in events}["payment_intent.succeeded"] == "processed"
    payment = AchPayment.objects.get(public_id=data["id"])
    assert payment.status == "succeeded" and payment.fee_cents == 80  # min(round(0.8% x 10000), 500)
    [entry] = entries("ach_settlement")
    lines = {line.account.code: line.amount_cents for line in entry.lines.select_related("account")}
    assert sorted(lines.values()) == [-10000, 80, 9920]

    shown = admin_client.get(f"/api/v1/ach-payments/{data['id']}").json()["data"]
    assert shown["status"] == "succeeded" and shown["returnCode"] is None
    assert shown["achDetails"]["processedDate"] == "2027-03-01T10:00:00.000Z"
    assert shown["achDetails"]["actualSettlementDate"].startswith("2027-03-05")
    assert shown["bankAccount"] == {"bankName": "STRIPE TEST BANK", "last4": "6789", "accountType": "checking"}


@pytest.mark.parametrize(("outcome", "code", "rule", "pm_status", "flagged"), [
    ("insufficient_funds", "R01", "representable", "active", False),
    ("account_closed", "R02", "account_disabled", "disabled", False),
    ("no_account", "R03", "account_disabled", "disabled", False),
    ("debit_not_authorized", "R10", "account_disabled_compliance_review", "disabled", True),
    ("invalid_currency", "R17", "none", "active", False),
])
def test_each_failing_test_account_returns_with_its_code_and_rule(
        today, api_client, admin_client, make_bank_customer, debit, outcome, code, rule, pm_status, flagged):
    customer, pm = make_bank_customer(outcome)
    payment_id = debit(customer, pm).json()["data"]["id"]
    advance(4)
    deliver_all(api_client)
    payment = AchPayment.objects.get(public_id=payment_id)
    assert (payment.status, payment.return_code) == ("failed", code)
    [ret] = AchReturn.objects.filter(ach_payment=payment)
    assert (ret.rule_applied, ret.late, ret.adjusted_amount_cents) == (rule, False, 10000)
    assert PaymentMethod.objects.get(public_id=pm).status == pm_status
    assert Customer.objects.get(public_id=customer).compliance_review_required is flagged
    assert not entries("ach_settlement") and not entries("ach_return")  # nothing had been posted
    returns = admin_client.get(f"/api/v1/ach-payments/{payment_id}/returns").json()["data"]["returns"]
    assert [(r["returnCode"], r["achPaymentId"], r["adjustedAmount"]) for r in returns] == [(code, payment_id, 10000)]


def test_the_never_settling_account_stays_processing(today, api_client, make_bank_customer, debit):
    customer, pm = make_bank_customer("never")
    payment_id = debit(customer, pm).json()["data"]["id"]
    advance(10)
    deliver_all(api_client)
    assert AchPayment.objects.get(public_id=payment_id).status == "processing"


def test_a_late_return_after_settlement_reverses_the_ledger_and_applies_the_rule(
        today, api_client, admin_client, make_bank_customer, debit):
    customer, pm = make_bank_customer("succeeds")
    payment_id = debit(customer, pm).json()["data"]["id"]
    advance(4)
    deliver_all(api_client)
    charge = AchPayment.objects.get(public_id=payment_id).stripe_charge_id
    response = api_client.generic("POST", f"/sandbox/stripe/v1/test_helpers/ach/charges/{charge}/fail",
                                  "failure_code=debit_not_authorized", content_type="application/x-www-form-urlencoded",
                                  HTTP_AUTHORIZATION="Bearer sk_test_sandbox")
    assert response.status_code == 200, response.content
    events = deliver_all(api_client)
    assert [(e.type, e.status) for e in events] == [("charge.failed", "processed")]
    payment = AchPayment.objects.get(public_id=payment_id)
    assert (payment.status, payment.return_code) == ("failed", "R10")
    [ret] = payment.returns.all()
    assert ret.late and ret.rule_applied == "account_disabled_compliance_review"
    [settlement], [reversal] = entries("ach_settlement"), entries("ach_return")
    assert reversal.reverses_id == settlement.pk
    assert sorted(line.amount_cents for line in reversal.lines.all()) == [-10000, 10000]
    assert Customer.objects.get(public_id=customer).compliance_review_required


def test_an_ach_dispute_after_settlement_is_an_unauthorized_return(today, api_client, make_bank_customer, debit):
    """The sandbox does not open disputes; this is the event Stripe sends (shape of its `dispute`),
    signed and delivered to the endpoint like any other. The card payments' handler ignores it."""
    import json

    from stripe_sandbox.webhooks import sign
    from tests.webhooks.helpers import SECRET, URL, event, process
    from webhooks.models import WebhookEvent

    customer, pm = make_bank_customer("succeeds")
    payment_id = debit(customer, pm).json()["data"]["id"]
    advance(4)
    deliver_all(api_client)
    payment = AchPayment.objects.get(public_id=payment_id)
    evt = event("charge.dispute.created", {"id": "dp_test_1", "object": "dispute", "amount": 10000,
                                           "charge": payment.stripe_charge_id, "currency": "usd",
                                           "payment_intent": payment.stripe_payment_intent_id,
                                           "reason": "debit_not_authorized", "status": "lost"})
    payload = json.dumps(evt)
    assert api_client.generic("POST", URL, payload, content_type="application/json",
                              HTTP_STRIPE_SIGNATURE=sign(payload, SECRET)).status_code == 200
    row = WebhookEvent.objects.get(stripe_event_id=evt["id"])
    process(row.pk)
    row.refresh_from_db()
    assert row.status == "processed"
    payment.refresh_from_db()
    assert (payment.status, payment.return_code) == ("failed", "R10")
    assert payment.returns.get().late and len(entries("ach_return")) == 1
    assert Customer.objects.get(public_id=customer).compliance_review_required
