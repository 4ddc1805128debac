"""Crash safety (DESIGN §6): Stripe failing in the middle leaves a recorded attempt and nothing
half-made; a retry with the same Idempotency-Key, or the sweeper, finishes it with the same Stripe
key, so Stripe does the work at most once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from audit.models import AuditEntry
from ledger.models import JournalEntry
from oracle_ledger import gateway
from oracle_ledger.actors import Actor
from payments.models import Payment, Refund
from payments.services import payment_attempts_sweep
from payments.services.payments import _attempt_insert
from stripe_sandbox import failures
from tests.helpers import error, stripe_intent_count

pytestmark = pytest.mark.django_db(databases="__all__")
EVERY_TRY = gateway.MAX_NETWORK_RETRIES + 1  # the SDK's own retries must all fail too


def _assert_nothing_half_made(payment: Payment) -> None:
    assert payment.status == "pending" and payment.attempt == "create"
    assert not JournalEntry.objects.filter(source_id=payment.public_id).exists()
    assert not AuditEntry.objects.filter(object_id=payment.public_id, action="payment.succeeded").exists()


@pytest.mark.parametrize("kind", [failures.CONNECTION, failures.SERVER_ERROR])
def test_stripe_down_mid_way_then_retry_with_same_key_completes(pay, kind):
    failures.inject(kind, count=EVERY_TRY, path_prefix="/v1/payment_intents")
    err = error(pay(headers={"Idempotency-Key": "order-7"}), 502, "STRIPE_ERROR")
    assert err["details"]["stripeType"] == {"connection": "APIConnectionError", "500": "APIError"}[kind]
    payment = Payment.objects.get(public_id=err["details"]["paymentId"])
    _assert_nothing_half_made(payment)
    assert stripe_intent_count() == 0

    retried = pay(headers={"Idempotency-Key": "order-7"})
    assert retried.status_code == 200, retried.content
    assert retried.json()["data"]["id"] == payment.public_id and retried.json()["data"]["status"] == "succeeded"
    assert Payment.objects.count() == 1 and stripe_intent_count() == 1
    assert JournalEntry.objects.filter(source_id=payment.public_id).count() == 1


def test_answer_lost_after_stripe_charged_then_retry_does_not_charge_twice(pay):
    # `timeout`: Stripe does the work and commits, then the answer never arrives.
    failures.inject(failures.TIMEOUT, count=EVERY_TRY, path_prefix="/v1/payment_intents")
    err = error(pay(headers={"Idempotency-Key": "order-8"}), 502, "STRIPE_ERROR")
    _assert_nothing_half_made(Payment.objects.get(public_id=err["details"]["paymentId"]))
    assert stripe_intent_count() == 1  # Stripe charged; we do not know it yet

    retried = pay(headers={"Idempotency-Key": "order-8"})
    assert retried.json()["data"]["status"] == "succeeded"
    assert stripe_intent_count() == 1
    assert JournalEntry.objects.filter(source_id=err["details"]["paymentId"]).count() == 1


def test_retry_with_same_key_and_another_body_is_refused(pay):
    failures.inject(failures.CONNECTION, count=EVERY_TRY, path_prefix="/v1/payment_intents")
    error(pay(headers={"Idempotency-Key": "order-9"}), 502, "STRIPE_ERROR")
    error(pay(amount=9999, headers={"Idempotency-Key": "order-9"}), 422, "IDEMPOTENCY_KEY_REUSED")
    assert Payment.objects.count() == 1 and stripe_intent_count() == 0


def _abandoned(customer_data, *, org_actor) -> Payment:
    """A payment whose process died right after committing its attempt."""
    from customers.models import Customer

    customer = Customer.objects.select_related("default_payment_method", "organization").get(
        public_id=customer_data["id"])
    return _attempt_insert(actor=org_actor, customer=customer, payment_method=customer.default_payment_method,
                           fields={"amount_cents": 4200, "currency": "usd", "description": "abandoned",
                                   "statement_descriptor": "", "receipt_email": "", "metadata": {},
                                   "confirm_on_create": True, "request_key": "", "request_fingerprint": ""})


@pytest.fixture
def org_actor(org, make_user):
    return Actor.for_user(make_user("admin"))


def test_sweeper_completes_an_attempt_abandoned_before_stripe(customer, org_actor):
    payment = _abandoned(customer, org_actor=org_actor)
    assert payment_attempts_sweep(older_than=timedelta(minutes=5)) == 0  # too young to be abandoned
    assert payment_attempts_sweep(older_than=timedelta(0)) == 1
    payment.refresh_from_db()
    assert (payment.status, payment.attempt) == ("succeeded", "")
    assert stripe_intent_count() == 1
    assert JournalEntry.objects.filter(source_id=payment.public_id).count() == 1


def test_sweeper_completes_an_attempt_abandoned_after_stripe_charged(customer, org_actor):
    payment = _abandoned(customer, org_actor=org_actor)
    # The dead process had made its Stripe call (same derived key) but stored nothing.
    from payments.services.payments import _stripe_call

    intent = _stripe_call(payment, "create")
    assert payment_attempts_sweep(older_than=timedelta(0)) == 1
    payment.refresh_from_db()
    assert payment.status == "succeeded" and payment.stripe_payment_intent_id == intent.id
    assert stripe_intent_count() == 1
    assert JournalEntry.objects.filter(source_id=payment.public_id).count() == 1
    assert payment_attempts_sweep(older_than=timedelta(0)) == 0  # nothing left to do


def test_sweeper_leaves_the_attempt_while_stripe_is_still_down(customer, org_actor):
    payment = _abandoned(customer, org_actor=org_actor)
    failures.inject(failures.CONNECTION, count=EVERY_TRY)
    assert payment_attempts_sweep(older_than=timedelta(0)) == 0
    payment.refresh_from_db()
    assert payment.attempt == "create" and payment.status == "pending"


def test_sweeper_records_a_decline_as_the_outcome(make_customer, org_actor):
    payment = _abandoned(make_customer(card="tok_chargeDeclined"), org_actor=org_actor)
    assert payment_attempts_sweep(older_than=timedelta(0)) == 1
    payment.refresh_from_db()
    assert (payment.status, payment.decline_code, payment.attempt) == ("failed", "generic_decline", "")


def test_refund_with_stripe_down_keeps_its_reservation_until_the_sweeper_finishes(admin_client, pay):
    paid = pay(amount=10_000).json()["data"]
    failures.inject(failures.CONNECTION, count=EVERY_TRY, path_prefix="/v1/refunds")
    err = error(admin_client.post(f"/api/v1/payments/{paid['id']}/refund", {"amount": 6000}, format="json"),
                502, "STRIPE_ERROR")
    refund = Refund.objects.get(public_id=err["details"]["refundId"])
    assert refund.attempt_open and refund.status == "pending"
    # Reserved: Stripe may yet do it, so the rest of the payment is all that can be refunded.
    second = admin_client.post(f"/api/v1/payments/{paid['id']}/refund", {"amount": 4001}, format="json")
    assert second.json()["error"]["details"][0]["refundableAmount"] == 4000
    assert payment_attempts_sweep(older_than=timedelta(0)) == 1
    refund.refresh_from_db()
    assert (refund.status, refund.attempt_open) == ("succeeded", False) and refund.stripe_refund_id
    assert JournalEntry.objects.filter(source_type="refund", source_id=refund.public_id).count() == 1


def test_refund_refused_by_stripe_gives_the_reservation_back(admin_client, pay, org_actor):
    paid = pay(amount=10_000).json()["data"]
    payment = Payment.objects.get(public_id=paid["id"])
    # Someone refunds 9000 in Stripe's dashboard: Stripe will refuse more than 1000.
    gateway.refund_create(idempotency_key="dashboard-1", payment_intent_id=payment.stripe_payment_intent_id,
                          amount_cents=9000)
    response = admin_client.post(f"/api/v1/payments/{paid['id']}/refund", {"amount": 5000}, format="json")
    err = error(response, 502, "STRIPE_ERROR")
    assert err["details"]["stripeErrorCode"] == "amount_too_large"
    payment.refresh_from_db()
    assert payment.refunded_cents == 0
    assert Refund.objects.get().status == "failed"
    assert not JournalEntry.objects.filter(source_type="refund").exists()


def test_refund_retried_with_the_same_key_completes_once(admin_client, pay):
    paid = pay(amount=10_000).json()["data"]
    url, key = f"/api/v1/payments/{paid['id']}/refund", {"Idempotency-Key": "refund-1"}
    failures.inject(failures.CONNECTION, count=EVERY_TRY, path_prefix="/v1/refunds")
    error(admin_client.post(url, {"amount": 3000}, format="json", headers=key), 502, "STRIPE_ERROR")
    retried = admin_client.post(url, {"amount": 3000}, format="json", headers=key)
    assert retried.status_code == 200, retried.content
    assert Refund.objects.count() == 1 and Refund.objects.get().status == "succeeded"
    assert Payment.objects.get(public_id=paid["id"]).refunded_cents == 3000


def test_same_key_with_another_refund_body_after_an_outage_is_refused(admin_client, pay):
    paid = pay(amount=10_000).json()["data"]
    url, key = f"/api/v1/payments/{paid['id']}/refund", {"Idempotency-Key": "refund-2"}
    failures.inject(failures.CONNECTION, count=EVERY_TRY, path_prefix="/v1/refunds")
    error(admin_client.post(url, {"amount": 3000}, format="json", headers=key), 502, "STRIPE_ERROR")
    error(admin_client.post(url, {"amount": 4000}, format="json", headers=key), 422, "IDEMPOTENCY_KEY_REUSED")
    assert Refund.objects.count() == 1  # the first refund stays reserved; the sweeper finishes it
    assert payment_attempts_sweep(older_than=timedelta(0)) == 1
    assert Payment.objects.get(public_id=paid["id"]).refunded_cents == 3000


def test_the_beat_task_runs_the_sweeper(customer, org_actor, settings):
    from payments.tasks import payment_attempts_sweep_task

    settings.PAYMENT_ATTEMPT_SWEEP_AFTER = timedelta(0)
    payment = _abandoned(customer, org_actor=org_actor)
    assert payment_attempts_sweep_task.apply().get() == 1
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert "payments.tasks.payment_attempts_sweep_task" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
