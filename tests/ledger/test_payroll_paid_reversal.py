"""A payroll payout the bank returns after it was paid: PAYROLL_PAID is reversed first, and only
then may the transfer be reversed; each exactly once, clearing and expense back to zero."""

from __future__ import annotations

import pytest

from ledger import chart
from ledger.exceptions import InvalidEntryError
from ledger.models import EntryKind, JournalEntry, JournalLine
from ledger.services import (
    payroll_paid_post,
    payroll_paid_reversal_post,
    payroll_transfer_post,
    payroll_transfer_reversal_post,
)

pytestmark = pytest.mark.django_db


def total(org, code: str) -> int:
    return sum(JournalLine.objects.filter(organization=org, account__code=code).values_list("amount_cents", flat=True))


def transfer(org, ref: str, amount: int):
    return payroll_transfer_post(organization=org, source_type="dd_payout", source_id=ref, amount_cents=amount,
                                 currency="usd", stripe_reference=f"tr_{ref}")


def test_a_paid_payroll_returned_later_reverses_the_expense_then_the_transfer_once(org):
    entry = transfer(org, "po_late", 80_000)
    paid = payroll_paid_post(transfer_entry=entry)
    with pytest.raises(InvalidEntryError, match="payroll_paid"):  # still paid: refused
        payroll_transfer_reversal_post(transfer_entry=entry, stripe_reference="trr_late")
    undone = payroll_paid_reversal_post(transfer_entry=entry, reason="account_closed")
    assert undone.kind == EntryKind.PAYROLL_PAID_REVERSAL and undone.reverses_id == paid.pk
    assert payroll_paid_reversal_post(transfer_entry=entry, reason="account_closed").pk == undone.pk
    back = payroll_transfer_reversal_post(transfer_entry=entry, stripe_reference="trr_late")
    assert payroll_transfer_reversal_post(transfer_entry=entry, stripe_reference="trr_late").pk == back.pk
    assert [total(org, c) for c in (chart.PAYROLL_CLEARING, chart.PAYROLL_EXPENSE, chart.STRIPE_BALANCE)] == [0, 0, 0]
    assert JournalEntry.objects.filter(source_id="po_late").count() == 4


def test_nothing_to_undo_for_a_payout_never_paid(org):
    entry = transfer(org, "po_never", 1_000)
    assert payroll_paid_reversal_post(transfer_entry=entry, reason="failed") is None
    assert not JournalEntry.objects.filter(kind=EntryKind.PAYROLL_PAID_REVERSAL).exists()
