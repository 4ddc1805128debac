"""Status changes that arrive from Stripe later go through one service that only moves forward
(issue 7 item 7); the ledger entry is posted once however the success arrives."""

from __future__ import annotations

from datetime import timedelta

import pytest

from audit.models import AuditEntry
from ledger.models import JournalEntry
from oracle_ledger import gateway
from oracle_ledger.actors import Actor
from payments.models import Payment, Refund
from payments.services import payment_attempts_sweep, payment_status_advance
from payments.services.status import IntentOutcome
from stripe_sandbox import store
from webhooks import registry
from webhooks.exceptions import EventIgnored

pytestmark = pytest.mark.django_db(databases="__all__")
TYPES = ["payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.processing",
         "payment_intent.canceled", "charge.succeeded", "charge.failed", "charge.refunded", "refund.created",
         "refund.updated", "charge.dispute.created"]


def handle(type_: str, obj: dict):
    """Run OUR handler for the type (a shared type also has the ACH app's beside it)."""
    registry.discover()
    registration = registry.registration_for(type_)
    [ours] = [m.fn for m in (registration.members or (registration,)) if m.fn.__module__ == "payments.webhook_handlers"]
    return ours(event=None, obj=obj)


def stripe_event(type_: str, object_id: str) -> dict:
    """The newest event of that type Stripe (the sandbox) emitted for the object."""
    rows = [row.data for row in store.query("event", data__type=type_)
            if row.data["data"]["object"]["id"] == object_id]
    return rows[-1]["data"]["object"]


@pytest.mark.parametrize("type_", TYPES)
def test_every_payment_event_type_is_routed_to_the_payments_handlers(type_):
    registry.discover()
    registration = registry.registration_for(type_)
    modules = {member.fn.__module__ for member in (registration.members or (registration,))}
    assert "payments.webhook_handlers" in modules  # alone, or beside the ACH app's (shared types)


def test_a_payment_confirmed_at_stripe_is_recorded_from_the_webhook_once(admin_client, pay, org):
    payment = Payment.objects.get(public_id=pay(confirm=False).json()["data"]["id"])
    gateway.payment_intent_confirm(payment.stripe_payment_intent_id, idempotency_key="dashboard-confirm")
    obj = stripe_event("payment_intent.succeeded", payment.stripe_payment_intent_id)
    assert handle("payment_intent.succeeded", obj) == org
    payment.refresh_from_db()
    assert payment.status == "succeeded" and payment.fee_cents == 105
    assert JournalEntry.objects.filter(source_id=payment.public_id).count() == 1
    entry = AuditEntry.objects.get(action="payment.succeeded", object_id=payment.public_id)
    assert entry.actor_type == "stripe"
    handle("payment_intent.succeeded", obj)  # a redelivery
    handle("charge.succeeded", stripe_event("charge.succeeded", payment.stripe_charge_id))
    assert JournalEntry.objects.filter(source_id=payment.public_id).count() == 1


def test_an_older_status_never_overwrites_a_newer_one(pay):
    payment = Payment.objects.get(public_id=pay().json()["data"]["id"])
    actor = Actor.stripe(organization=payment.organization)
    for status in ("processing", "requires_confirmation", "canceled", "failed"):
        stored, moved = payment_status_advance(payment=payment, outcome=IntentOutcome(status=status), actor=actor)
        assert (moved, stored.status) == (False, "succeeded")
    assert JournalEntry.objects.filter(source_id=payment.public_id).count() == 1


def test_a_stale_processing_event_leaves_a_succeeded_payment_alone(pay):
    payment = Payment.objects.get(public_id=pay().json()["data"]["id"])
    stale = {**stripe_event("payment_intent.succeeded", payment.stripe_payment_intent_id), "status": "processing"}
    handle("payment_intent.processing", stale)  # the handler re-reads Stripe's current state
    payment.refresh_from_db()
    assert payment.status == "succeeded"


