"""Direct deposit in the books (issue 10 item 6): payouts pass through payroll clearing, reconcile
with the sandbox's balance transactions, and a racing redelivery posts the expense once."""

from __future__ import annotations

import itertools
import math
import threading

import pytest
from django.db import connections

from direct_deposit.models import Payout
from direct_deposit.services import payout_status_advance
from ledger import chart
from ledger import clock as ledger_clock
from ledger.models import EntryKind, JournalEntry, JournalLine
from ledger.services import reconciliation_compute, stripe_topup_post
from oracle_ledger import gateway
from oracle_ledger.actors import Actor
from stripe_sandbox import clock
from stripe_sandbox.resources.external_accounts import PAYOUT_OUTCOMES
from tests.direct_deposit.test_payouts import deliver_payout_events
from tests.stripe_sandbox.connect_helpers import advance

_keys = itertools.count()
FAILING = sorted(n for n, code in PAYOUT_OUTCOMES.items() if code)[0]


def booked_topup(org, amount_cents: int) -> None:
    """Fund the platform at Stripe and book it, as the treasury would, so the books start clean."""
    topup = gateway.topup_create(idempotency_key=f"dd-ledger-topup-{next(_keys)}", amount_cents=amount_cents)
    stripe_topup_post(organization=org, source_type="test_topup", source_id=topup.id, amount_cents=amount_cents,
                      currency="usd", stripe_reference=topup.id)


def balance(org, code: str) -> int:
    return sum(JournalLine.objects.filter(organization=org, account__code=code).values_list("amount_cents", flat=True))


@pytest.mark.django_db(databases="__all__")
def test_books_with_a_paid_and_a_failed_payout_reconcile_with_no_differences(org, make_recipient, pay):
    first_day = ledger_clock.today()
    booked_topup(org, 1_000_000)
    paid = Payout.objects.get(public_id=pay(make_recipient(), 300_000, funded=False).json()["data"]["id"])
    failed = Payout.objects.get(public_id=pay(make_recipient(account_number=FAILING), 200_000,
                                              funded=False).json()["data"]["id"])
    advance(math.ceil((failed.estimated_arrival_at.timestamp() - clock.now()) / 86_400) + 1)
    deliver_payout_events(paid)
    deliver_payout_events(failed)
    paid.refresh_from_db()
    failed.refresh_from_db()
    assert (paid.status, failed.status) == ("paid", "failed") and failed.stripe_transfer_reversal_id
    result = reconciliation_compute(organization=org, date_from=first_day, date_to=ledger_clock.today())
    assert result.differences == []
    # The top-up, two transfers, two payout fees and one transfer reversal.
    assert result.stripe_count == result.ledger_count == 6
    assert (balance(org, chart.PAYROLL_CLEARING), balance(org, chart.PAYROLL_EXPENSE)) == (0, 300_000)
    assert balance(org, chart.STRIPE_BALANCE) == 1_000_000 - 300_000 - 2 * 25


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_racing_deliveries_of_payout_paid_recognise_the_expense_once(org, make_recipient, pay):
    payout = Payout.objects.get(public_id=pay(make_recipient(), 40_000).json()["data"]["id"])
    errors = []
    start = threading.Barrier(4)

    def deliver():
        try:
            start.wait()
            payout_status_advance(payout=payout, stripe_payout={"id": payout.stripe_payout_id, "status": "paid"},
                                  actor=Actor.stripe(organization=org))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()  # the sandbox clock is read on its own alias too

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert JournalEntry.objects.filter(source_id=payout.public_id, kind=EntryKind.PAYROLL_PAID).count() == 1
    assert (balance(org, chart.PAYROLL_CLEARING), balance(org, chart.PAYROLL_EXPENSE)) == (0, 40_000)
