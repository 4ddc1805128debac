"""The guide's Payment Processing API end to end: create, retrieve, confirm, cancel, every
documented test card, ledger and audit."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from ledger.models import EntryKind, JournalEntry
from payments.models import Payment
from tests.helpers import error, failing_fields, stripe_intent_count

pytestmark = pytest.mark.django_db(databases="__all__")

DECLINES = [  # Stripe's documented test tokens: (token, stripeErrorCode, declineCode)
    ("tok_chargeDeclined", "card_declined", "generic_decline"),
    ("tok_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
    ("tok_chargeDeclinedExpiredCard", "expired_card", "expired_card"),
    ("tok_chargeDeclinedIncorrectCvc", "incorrect_cvc", "incorrect_cvc"),
    ("tok_chargeDeclinedProcessingError", "processing_error", "processing_error"),
    ("tok_chargeDeclinedLostCard", "card_declined", "lost_card"),
    ("tok_chargeDeclinedStolenCard", "card_declined", "stolen_card"),
]


def test_create_charges_the_default_card_and_answers_the_guides_body(pay, customer):
    response = pay(metadata={"invoiceId": "inv_12345", "hours": 10}, statementDescriptor="PROF SERVICES",
                   receiptEmail="customer@example.com")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["id"].startswith("pi_") and data["object"] == "payment_intent"
    assert (data["amount"], data["currency"], data["status"]) == (2599, "usd", "succeeded")
    assert data["customer"] == customer["id"]
    assert data["paymentMethod"] == customer["paymentMethods"][0]["id"]
    [charge] = data["charges"]["data"]
    assert charge["id"].startswith("ch_") and charge["status"] == "succeeded" and charge["receiptUrl"]
    # DESIGN §9 fees: round(2.9% x 2599) + 30 = 105
    assert data["fees"] == {"applicationFeeAmount": 0, "stripeFeeAmount": 105, "netAmount": 2494}
    assert data["stripePaymentIntentId"].startswith("pi_") and data["stripePaymentIntentId"] != data["id"]
    assert data["transfer"] is None and data["metadata"] == {"invoiceId": "inv_12345", "hours": 10}


def test_succeeded_payment_posts_gross_fee_and_net_once(pay):
    data = pay().json()["data"]
    entry = JournalEntry.objects.get(source_type="payment", source_id=data["id"])
    assert entry.kind == EntryKind.CARD_PAYMENT
    lines = {line.account.code: line.amount_cents for line in entry.lines.select_related("account")}
    assert sorted(lines.values()) == sorted([2494, 105, -2599])
    assert AuditEntry.objects.filter(action="payment.succeeded", object_id=data["id"]).count() == 1
    assert AuditEntry.objects.filter(action="payment.requested", object_id=data["id"]).count() == 1


def test_named_payment_method_is_charged_instead_of_the_default(admin_client, customer, pay):
    added = admin_client.post(f"/api/v1/customers/{customer['id']}/payment-methods",
                              {"type": "card", "token": "tok_mastercard"}, format="json")
    assert added.status_code == 201, added.content
    data = pay(paymentMethodId=added.json()["data"]["id"]).json()["data"]
    assert data["paymentMethod"] == added.json()["data"]["id"]


def test_retrieve_returns_charges_fees_and_stripe_id(admin_client, pay):
    created = pay().json()["data"]
    data = admin_client.get(f"/api/v1/payments/{created['id']}").json()["data"]
    assert data["fees"]["stripeFeeAmount"] == 105 and data["charges"]["data"][0]["id"] == \
        created["charges"]["data"][0]["id"]
    assert "billingDetails" in data["charges"]["data"][0] and data["updatedAt"]


def test_unknown_payment_is_not_found(admin_client):
    error(admin_client.get("/api/v1/payments/pi_doesnotexist"), 404, "RESOURCE_NOT_FOUND")


@pytest.mark.parametrize(("token", "code", "decline"), DECLINES)
def test_every_declining_test_card_is_402_and_recorded_as_failed(make_customer, pay, token, code, decline):
    customer = make_customer(card=token)
    response = pay(customer_data=customer)
    err = error(response, 402, "STRIPE_ERROR")
    details = err["details"]
    assert (details["stripeErrorCode"], details["declineCode"], details["stripeType"]) == (code, decline, "CardError")
    assert details["stripeMessage"]
    payment = Payment.objects.get(public_id=details["paymentId"])
    assert (payment.status, payment.failure_code, payment.decline_code) == ("failed", code, decline)
    assert payment.stripe_payment_intent_id and payment.attempt == ""
    assert not JournalEntry.objects.filter(source_id=payment.public_id).exists()
    assert AuditEntry.objects.filter(action="payment.failed", object_id=payment.public_id).exists()


def test_declined_payment_is_visible_with_its_failure(admin_client, make_customer, pay):
    payment_id = pay(customer_data=make_customer(card="tok_chargeDeclined")).json()["error"]["details"]["paymentId"]
    data = admin_client.get(f"/api/v1/payments/{payment_id}").json()["data"]
    assert data["status"] == "failed"
    assert data["lastPaymentError"] == {"code": "card_declined", "declineCode": "generic_decline",
                                        "message": "Your card was declined."}
    assert data["charges"]["data"][0]["status"] == "failed"


def test_amount_at_the_limits_is_accepted(pay):
    assert pay(amount=50).status_code == 200
    assert pay(amount=99_999_999).status_code == 200


def test_visa_test_card_succeeds(make_customer, pay):
    assert pay(customer_data=make_customer(card="tok_visa")).json()["data"]["status"] == "succeeded"


def test_unconfirmed_payment_can_be_confirmed(admin_client, pay):
    created = pay(confirm=False).json()["data"]
    assert created["status"] == "requires_confirmation" and created["charges"]["data"] == []
    assert not JournalEntry.objects.filter(source_id=created["id"]).exists()
    confirmed = admin_client.post(f"/api/v1/payments/{created['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["data"]["status"] == "succeeded"
    assert JournalEntry.objects.filter(source_id=created["id"], kind=EntryKind.CARD_PAYMENT).count() == 1


def test_confirming_a_declining_card_is_402_and_failed(admin_client, make_customer, pay):
    created = pay(customer_data=make_customer(card="tok_chargeDeclinedInsufficientFunds"), confirm=False)
    payment_id = created.json()["data"]["id"]
    err = error(admin_client.post(f"/api/v1/payments/{payment_id}/confirm"), 402, "STRIPE_ERROR")
    assert err["details"]["declineCode"] == "insufficient_funds" and err["details"]["paymentId"] == payment_id
    assert Payment.objects.get(public_id=payment_id).status == "failed"


def test_confirming_twice_is_422_naming_status(admin_client, pay):
    payment_id = pay().json()["data"]["id"]
    assert failing_fields(admin_client.post(f"/api/v1/payments/{payment_id}/confirm"))["status"]["value"] == \
        "succeeded"


def test_unconfirmed_payment_can_be_canceled(admin_client, pay):
    created = pay(confirm=False).json()["data"]
    canceled = admin_client.post(f"/api/v1/payments/{created['id']}/cancel")
    assert canceled.status_code == 200, canceled.content
    assert canceled.json()["data"]["status"] == "canceled"
    error(admin_client.post(f"/api/v1/payments/{created['id']}/confirm"), 422, "VALIDATION_ERROR")
    assert AuditEntry.objects.filter(action="payment.canceled", object_id=created["id"]).exists()


def test_succeeded_payment_cannot_be_canceled(admin_client, pay):
    payment_id = pay().json()["data"]["id"]
    assert "status" in failing_fields(admin_client.post(f"/api/v1/payments/{payment_id}/cancel"))
    assert Payment.objects.get(public_id=payment_id).status == "succeeded"


def test_same_idempotency_key_replays_the_payment(pay):
    first = pay(headers={"Idempotency-Key": "order-1"})
    second = pay(headers={"Idempotency-Key": "order-1"})
    assert second.json()["data"]["id"] == first.json()["data"]["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1 and stripe_intent_count() == 1


def test_same_idempotency_key_replays_a_decline(make_customer, pay):
    customer = make_customer(card="tok_chargeDeclined")
    first = pay(customer_data=customer, headers={"Idempotency-Key": "k-declined"})
    second = pay(customer_data=customer, headers={"Idempotency-Key": "k-declined"})
    assert first.status_code == second.status_code == 402
    assert second.json()["error"]["details"]["paymentId"] == first.json()["error"]["details"]["paymentId"]
    assert stripe_intent_count() == 1


def test_rate_limit_category_is_payments(admin_client):
    response = admin_client.get("/api/v1/payments")
    assert response.status_code == 200
    assert response["X-RateLimit-Limit"] == "50"