def test_webhook_before_the_create_answer_is_stored_then_the_sweeper_posts_nothing_twice(customer, make_user):
    from customers.models import Customer
    from payments.services.payments import _attempt_insert, _stripe_call

    cust = Customer.objects.select_related("default_payment_method").get(public_id=customer["id"])
    payment = _attempt_insert(actor=Actor.for_user(make_user("admin")), customer=cust,
                              payment_method=cust.default_payment_method, fields={
                                  "amount_cents": 5000, "currency": "usd", "description": "", "metadata": {},
                                  "statement_descriptor": "", "receipt_email": "", "confirm_on_create": True,
                                  "request_key": "", "request_fingerprint": ""})
    intent = _stripe_call(payment, "create")  # Stripe charged; our second transaction has not run
    handle("payment_intent.succeeded", stripe_event("payment_intent.succeeded", intent.id))
    payment.refresh_from_db()
    assert (payment.status, payment.attempt, payment.stripe_payment_intent_id) == ("succeeded", "", intent.id)
    assert payment_attempts_sweep(older_than=timedelta(0)) == 0
    assert JournalEntry.objects.filter(source_id=payment.public_id).count() == 1


def test_failed_and_canceled_events_move_an_unconfirmed_payment(pay, make_customer):
    declining = Payment.objects.get(public_id=pay(customer_data=make_customer(card="tok_chargeDeclined"),
                                                  confirm=False).json()["data"]["id"])
    with pytest.raises(gateway.CardDeclined):
        gateway.payment_intent_confirm(declining.stripe_payment_intent_id, idempotency_key="dash-1")
    handle("payment_intent.payment_failed", stripe_event("payment_intent.payment_failed",
                                                         declining.stripe_payment_intent_id))
    declining.refresh_from_db()
    assert (declining.status, declining.decline_code) == ("failed", "generic_decline")

    open_one = Payment.objects.get(public_id=pay(confirm=False).json()["data"]["id"])
    gateway.payment_intent_cancel(open_one.stripe_payment_intent_id, idempotency_key="dash-2")
    handle("payment_intent.canceled", stripe_event("payment_intent.canceled", open_one.stripe_payment_intent_id))
    open_one.refresh_from_db()
    assert open_one.status == "canceled"


def test_refund_events_for_our_refund_change_nothing_more(admin_client, pay):
    paid = pay(amount=10_000).json()["data"]
    refund_id = admin_client.post(f"/api/v1/payments/{paid['id']}/refund", {"amount": 2500},
                                  format="json").json()["data"]["stripeRefundId"]
    handle("refund.created", stripe_event("refund.created", refund_id))
    charge = stripe_event("charge.refunded", paid["charges"]["data"][0]["id"])
    handle("charge.refunded", charge)
    assert JournalEntry.objects.filter(source_type="refund").count() == 1
    assert Payment.objects.get(public_id=paid["id"]).refunded_cents == 2500
    assert Refund.objects.get().status == "succeeded"


def test_refund_made_elsewhere_is_ignored(pay):
    payment = Payment.objects.get(public_id=pay().json()["data"]["id"])
    stripe_refund = gateway.refund_create(idempotency_key="dash-refund", payment_intent_id=payment.stripe_payment_intent_id,
                                          amount_cents=100)
    with pytest.raises(EventIgnored):
        handle("refund.created", stripe_event("refund.created", stripe_refund.id))


def test_unknown_payment_intent_is_ignored():
    with pytest.raises(EventIgnored):
        handle("payment_intent.succeeded", {"id": "pi_unknown", "metadata": {}})


def test_dispute_is_recorded_on_the_payment_once(admin_client, pay, org):
    paid = pay().json()["data"]
    payment = Payment.objects.get(public_id=paid["id"])
    dispute = {"id": "dp_test_1", "object": "dispute", "amount": 2599, "charge": payment.stripe_charge_id,
               "payment_intent": payment.stripe_payment_intent_id, "reason": "fraudulent",
               "status": "needs_response"}
    assert handle("charge.dispute.created", dispute) == org
    handle("charge.dispute.created", dispute)
    data = admin_client.get(f"/api/v1/payments/{paid['id']}").json()["data"]
    assert data["dispute"] == {"id": "dp_test_1", "status": "needs_response", "reason": "fraudulent", "amount": 2599}
    assert AuditEntry.objects.filter(action="payment.disputed", object_id=paid["id"]).count() == 1

