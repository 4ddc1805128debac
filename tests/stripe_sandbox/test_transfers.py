"""Transfers platform -> connected account, and top-ups, through the real SDK (gateway)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from oracle_ledger import gateway
from stripe_sandbox import DB
from stripe_sandbox.models import SandboxObject
from tests.stripe_sandbox.connect_helpers import (
    OTHER_DOB,
    REJECTED_DOB,
    events_of,
    fund_platform,
    key,
    recipient,
)

pytestmark = pytest.mark.django_db(databases="__all__")


def available(stripe_account: str | None = None) -> int:
    options = {"stripe_account": stripe_account} if stripe_account else {}
    balance = gateway.client().v1.balance.retrieve(options=options)
    return sum(entry.amount for entry in balance.available if entry.currency == "usd")


def _rejected(call) -> gateway.StripeRejected:
    with pytest.raises(gateway.StripeRejected) as exc, gateway._stripe_errors_translated():
        call()
    return exc.value


def _transfer(destination: str, amount: int, idempotency_key: str | None = None):
    return gateway.transfer_create(idempotency_key=idempotency_key or key("tr"), amount_cents=amount,
                                   currency="usd", destination=destination, description="Net pay")


def test_transfer_moves_available_money_from_platform_to_account():
    account = recipient()
    fund_platform(10_000)
    assert available() == 10_000 and available(account.id) == 0

    transfer = _transfer(account.id, 6_000)
    assert (transfer.amount, transfer.destination, transfer.reversed) == (6_000, account.id, False)
    assert transfer.destination_payment.startswith("py_")
    assert available() == 4_000 and available(account.id) == 6_000

    txns = gateway.client().v1.balance_transactions
    platform_side = txns.retrieve(transfer.balance_transaction)
    assert (platform_side.type, platform_side.amount, platform_side.net, platform_side.source) == \
        ("transfer", -6_000, -6_000, transfer.id)
    (account_side,) = txns.list(params={"source": transfer.destination_payment},
                                options={"stripe_account": account.id}).data
    assert (account_side.type, account_side.amount, account_side.status) == ("payment", 6_000, "available")
    (event,) = events_of("transfer.created", transfer.id)
    assert event["data"]["object"]["amount"] == 6_000
    assert gateway.transfer_retrieve(transfer.id).id == transfer.id
    assert [t.id for t in gateway.transfer_list(destination=account.id).data] == [transfer.id]


def test_transfer_beyond_the_available_balance_is_balance_insufficient_and_changes_nothing():
    account = recipient()
    fund_platform(5_000)
    problem = _rejected(lambda: _transfer(account.id, 5_001))
    assert (problem.stripe_code, problem.stripe_http_status) == ("balance_insufficient", 400)
    assert "top-up" in str(problem)
    assert available() == 5_000 and available(account.id) == 0
    assert not SandboxObject.objects.using(DB).filter(object="transfer").exists()


@pytest.mark.parametrize("dob", [OTHER_DOB, REJECTED_DOB])
def test_transfer_needs_the_transfers_capability_active(dob):
    account = recipient(dob=dob)
    fund_platform(5_000)
    problem = _rejected(lambda: _transfer(account.id, 1_000))
    assert (problem.stripe_code, problem.param) == ("insufficient_capabilities_for_transfer", "destination")
    assert available() == 5_000


@pytest.mark.parametrize(("params", "param", "code"), [
    ({"currency": "usd", "destination": "acct_x"}, "amount", "parameter_missing"),
    ({"amount": 100, "destination": "acct_x"}, "currency", "parameter_missing"),
    ({"amount": 100, "currency": "usd"}, "destination", "parameter_missing"),
    ({"amount": 0, "currency": "usd", "destination": "acct_x"}, "amount", "parameter_invalid_integer"),
    ({"amount": 100, "currency": "usd", "destination": "acct_nope"}, "destination", "resource_missing"),
    ({"amount": 100, "currency": "usd", "destination": "acct_x", "colour": "red"}, "colour", "parameter_unknown"),
])
def test_bad_transfer_params_are_stripe_errors(params, param, code):
    problem = _rejected(lambda: gateway.client().v1.transfers.create(params=params))
    assert (problem.param, problem.stripe_code) == (param, code)


def test_transfer_is_idempotent_by_key():
    account = recipient()
    fund_platform(10_000)
    same = key("tr")
    first, again = _transfer(account.id, 3_000, same), _transfer(account.id, 3_000, same)
    assert first.id == again.id and available() == 7_000
    problem = _rejected(lambda: _transfer(account.id, 4_000, same))
    assert problem.details["stripeType"] == "IdempotencyError"


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_concurrent_transfers_cannot_spend_the_same_money():
    """Two transfers of 6,000 race for a platform balance of 10,000: exactly one gets it."""
    first, second = recipient(), recipient()
    fund_platform(10_000)
    barrier, outcomes = threading.Barrier(2), []

    def send(destination: str) -> None:
        try:
            barrier.wait()
            _transfer(destination, 6_000)
            outcomes.append("ok")
        except gateway.StripeRejected as exc:
            outcomes.append(exc.stripe_code)
        finally:
            for alias in ("default", DB):
                connections[alias].close()

    threads = [threading.Thread(target=send, args=(a.id,)) for a in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["balance_insufficient", "ok"]
    assert available() == 4_000
    assert SandboxObject.objects.using(DB).filter(object="transfer").count() == 1


def test_transfer_reversal_returns_money_to_the_platform_up_to_what_is_left():
    account = recipient()
    fund_platform(10_000)
    transfer = _transfer(account.id, 6_000)
    part = gateway.transfer_reversal_create(transfer.id, idempotency_key=key(), amount_cents=2_000)
    assert (part.amount, part.transfer) == (2_000, transfer.id)
    assert available() == 6_000 and available(account.id) == 4_000
    after = gateway.transfer_retrieve(transfer.id)
    assert (after.amount_reversed, after.reversed) == (2_000, False)
    assert [r.id for r in after.reversals.data] == [part.id]

    problem = _rejected(lambda: gateway.transfer_reversal_create(transfer.id, idempotency_key=key(),
                                                                 amount_cents=4_001))
    assert problem.param == "amount" and available(account.id) == 4_000
    rest = gateway.transfer_reversal_create(transfer.id, idempotency_key=key())
    assert rest.amount == 4_000 and gateway.transfer_retrieve(transfer.id).reversed is True
    assert available() == 10_000 and available(account.id) == 0
    assert [r.id for r in gateway.transfer_reversal_list(transfer.id).data] == [rest.id, part.id]
    assert len(events_of("transfer.reversed", transfer.id)) == 2
    back = gateway.client().v1.balance_transactions.retrieve(rest.balance_transaction)
    assert (back.type, back.amount) == ("transfer_refund", 4_000)


def test_transfer_reversal_needs_the_money_still_on_the_account():
    account = recipient()
    fund_platform(5_000)
    transfer = _transfer(account.id, 5_000)
    gateway.payout_create(stripe_account=account.id, idempotency_key=key(), amount_cents=4_000, currency="usd")
    problem = _rejected(lambda: gateway.transfer_reversal_create(transfer.id, idempotency_key=key()))
    assert problem.stripe_code == "balance_insufficient"
    assert gateway.transfer_retrieve(transfer.id).amount_reversed == 0
    assert available() == -25  # nothing came back; the payout fee is billed even into the negative
