"""A payout the bank returns after Stripe reported it `paid` (`payout.failed` after `payout.paid`):
it ends failed with the reason, its expense and its transfer are reversed exactly once, and the
books balance (the sandbox's test helper plays the bank's late return)."""

from __future__ import annotations

import math
import threading
from datetime import timedelta

import pytest
from django.db import connections

from direct_deposit.models import Payout
from direct_deposit.services import payout_attempts_sweep, payout_status_advance
from direct_deposit.webhook_handlers import payout_changed
from ledger import chart
from ledger import clock as ledger_clock
from ledger.models import EntryKind
from ledger.selectors import trial_balance
from ledger.services import reconciliation_compute
from oracle_ledger.actors import Actor
from stripe_sandbox import clock
from stripe_sandbox.resources.payouts import FAILURE_MESSAGES
from tests.direct_deposit.test_ledger import balance, booked_topup
from tests.direct_deposit.test_payouts import entries
from tests.helpers import sandbox_count
from tests.stripe_sandbox.connect_helpers import advance, events_of

pytestmark = pytest.mark.django_db(databases="__all__")


def deliver_payout_events(payout: Payout) -> None:
    """Every payout.* event the sandbox emitted for the payout, in order, to direct deposit's handler."""
    for type_ in ("payout.updated", "payout.paid", "payout.failed"):
        for event in events_of(type_, payout.stripe_payout_id):
            payout_changed(event=None, obj=event["data"]["object"])


def paid_payout(org, make_recipient, pay, amount: int) -> Payout:
    booked_topup(org, 1_000_000)
    payout = Payout.objects.get(public_id=pay(make_recipient(), amount, funded=False).json()["data"]["id"])
    advance(math.ceil((payout.estimated_arrival_at.timestamp() - clock.now()) / 86_400) + 1)
    deliver_payout_events(payout)
    payout.refresh_from_db()
    assert payout.status == "paid" and balance(org, chart.PAYROLL_EXPENSE) == amount
    return payout


def bank_returns(api_client, payout: Payout, code: str = "account_closed"):
    return api_client.generic(
        "POST", f"/sandbox/stripe/v1/test_helpers/payouts/{payout.stripe_payout_id}/fail", f"failure_code={code}",
        content_type="application/x-www-form-urlencoded", HTTP_AUTHORIZATION="Bearer sk_test_sandbox",
        HTTP_STRIPE_ACCOUNT=payout.recipient.stripe_account_id)


def test_a_payout_returned_after_paid_ends_failed_and_reverses_expense_and_transfer_once(
        org, api_client, make_recipient, pay):
    first_day = ledger_clock.today()
    payout = paid_payout(org, make_recipient, pay, 300_000)
    assert bank_returns(api_client, payout).status_code == 200
    deliver_payout_events(payout)
    deliver_payout_events(payout)  # redelivered: nothing posts twice
    payout_attempts_sweep(older_than=timedelta(0))
    payout.refresh_from_db()
    assert (payout.status, payout.failure_code, payout.failure_reason) == (
        "failed", "account_closed", FAILURE_MESSAGES["account_closed"])
    assert payout.stripe_transfer_reversal_id and payout.attempt == ""
    assert sandbox_count("transfer_reversal") == 1
    assert (entries(payout.public_id, EntryKind.PAYROLL_PAID), entries(payout.public_id, EntryKind.PAYROLL_PAID_REVERSAL),
            entries(payout.public_id, EntryKind.PAYROLL_TRANSFER_REVERSAL)) == (1, 1, 1)
    assert (balance(org, chart.PAYROLL_EXPENSE), balance(org, chart.PAYROLL_CLEARING)) == (0, 0)
    assert balance(org, chart.STRIPE_BALANCE) == 1_000_000 - 25  # only the payout fee is gone
    assert trial_balance(org=org, as_of=ledger_clock.today()).balanced
    assert reconciliation_compute(organization=org, date_from=first_day, date_to=ledger_clock.today()).differences == []


def test_paid_after_the_late_failure_does_not_move_the_payout_back(org, api_client, make_recipient, pay):
    payout = paid_payout(org, make_recipient, pay, 50_000)
    bank_returns(api_client, payout)
    deliver_payout_events(payout)
    stale, moved = payout_status_advance(payout=payout, stripe_payout={"id": payout.stripe_payout_id, "status": "paid"},
                                         actor=Actor.stripe(organization=org))
    assert (stale.status, moved) == ("failed", False)
    assert (balance(org, chart.PAYROLL_EXPENSE), balance(org, chart.PAYROLL_CLEARING)) == (0, 0)


def test_the_sandbox_fails_late_only_a_paid_payout(org, api_client, make_recipient, pay):
    payout = Payout.objects.get(public_id=pay(make_recipient(), 10_000).json()["data"]["id"])
    response = bank_returns(api_client, payout)
    assert response.status_code == 400 and "only a paid payout" in response.json()["error"]["message"]


def test_a_canceled_payout_never_becomes_failed(org, make_recipient, pay):
    payout = Payout.objects.get(public_id=pay(make_recipient(), 10_000).json()["data"]["id"])
    Payout.objects.filter(pk=payout.pk).update(status=Payout.Status.CANCELED)
    _, moved = payout_status_advance(payout=payout, stripe_payout={"id": payout.stripe_payout_id, "status": "failed"},
                                     actor=Actor.stripe(organization=org))
    assert moved is False and Payout.objects.get(pk=payout.pk).status == "canceled"


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_racing_deliveries_of_the_late_failure_reverse_once(org, api_client, make_recipient, pay):
    payout = paid_payout(org, make_recipient, pay, 70_000)
    bank_returns(api_client, payout)
    [failed] = events_of("payout.failed", payout.stripe_payout_id)
    errors, start = [], threading.Barrier(4)

    def deliver():
        try:
            start.wait()
            payout_changed(event=None, obj=failed["data"]["object"])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    payout_attempts_sweep(older_than=timedelta(0))  # whatever a loser left open, finished once
    assert errors == [] and Payout.objects.get(pk=payout.pk).status == "failed"
    assert sandbox_count("transfer_reversal") == 1
    assert (entries(payout.public_id, EntryKind.PAYROLL_PAID_REVERSAL),
            entries(payout.public_id, EntryKind.PAYROLL_TRANSFER_REVERSAL)) == (1, 1)
    assert (balance(org, chart.PAYROLL_EXPENSE), balance(org, chart.PAYROLL_CLEARING)) == (0, 0)
