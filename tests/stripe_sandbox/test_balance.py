"""Balance transactions and fees (DESIGN §9), and the balance they add up to."""

from __future__ import annotations

import pytest

from oracle_ledger import gateway
from stripe_sandbox import clock, transitions
from stripe_sandbox.models import SandboxClock
from stripe_sandbox.resources.balance import ach_fee, card_fee

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.mark.parametrize(("amount", "fee"), [(2599, 105), (100, 33), (10_000, 320), (50, 31), (1_017, 59)])
def test_card_fee_is_2_9_percent_rounded_plus_30(amount, fee):
    assert card_fee(amount) == fee


@pytest.mark.parametrize(("amount", "fee"), [(10_000, 80), (62_500, 500), (1_000_000, 500), (1_063, 9)])
def test_ach_fee_is_0_8_percent_capped_at_500(amount, fee):
    assert ach_fee(amount) == fee


def test_card_payment_has_a_pending_balance_transaction_with_the_fee():
    intent = gateway.payment_intent_create(amount_cents=2_599, currency="usd", payment_method_id="pm_card_visa",
                                           idempotency_key="p")
    charge = gateway.charge_retrieve(intent.latest_charge, expand=["balance_transaction"])
    txn = charge.balance_transaction
    assert (txn.type, txn.amount, txn.fee, txn.net, txn.source) == ("charge", 2_599, 105, 2_494, charge.id)
    assert txn.fee_details[0].type == "stripe_fee" and txn.status == "pending"
    assert txn.available_on > clock.now()
    balance = gateway.balance_retrieve()
    assert (balance.pending[0].amount, balance.available[0].amount) == (2_494, 0)
    # Once the sandbox clock passes available_on, the money is available.
    SandboxClock.objects.update_or_create(pk=1, defaults={"offset_seconds": txn.available_on - clock.now() + 1
                                                          + clock.offset_seconds()})
    assert gateway.balance_transaction_retrieve(txn.id).status == "available"
    balance = gateway.balance_retrieve()
    assert (balance.pending[0].amount, balance.available[0].amount) == (0, 2_494)


def test_settled_ach_debit_has_the_capped_ach_fee():
    customer = gateway.customer_create(email="b@x.co", idempotency_key="c")
    bank = gateway.payment_method_create_us_bank_account(routing_number="110000000", account_number="000123456789",
                                                         account_holder_name="Ann", idempotency_key="b")
    gateway.payment_method_attach(bank.id, customer_id=customer.id, idempotency_key="a")
    setup = gateway.setup_intent_create(customer_id=customer.id, payment_method_id=bank.id,
                                        payment_method_types=["us_bank_account"], idempotency_key="s")
    intent = gateway.payment_intent_create(amount_cents=250_000, currency="usd", customer_id=customer.id,
                                           payment_method_id=bank.id, payment_method_types=["us_bank_account"],
                                           mandate_id=setup.mandate, idempotency_key="p")
    assert gateway.balance_transaction_list() == []  # nothing moves while processing
    transitions.run_due(2**40)
    txn = gateway.charge_retrieve(gateway.payment_intent_retrieve(intent.id).latest_charge,
                                  expand=["balance_transaction"]).balance_transaction
    assert (txn.amount, txn.fee, txn.net) == (250_000, 500, 249_500)
    assert gateway.balance_retrieve().pending[0].source_types.bank_account == 249_500


def test_balance_transaction_list_pages_through_a_period():
    for n in range(12):
        gateway.payment_intent_create(amount_cents=1_000 + n, currency="usd", payment_method_id="pm_card_visa",
                                      idempotency_key=f"p{n}")
    now = clock.now()
    every = gateway.balance_transaction_list(created_gte=now - 60, created_lte=now + 60)
    assert sorted(t.amount for t in every) == [1_000 + n for n in range(12)]
    assert gateway.balance_transaction_list(created_gte=now + 3600) == []
