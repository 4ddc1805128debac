"""Every Connect-side object the sandbox returns (accounts, persons, bank accounts, transfers,
top-ups, payouts in each end state, test clocks, their balance transactions and events) against
Stripe's fixtures, with the comparison of test_shapes.py.

Stripe's fixtures leave out optional fields its API does return; the ones these objects carry are
allowed here by name, each with its reason (EXTRA), as are nullable fields the fixture happens to
fill (NULLABLE). Both are added under this side's resource names only."""

from __future__ import annotations

import pytest

from oracle_ledger import gateway
from stripe_sandbox import DB, clock
from stripe_sandbox.models import SandboxObject
from tests.stripe_sandbox import test_shapes
from tests.stripe_sandbox.connect_helpers import advance, key, paid_recipient, recipient
from tests.stripe_sandbox.test_shapes import assert_shape

pytestmark = pytest.mark.django_db(databases="__all__")

test_shapes.EXTRA.update({
    # A custom account of an individual returns that person as `individual` (checked as a person).
    "account": {"individual"},
    # Person fields Stripe returns once given (the fixture's person has none of them).
    "person": {"email", "phone", "address"},
    # External accounts name their account, their default status and payout methods.
    "bank_account": {"account", "default_for_currency", "available_payout_methods"},
    "external_account": {"account", "default_for_currency", "available_payout_methods"},
})
test_shapes.NULLABLE.update({
    "account.requirements.disabled_reason", "account.requirements.current_deadline",
    "bank_account.account_holder_name", "bank_account.bank_name", "external_account.account_holder_name",
    "external_account.bank_name", "payout.description",
    "topup.description",
})


@pytest.fixture
def world():
    account = recipient(capabilities=("transfers", "card_payments"))
    failing = paid_recipient("000111111113", 5_000)
    extra_bank = gateway.external_account_create(account.id, idempotency_key=key(),
                                                 external_account="btok_us_verified_noAccount")
    deleted_bank = gateway.external_account_delete(account.id, extra_bank.id, idempotency_key=key())
    topup = gateway.topup_create(idempotency_key=key(), amount_cents=20_000, description="Payroll funding")
    transfer = gateway.transfer_create(idempotency_key=key(), amount_cents=9_000, currency="usd",
                                       destination=account.id)
    reversal = gateway.transfer_reversal_create(transfer.id, idempotency_key=key(), amount_cents=1_000)
    paid = gateway.payout_create(stripe_account=account.id, idempotency_key=key(), amount_cents=3_000,
                                 currency="usd")
    canceled = gateway.payout_create(stripe_account=account.id, idempotency_key=key(), amount_cents=1_000,
                                     currency="usd")
    gateway.payout_cancel(canceled.id, stripe_account=account.id, idempotency_key=key())
    failed = gateway.payout_create(stripe_account=failing.id, idempotency_key=key(), amount_cents=2_000,
                                   currency="usd")
    test_clock = gateway.stripe_test_clock_create(idempotency_key=key(), frozen_time=clock.now(), name="shape")
    advance(7)
    return dict(account=account, failing=failing, deleted_bank=deleted_bank, topup=topup, transfer=transfer,
                reversal=reversal,
                paid=paid, canceled=canceled, failed=failed, test_clock=test_clock)


def test_account_person_and_bank_accounts(world):
    account = gateway.account_retrieve(world["account"].id)
    assert account.capabilities.to_dict() == {"transfers": "active", "card_payments": "active"}
    assert account.charges_enabled is True
    assert_shape("account", account)
    assert_shape("person", account.individual)
    assert_shape("person", gateway.account_person_list(account.id).data[0])
    for bank in gateway.external_account_list(account.id).data:
        assert_shape("bank_account", bank)
        assert_shape("external_account", bank)
    assert_shape("deleted_external_account", world["deleted_bank"])


def test_transfer_topup_and_payouts_in_every_end_state(world):
    transfer = gateway.transfer_retrieve(world["transfer"].id)
    assert transfer.reversals.data
    assert_shape("transfer", transfer)
    assert_shape("transfer_reversal", gateway.transfer_reversal_list(transfer.id).data[0])
    assert_shape("topup", gateway.client().v1.topups.retrieve(world["topup"].id))
    states = set()
    for name, owner in (("paid", "account"), ("canceled", "account"), ("failed", "failing")):
        payout = gateway.payout_retrieve(world[name].id, stripe_account=world[owner].id)
        states.add(payout.status)
        assert_shape("payout", payout)
    assert states == {"paid", "canceled", "failed"}


def test_test_clock_and_its_deletion(world):
    assert_shape("test_helpers.test_clock", gateway.stripe_test_clock_retrieve(world["test_clock"].id))
    assert_shape("deleted_test_helpers.test_clock",
                 gateway.stripe_test_clock_delete(world["test_clock"].id, idempotency_key=key()))


def test_balance_transactions_and_balances_on_both_sides(world):
    txns = gateway.client().v1.balance_transactions
    types = set()
    for options in ({}, {"stripe_account": world["account"].id}, {"stripe_account": world["failing"].id}):
        assert_shape("balance", gateway.client().v1.balance.retrieve(options=options))
        for txn in txns.list(params={"limit": 100}, options=options).data:
            types.add(txn.type)
            assert_shape("balance_transaction", txn)
    assert {"topup", "transfer", "stripe_fee", "payment", "payout", "payout_cancel", "payout_failure",
            "transfer_refund", "payment_refund"} <= types


def test_events_of_the_connect_side(world):
    rows = SandboxObject.objects.using(DB).filter(object="event").order_by("seq")
    types = set()
    for row in rows:
        types.add(row.data["type"])
        assert_shape("event", gateway.client().v1.events.retrieve(
            row.id, options={"stripe_account": row.account} if row.account else {}))
    assert {"account.updated", "account.external_account.created", "account.external_account.deleted",
            "transfer.created", "transfer.reversed", "topup.succeeded", "payout.created", "payout.updated", "payout.paid",
            "payout.failed", "payout.canceled", "test_helpers.test_clock.created"} <= types
