"""Each money flow of DESIGN §7 posts its documented lines under its kind, and reconciles with the
balance transaction Stripe makes for it."""

from __future__ import annotations

import pytest

from ledger import chart
from ledger.exceptions import InvalidEntryError
from ledger.models import EntryKind, JournalEntry
from ledger.services import (
    ach_return_post,
    ach_settlement_post,
    bank_payout_failure_post,
    bank_payout_post,
    journal_entry_post,
    payroll_paid_post,
    payroll_payout_failure_post,
    payroll_transfer_post,
    payroll_transfer_reversal_post,
    refund_post,
    stripe_fee_post,
    stripe_topup_post,
)
from ledger.services.reconciliation import Movement, _ledger_movements, reconciliation_compare

pytestmark = pytest.mark.django_db


def lines_of(entry):
    return {line.account.code: line.amount_cents for line in entry.lines.select_related("account")}


def common(org, ref, **extra):
    return {"organization": org, "source_type": "test", "source_id": ref, "currency": "usd",
            "stripe_reference": ref, **extra}


def reconciles(org, ref, amount, fee):
    ledger = _ledger_movements(org, {ref})
    return reconciliation_compare(stripe=[Movement(ref, amount, fee, "usd")], ledger=ledger) == []


def test_refund(org):
    entry = refund_post(**common(org, "re_1", amount_cents=700))
    assert entry.kind == EntryKind.REFUND
    assert lines_of(entry) == {chart.REFUNDS: 700, chart.STRIPE_BALANCE: -700}
    assert reconciles(org, "re_1", -700, 0)


def test_ach_settlement_and_return(org):
    settled = ach_settlement_post(**common(org, "py_1", amount_cents=10000, fee_cents=80))
    assert settled.kind == EntryKind.ACH_SETTLEMENT
    assert lines_of(settled) == {chart.STRIPE_BALANCE: 9920, chart.PROCESSING_FEES: 80, chart.SALES_REVENUE: -10000}
    returned = ach_return_post(**common(org, "pyr_1", amount_cents=10000, settlement=settled))
    assert returned.kind == EntryKind.ACH_RETURN and returned.reverses_id == settled.pk
    assert lines_of(returned) == {chart.ACH_RETURNS: 10000, chart.STRIPE_BALANCE: -10000}
    assert reconciles(org, "py_1", 10000, 80) and reconciles(org, "pyr_1", -10000, 0)


def clearing_and_expense(org):
    rows = {}
    for code in (chart.PAYROLL_CLEARING, chart.PAYROLL_EXPENSE, chart.STRIPE_BALANCE):
        rows[code] = sum(JournalEntry.objects.filter(organization=org, lines__account__code=code)
                         .values_list("lines__amount_cents", flat=True))
    return rows


def test_a_paid_payroll_transfer_goes_through_clearing_into_expense(org):
    transfer = payroll_transfer_post(**common(org, "tr_1", amount_cents=250000))
    assert transfer.kind == EntryKind.PAYROLL_TRANSFER
    assert lines_of(transfer) == {chart.PAYROLL_CLEARING: 250000, chart.STRIPE_BALANCE: -250000}
    paid = payroll_paid_post(transfer_entry=transfer)
    assert paid.kind == EntryKind.PAYROLL_PAID and paid.stripe_reference == "" and paid.source_id == "tr_1"
    assert lines_of(paid) == {chart.PAYROLL_EXPENSE: 250000, chart.PAYROLL_CLEARING: -250000}
    assert payroll_paid_post(transfer_entry=transfer).pk == paid.pk  # once per source
    assert clearing_and_expense(org) == {chart.PAYROLL_CLEARING: 0, chart.PAYROLL_EXPENSE: 250000,
                                         chart.STRIPE_BALANCE: -250000}
    assert reconciles(org, "tr_1", -250000, 0)


