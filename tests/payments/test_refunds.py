"""Refunds: partial and repeated, never above the amount, only of succeeded payments, ledger."""

from __future__ import annotations

import pytest

from ledger.models import EntryKind, JournalEntry
from payments.models import Payment, Refund
from tests.helpers import error, failing_fields

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def paid(pay):
    return pay(amount=10_000).json()["data"]


def refund(client, payment_id, **body):
    return client.post(f"/api/v1/payments/{payment_id}/refund", body, format="json")


def test_partial_refund_answers_the_guides_body(admin_client, paid):
    response = refund(admin_client, paid["id"], amount=500, reason="requested_by_customer",
                      metadata={"refundReason": "service_not_satisfied"})
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["id"].startswith("re_") and data["object"] == "refund"
    assert (data["amount"], data["currency"], data["reason"]) == (500, "usd", "requested_by_customer")
    assert data["paymentIntent"] == paid["id"] and data["charge"] == paid["charges"]["data"][0]["id"]
    assert data["status"] in ("pending", "succeeded") and data["createdAt"]


def test_repeated_partial_refunds_add_up_and_post_each(admin_client, paid):
    for amount in (1000, 2500, 6500):
        assert refund(admin_client, paid["id"], amount=amount).status_code == 200
    payment = Payment.objects.get(public_id=paid["id"])
    assert payment.refunded_cents == 10_000
    entries = JournalEntry.objects.filter(source_type="refund", kind=EntryKind.REFUND)
    assert entries.count() == 3
    assert sorted(r.amount_cents for r in Refund.objects.all()) == [1000, 2500, 6500]


def test_refund_without_amount_refunds_the_remainder(admin_client, paid):
    refund(admin_client, paid["id"], amount=3000)
    assert refund(admin_client, paid["id"]).json()["data"]["amount"] == 7000


def test_refund_over_the_remainder_is_422_with_the_refundable_amount(admin_client, paid):
    refund(admin_client, paid["id"], amount=8000)
    field = failing_fields(refund(admin_client, paid["id"], amount=2001))["amount"]
    assert field["refundableAmount"] == 2000 and field["value"] == 2001
    assert Payment.objects.get(public_id=paid["id"]).refunded_cents == 8000
    assert Refund.objects.count() == 1


def test_fully_refunded_payment_refuses_another_refund(admin_client, paid):
    refund(admin_client, paid["id"])
    assert failing_fields(refund(admin_client, paid["id"]))["amount"]["refundableAmount"] == 0


@pytest.mark.parametrize(("amount", "field"), [(0, "amount"), (-5, "amount"), ("100", "amount"), (1.5, "amount")])
def test_bad_refund_amount_is_422(admin_client, paid, amount, field):
    assert field in failing_fields(refund(admin_client, paid["id"], amount=amount))


def test_unknown_reason_is_422(admin_client, paid):
    assert "reason" in failing_fields(refund(admin_client, paid["id"], reason="changed_my_mind"))
    assert Refund.objects.count() == 0


def test_refund_of_a_failed_payment_is_422(admin_client, make_customer, pay):
    payment_id = pay(customer_data=make_customer(card="tok_chargeDeclined")).json()["error"]["details"]["paymentId"]
    field = failing_fields(refund(admin_client, payment_id, amount=100))["paymentId"]
    assert "failed" in field["reason"]
    assert Refund.objects.count() == 0


def test_refund_of_a_canceled_payment_is_422(admin_client, pay):
    payment_id = pay(confirm=False).json()["data"]["id"]
    admin_client.post(f"/api/v1/payments/{payment_id}/cancel")
    assert "canceled" in failing_fields(refund(admin_client, payment_id))["paymentId"]["reason"]


def test_refund_of_an_unknown_payment_is_404(admin_client):
    error(refund(admin_client, "pi_nope", amount=100), 404, "RESOURCE_NOT_FOUND")


def test_refund_is_shown_on_the_payment(admin_client, paid):
    refund(admin_client, paid["id"], amount=1234)
    assert admin_client.get(f"/api/v1/payments/{paid['id']}").json()["data"]["amountRefunded"] == 1234
