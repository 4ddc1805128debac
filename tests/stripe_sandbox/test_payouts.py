"""Payouts from connected accounts: every test bank account outcome through the clock, cancel,
fees and bad input, through the real SDK (gateway)."""

from __future__ import annotations

import math

import pytest

from oracle_ledger import gateway
from stripe_sandbox import clock
from stripe_sandbox.resources.external_accounts import PAYOUT_OUTCOMES
from stripe_sandbox.resources.payouts import FAILURE_MESSAGES
from tests.stripe_sandbox.connect_helpers import (
    OTHER_DOB,
    advance,
    event_types,
    key,
    paid_recipient,
    recipient,
)
from tests.stripe_sandbox.test_transfers import available

pytestmark = pytest.mark.django_db(databases="__all__")


def _rejected(call) -> gateway.StripeRejected:
    with pytest.raises(gateway.StripeRejected) as exc, gateway._stripe_errors_translated():
        call()
    return exc.value


def _payout(account_id: str, amount: int = 7_000, **fields):
    return gateway.payout_create(stripe_account=account_id, idempotency_key=key("po"), amount_cents=amount,
                                 currency="usd", **fields)


def _status(payout, account_id: str) -> str:
    return gateway.payout_retrieve(payout.id, stripe_account=account_id).status


def _days_until(timestamp: int) -> int:
    return math.ceil((timestamp - clock.now()) / 86_400)


@pytest.mark.parametrize(("number", "failure_code"), sorted(PAYOUT_OUTCOMES.items()))
def test_payout_outcome_follows_the_test_account_number_as_the_clock_passes_arrival(number, failure_code):
    account = paid_recipient(number, 10_000)
    payout = _payout(account.id)
    assert (payout.status, payout.method, payout.destination) == ("pending", "standard",
                                                                  account.external_accounts.data[0].id)
    assert payout.arrival_date > clock.now() and available(account.id) == 3_000

    advance(1)
    assert _status(payout, account.id) == "in_transit"
    advance(_days_until(payout.arrival_date) - 1)
    assert clock.now() < payout.arrival_date and _status(payout, account.id) == "in_transit"
    advance(1)

    final = gateway.payout_retrieve(payout.id, stripe_account=account.id)
    bank_account = gateway.external_account_retrieve(account.id, payout.destination)
    if failure_code is None:
        assert final.status == "paid" and final.failure_code is None
        assert final.trace_id.status == "supported" and len(final.trace_id.value) == 15
        assert available(account.id) == 3_000 and bank_account.status == "new"
        assert event_types(payout.id) == ["payout.created", "payout.updated", "payout.updated", "payout.paid"]
        return
    assert (final.status, final.failure_code, final.failure_message) == \
        ("failed", failure_code, FAILURE_MESSAGES[failure_code])
    back = gateway.client().v1.balance_transactions.retrieve(final.failure_balance_transaction,
                                                             options={"stripe_account": account.id})
    assert (back.type, back.amount, back.source) == ("payout_failure", 7_000, payout.id)
    assert available(account.id) == 10_000 and bank_account.status == "errored"
    assert event_types(payout.id) == ["payout.created", "payout.updated", "payout.updated", "payout.failed"]


def test_payout_debits_the_account_and_bills_the_platform_the_payout_fee():
    account = paid_recipient(amount_cents=10_000)
    platform_before = available()
    payout = _payout(account.id, 2_500)
    txns = gateway.client().v1.balance_transactions
    debit = txns.retrieve(payout.balance_transaction, options={"stripe_account": account.id})
    assert (debit.type, debit.amount, debit.net) == ("payout", -2_500, -2_500)
    (fee,) = txns.list(params={"source": payout.id, "type": "stripe_fee"}).data
    assert (fee.amount, fee.net) == (-25, -25)
    assert available() == platform_before - 25


def test_only_a_pending_payout_can_be_canceled():
    account = paid_recipient(amount_cents=10_000)
    pending = _payout(account.id, 4_000)
    canceled = gateway.payout_cancel(pending.id, stripe_account=account.id, idempotency_key=key())
    assert canceled.status == "canceled" and available(account.id) == 10_000
    back = gateway.client().v1.balance_transactions.retrieve(canceled.failure_balance_transaction,
                                                             options={"stripe_account": account.id})
    assert (back.type, back.amount) == ("payout_cancel", 4_000)
    assert "payout.canceled" in event_types(pending.id)

    moving = _payout(account.id, 4_000)
    advance(1)
    problem = _rejected(lambda: gateway.payout_cancel(moving.id, stripe_account=account.id, idempotency_key=key()))
    assert problem.stripe_http_status == 400 and "in_transit" in str(problem)
    problem = _rejected(lambda: gateway.payout_cancel(canceled.id, stripe_account=account.id, idempotency_key=key()))
    assert "canceled" in str(problem)

    advance(5)
    assert gateway.payout_retrieve(pending.id, stripe_account=account.id).status == "canceled"
    assert gateway.payout_retrieve(moving.id, stripe_account=account.id).status == "paid"
    assert available(account.id) == 6_000