def test_a_reversed_payroll_transfer_leaves_clearing_and_expense_at_zero(org):
    transfer = payroll_transfer_post(**common(org, "tr_2", amount_cents=120000))
    back = payroll_transfer_reversal_post(transfer_entry=transfer, stripe_reference="trr_2")
    assert back.kind == EntryKind.PAYROLL_TRANSFER_REVERSAL and back.reverses_id == transfer.pk
    assert lines_of(back) == {chart.STRIPE_BALANCE: 120000, chart.PAYROLL_CLEARING: -120000}
    assert payroll_transfer_reversal_post(transfer_entry=transfer, stripe_reference="trr_2").pk == back.pk
    assert clearing_and_expense(org) == {chart.PAYROLL_CLEARING: 0, chart.PAYROLL_EXPENSE: 0, chart.STRIPE_BALANCE: 0}
    assert reconciles(org, "tr_2", -120000, 0) and reconciles(org, "trr_2", 120000, 0)


def test_a_payroll_transfer_ends_either_paid_or_reversed_never_both(org):
    paid = payroll_transfer_post(**common(org, "tr_3", amount_cents=5000))
    payroll_paid_post(transfer_entry=paid)
    with pytest.raises(InvalidEntryError, match="payroll_paid"):
        payroll_transfer_reversal_post(transfer_entry=paid, stripe_reference="trr_3")
    reversed_ = payroll_transfer_post(**common(org, "tr_4", amount_cents=5000))
    payroll_transfer_reversal_post(transfer_entry=reversed_, stripe_reference="trr_4")
    with pytest.raises(InvalidEntryError, match="payroll_transfer_reversal"):
        payroll_paid_post(transfer_entry=reversed_)
    assert JournalEntry.objects.filter(source_id__in=["tr_3", "tr_4"]).count() == 4


def test_only_a_payroll_transfer_entry_leaves_clearing(org):
    topup = stripe_topup_post(**common(org, "tu_9", amount_cents=100))
    with pytest.raises(InvalidEntryError) as raised:
        payroll_paid_post(transfer_entry=topup)
    assert raised.value.details[0]["field"] == "transferEntry"
    assert not JournalEntry.objects.filter(kind=EntryKind.PAYROLL_PAID).exists()


def test_a_payout_booked_before_clearing_is_reversed_as_it_was_booked(org):
    legacy = journal_entry_post(organization=org, kind=EntryKind.PAYROLL_PAYOUT, source_type="test",
                                source_id="tr_old", description="before clearing", stripe_reference="tr_old",
                                lines=[(chart.PAYROLL_EXPENSE, 7000), (chart.STRIPE_BALANCE, -7000)])
    back = payroll_payout_failure_post(payout_entry=legacy, reason="account closed", stripe_reference="trr_old")
    assert back.kind == EntryKind.PAYROLL_PAYOUT_FAILURE and back.reverses_id == legacy.pk
    assert lines_of(back) == {chart.PAYROLL_EXPENSE: -7000, chart.STRIPE_BALANCE: 7000}
    assert reconciles(org, "trr_old", 7000, 0)


def test_bank_payout_and_its_failure_net_to_zero_like_stripe(org):
    payout = bank_payout_post(**common(org, "po_1", amount_cents=50000, fee_cents=25))
    assert lines_of(payout) == {chart.OPERATING_BANK: 50000, chart.PROCESSING_FEES: 25, chart.STRIPE_BALANCE: -50025}
    assert reconciles(org, "po_1", -50000, 25)
    failed = bank_payout_failure_post(payout_entry=payout, reason="bank rejected")
    assert failed.kind == EntryKind.BANK_PAYOUT_FAILURE and failed.stripe_reference == "po_1"
    assert reconciles(org, "po_1", 0, 0)


def test_topup_and_a_fee_billed_as_its_own_transaction(org):
    topup = stripe_topup_post(**common(org, "tu_1", amount_cents=1_000_000))
    assert lines_of(topup) == {chart.STRIPE_BALANCE: 1_000_000, chart.OPERATING_BANK: -1_000_000}
    fee = stripe_fee_post(**common(org, "po_connect_1", amount_cents=25))
    assert fee.kind == EntryKind.STRIPE_FEE
    assert lines_of(fee) == {chart.PROCESSING_FEES: 25, chart.STRIPE_BALANCE: -25}
    assert reconciles(org, "tu_1", 1_000_000, 0) and reconciles(org, "po_connect_1", -25, 0)
