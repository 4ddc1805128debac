"""Refunds: partial, repeated, never above the captured amount, even when raced."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from oracle_ledger import gateway


@pytest.fixture
def paid():
    customer = gateway.customer_create(email="r@x.co", idempotency_key="c")
    return gateway.payment_intent_create(amount_cents=10_000, currency="usd", customer_id=customer.id,
                                         payment_method_id="pm_card_visa", idempotency_key="p")


@pytest.mark.django_db(databases="__all__")
def test_partial_and_repeated_refunds_until_full(paid):
    first = gateway.refund_create(payment_intent_id=paid.id, amount_cents=2_500, idempotency_key="r1")
    assert (first.status, first.amount, first.charge) == ("succeeded", 2_500, paid.latest_charge)
    charge = gateway.charge_retrieve(paid.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (2_500, False)
    rest = gateway.refund_create(charge_id=paid.latest_charge, idempotency_key="r2")  # the remainder
    assert rest.amount == 7_500
    charge = gateway.charge_retrieve(paid.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (10_000, True)
    txn = gateway.balance_transaction_retrieve(rest.balance_transaction)
    assert (txn.type, txn.amount, txn.fee, txn.net) == ("refund", -7_500, 0, -7_500)


@pytest.mark.django_db(databases="__all__")
def test_refund_over_the_unrefunded_amount_is_rejected_and_changes_nothing(paid):
    gateway.refund_create(payment_intent_id=paid.id, amount_cents=6_000, idempotency_key="r1")
    with pytest.raises(gateway.StripeRejected) as exc:
        gateway.refund_create(payment_intent_id=paid.id, amount_cents=4_001, idempotency_key="r2")
    assert (exc.value.stripe_code, exc.value.param) == ("amount_too_large", "amount")
    assert gateway.charge_retrieve(paid.latest_charge).amount_refunded == 6_000


@pytest.mark.django_db(databases="__all__")
def test_refunding_a_fully_refunded_charge_is_charge_already_refunded(paid):
    gateway.refund_create(payment_intent_id=paid.id, idempotency_key="r1")
    with pytest.raises(gateway.StripeRejected) as exc:
        gateway.refund_create(payment_intent_id=paid.id, amount_cents=1, idempotency_key="r2")
    assert exc.value.stripe_code == "charge_already_refunded"


@pytest.mark.django_db(databases="__all__")
def test_refund_needs_a_charge_or_intent_that_succeeded():
    with pytest.raises(gateway.StripeRejected) as exc:
        gateway.refund_create(idempotency_key="r")
    assert (exc.value.stripe_code, exc.value.param) == ("parameter_missing", "charge")
    waiting = gateway.payment_intent_create(amount_cents=1000, currency="usd", confirm=False, idempotency_key="w")
    with pytest.raises(gateway.StripeRejected) as exc:
        gateway.refund_create(payment_intent_id=waiting.id, idempotency_key="r2")
    assert exc.value.param == "payment_intent"


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_concurrent_refunds_never_exceed_the_charge():
    """Eight threads, each with its own connections, each refund 3,000 of 10,000: three win."""
    customer = gateway.customer_create(email="race@x.co", idempotency_key="c")
    intent = gateway.payment_intent_create(amount_cents=10_000, currency="usd", customer_id=customer.id,
                                           payment_method_id="pm_card_visa", idempotency_key="p")
    barrier, outcomes = threading.Barrier(8), []

    def refund(n: int) -> None:
        try:
            barrier.wait()
            gateway.refund_create(payment_intent_id=intent.id, amount_cents=3_000, idempotency_key=f"race-{n}")
            outcomes.append("ok")
        except gateway.StripeRejected as exc:
            outcomes.append(exc.stripe_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=refund, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["amount_too_large"] * 5 + ["ok"] * 3
    charge = gateway.charge_retrieve(intent.latest_charge)
    assert charge.amount_refunded == 9_000
    assert sum(r.amount for r in gateway.client().v1.refunds.list(params={"charge": charge.id}).data) == 9_000