def test_payout_errors():
    account = paid_recipient(amount_cents=1_000)
    problem = _rejected(lambda: _payout(account.id, 1_001))
    assert problem.stripe_code == "balance_insufficient" and available(account.id) == 1_000
    problem = _rejected(lambda: gateway.client().v1.payouts.create(
        params={"amount": 100, "currency": "usd", "method": "instant"}, options={"stripe_account": account.id}))
    assert (problem.stripe_code, problem.param) == ("instant_payouts_unsupported", "method")
    problem = _rejected(lambda: _payout(account.id, 100, destination="ba_nope"))
    assert (problem.stripe_code, problem.param) == ("resource_missing", "destination")
    problem = _rejected(lambda: gateway.client().v1.payouts.create(params={"currency": "usd"},
                                                                   options={"stripe_account": account.id}))
    assert (problem.stripe_code, problem.param) == ("parameter_missing", "amount")
    problem = _rejected(lambda: gateway.client().v1.payouts.create(params={"amount": 100, "currency": "usd"}))
    assert "Stripe-Account" in str(problem)
    problem = _rejected(lambda: _payout("acct_nope", 100))
    assert problem.stripe_http_status == 403 and "does not have access to account 'acct_nope'" in str(problem)
    assert gateway.payout_list(stripe_account=account.id).data == []


def test_payouts_are_refused_until_the_account_is_verified():
    account = recipient(dob=OTHER_DOB)
    problem = _rejected(lambda: _payout(account.id, 100))
    assert problem.stripe_code == "payouts_not_allowed"


def test_payouts_list_by_status_and_stay_on_their_account():
    account, other = paid_recipient(amount_cents=10_000), paid_recipient(amount_cents=10_000)
    first, second = _payout(account.id, 1_000), _payout(account.id, 2_000)
    gateway.payout_cancel(first.id, stripe_account=account.id, idempotency_key=key())
    assert [p.id for p in gateway.payout_list(stripe_account=account.id).data] == [second.id, first.id]
    assert [p.id for p in gateway.payout_list(stripe_account=account.id, status="canceled").data] == [first.id]
    assert gateway.payout_list(stripe_account=other.id).data == []
    problem = _rejected(lambda: gateway.payout_retrieve(first.id, stripe_account=other.id))
    assert problem.stripe_http_status == 404


def test_payout_retried_after_a_lost_answer_is_made_once():
    """The sandbox commits the payout, the answer is lost; the SDK retries with the same key and
    gets the stored payout: one payout, one debit."""
    from stripe_sandbox import failures

    account = paid_recipient(amount_cents=10_000)
    failures.inject(failures.TIMEOUT, path_prefix="/v1/payouts")
    payout = _payout(account.id, 3_000)
    assert [p.id for p in gateway.payout_list(stripe_account=account.id).data] == [payout.id]
    assert available(account.id) == 7_000


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_concurrent_payouts_cannot_spend_the_same_balance():
    import threading

    from django.db import connections

    from stripe_sandbox import DB

    account = paid_recipient(amount_cents=10_000)
    barrier, outcomes = threading.Barrier(3), []

    def pay() -> None:
        try:
            barrier.wait()
            _payout(account.id, 4_000)
            outcomes.append("ok")
        except gateway.StripeRejected as exc:
            outcomes.append(exc.stripe_code)
        finally:
            for alias in ("default", DB):
                connections[alias].close()

    threads = [threading.Thread(target=pay) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["balance_insufficient", "ok", "ok"]
    assert available(account.id) == 2_000


def test_payouts_over_http_with_the_stripe_account_header(client):
    import base64

    account = paid_recipient(amount_cents=5_000)
    auth = "Basic " + base64.b64encode(b"sk_test_sandbox:").decode()
    response = client.post("/sandbox/stripe/v1/payouts", "amount=1200&currency=usd",
                           content_type="application/x-www-form-urlencoded", HTTP_AUTHORIZATION=auth,
                           HTTP_STRIPE_ACCOUNT=account.id)
    assert response.status_code == 200, response.content
    assert gateway.payout_retrieve(response.json()["id"], stripe_account=account.id).amount == 1_200
    response = client.post("/sandbox/stripe/v1/payouts", "amount=1200", HTTP_AUTHORIZATION=auth,
                           content_type="application/x-www-form-urlencoded", HTTP_STRIPE_ACCOUNT=account.id)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "currency"
