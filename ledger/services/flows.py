"""The postings of DESIGN §7, one small function per money flow. Each names its kind, is exactly
once per (source object, kind), and must run in the caller's transaction with the state change
it records. `stripe_reference` is the id of the Stripe object whose balance transaction the entry
mirrors (charge `ch_…`, refund `re_…`, transfer `tr_…`, payout `po_…`): reconciliation matches
on it, comparing Stripe's `amount`/`fee` with the entry's Stripe-balance lines plus its fee line.

Signs: debits positive, credits negative. Fees are what Stripe keeps, in cents."""

from __future__ import annotations

from datetime import date as Date

from ledger.chart import (
    ACH_RETURNS,
    OPERATING_BANK,
    PAYROLL_EXPENSE,
    PROCESSING_FEES,
    REFUNDS,
    SALES_REVENUE,
    STRIPE_BALANCE,
)
from ledger.models import EntryKind, JournalEntry
from ledger.services.posting import journal_entry_post, journal_entry_reverse
from oracle_ledger.actors import Actor


def _fee_line(fee_cents: int) -> list[tuple[str, int]]:
    return [(PROCESSING_FEES, fee_cents)] if fee_cents else []


def card_payment_post(*, organization, source_type: str, source_id: str, amount_cents: int, fee_cents: int,
                      currency: str, stripe_reference: str, description: str = "", date: Date | None = None,
                      actor: Actor | None = None) -> JournalEntry:
    """Kind CARD_PAYMENT. Stripe balance +(gross − fee), processing fees +fee, sales revenue −gross."""
    return journal_entry_post(
        organization=organization, kind=EntryKind.CARD_PAYMENT, source_type=source_type, source_id=source_id,
        description=description or f"Card payment {stripe_reference}", currency=currency, date=date,
        stripe_reference=stripe_reference, actor=actor,
        lines=[(STRIPE_BALANCE, amount_cents - fee_cents), *_fee_line(fee_cents), (SALES_REVENUE, -amount_cents)])


def refund_post(*, organization, source_type: str, source_id: str, amount_cents: int, currency: str,
                stripe_reference: str, fee_refunded_cents: int = 0, description: str = "",
                date: Date | None = None, actor: Actor | None = None) -> JournalEntry:
    """Kind REFUND. Refunds (contra revenue) +amount, Stripe balance −(amount − fee refunded),
    processing fees −fee refunded (Stripe keeps card fees today, so usually 0)."""
    return journal_entry_post(
        organization=organization, kind=EntryKind.REFUND, source_type=source_type, source_id=source_id,
        description=description or f"Refund {stripe_reference}", currency=currency, date=date,
        stripe_reference=stripe_reference, actor=actor,
        lines=[(REFUNDS, amount_cents), *_fee_line(-fee_refunded_cents),
               (STRIPE_BALANCE, -(amount_cents - fee_refunded_cents))])


def ach_settlement_post(*, organization, source_type: str, source_id: str, amount_cents: int, fee_cents: int,
                        currency: str, stripe_reference: str, description: str = "", date: Date | None = None,
                        actor: Actor | None = None) -> JournalEntry:
    """Kind ACH_SETTLEMENT, posted when the debit settles. Same lines as a card payment."""
    return journal_entry_post(
        organization=organization, kind=EntryKind.ACH_SETTLEMENT, source_type=source_type, source_id=source_id,
        description=description or f"ACH payment settled {stripe_reference}", currency=currency, date=date,
        stripe_reference=stripe_reference, actor=actor,
        lines=[(STRIPE_BALANCE, amount_cents - fee_cents), *_fee_line(fee_cents), (SALES_REVENUE, -amount_cents)])


def ach_return_post(*, organization, source_type: str, source_id: str, amount_cents: int, currency: str,
                    stripe_reference: str, settlement: JournalEntry | None = None, fee_refunded_cents: int = 0,
                    description: str = "", date: Date | None = None, actor: Actor | None = None) -> JournalEntry:
    """Kind ACH_RETURN. ACH returns (contra revenue) +amount, Stripe balance −(amount − fee
    refunded), processing fees −fee refunded. `settlement`, when given, is linked by `reverses`:
    the return undoes that settlement's cash, while revenue stays recognised and the loss shows in
    ACH returns."""
    return journal_entry_post(
        organization=organization, kind=EntryKind.ACH_RETURN, source_type=source_type, source_id=source_id,
        description=description or f"ACH return {stripe_reference}", currency=currency, date=date,
        stripe_reference=stripe_reference, reverses=settlement, actor=actor,
        lines=[(ACH_RETURNS, amount_cents), *_fee_line(-fee_refunded_cents),
               (STRIPE_BALANCE, -(amount_cents - fee_refunded_cents))])


def payroll_payout_post(*, organization, source_type: str, source_id: str, amount_cents: int, currency: str,
                        stripe_reference: str, fee_cents: int = 0, description: str = "",
                        date: Date | None = None, actor: Actor | None = None) -> JournalEntry:
    """Kind PAYROLL_PAYOUT, posted when the money leaves our Stripe balance for the employee
    (the transfer to their connected account, `tr_…`). Payroll expense +amount, processing fees
    +fee, Stripe balance −(amount + fee)."""
    return journal_entry_post(
        organization=organization, kind=EntryKind.PAYROLL_PAYOUT, source_type=source_type, source_id=source_id,
        description=description or f"Payroll payout {stripe_reference}", currency=currency, date=date,
        stripe_reference=stripe_reference, actor=actor,
        lines=[(PAYROLL_EXPENSE, amount_cents), *_fee_line(fee_cents), (STRIPE_BALANCE, -(amount_cents + fee_cents))])


def payroll_payout_failure_post(*, payout_entry: JournalEntry, reason: str, stripe_reference: str,
                                date: Date | None = None, actor: Actor | None = None) -> JournalEntry:
    """Kind PAYROLL_PAYOUT_FAILURE: the payout entry reversed line by line, once the money is back
    in our balance. `stripe_reference` is the transfer reversal (`trr_…`) that brought it back, or
    "" when nothing moved at Stripe (a failed payout of a connected account returns the money to
    that account, not to ours)."""
    return journal_entry_reverse(entry=payout_entry, kind=EntryKind.PAYROLL_PAYOUT_FAILURE, reason=reason,
                                 stripe_reference=stripe_reference, date=date, actor=actor)


def bank_payout_post(*, organization, source_type: str, source_id: str, amount_cents: int, currency: str,
                     stripe_reference: str, fee_cents: int = 0, description: str = "", date: Date | None = None,
                     actor: Actor | None = None) -> JournalEntry:
    """Kind BANK_PAYOUT: Stripe pays our balance out to the operating bank (`po_…`). Operating bank
    +amount, processing fees +fee, Stripe balance −(amount + fee)."""
    return journal_entry_post(
        organization=organization, kind=EntryKind.BANK_PAYOUT, source_type=source_type, source_id=source_id,
        description=description or f"Stripe payout to bank {stripe_reference}", currency=currency, date=date,
        stripe_reference=stripe_reference, actor=actor,
        lines=[(OPERATING_BANK, amount_cents), *_fee_line(fee_cents), (STRIPE_BALANCE, -(amount_cents + fee_cents))])


def bank_payout_failure_post(*, payout_entry: JournalEntry, reason: str, stripe_reference: str | None = None,
                             date: Date | None = None, actor: Actor | None = None) -> JournalEntry:
    """Kind BANK_PAYOUT_FAILURE: the bank payout entry reversed (the money is back in Stripe)."""
    return journal_entry_reverse(entry=payout_entry, kind=EntryKind.BANK_PAYOUT_FAILURE, reason=reason,
                                 stripe_reference=stripe_reference, date=date, actor=actor)


def stripe_topup_post(*, organization, source_type: str, source_id: str, amount_cents: int, currency: str,
                      stripe_reference: str, description: str = "", date: Date | None = None,
                      actor: Actor | None = None) -> JournalEntry:
    """Kind STRIPE_TOPUP: the bank funds our Stripe balance (`tu_…`), e.g. before a payroll run.
    Stripe balance +amount, operating bank −amount."""
    return journal_entry_post(
        organization=organization, kind=EntryKind.STRIPE_TOPUP, source_type=source_type, source_id=source_id,
        description=description or f"Stripe top-up {stripe_reference}", currency=currency, date=date,
        stripe_reference=stripe_reference, actor=actor,
        lines=[(STRIPE_BALANCE, amount_cents), (OPERATING_BANK, -amount_cents)])


def stripe_fee_post(*, organization, source_type: str, source_id: str, amount_cents: int, currency: str,
                    stripe_reference: str, description: str = "", date: Date | None = None,
                    actor: Actor | None = None) -> JournalEntry:
    """Kind STRIPE_FEE: a fee Stripe bills as a transaction of its own (type `stripe_fee`, e.g.
    25 cents per payout of a connected account, `stripe_reference` = that payout `po_…`).
    Processing fees +amount, Stripe balance −amount. Reconciliation compares it as Stripe does:
    an amount of −fee with no `fee`."""
    return journal_entry_post(
        organization=organization, kind=EntryKind.STRIPE_FEE, source_type=source_type, source_id=source_id,
        description=description or f"Stripe fee for {stripe_reference}", currency=currency, date=date,
        stripe_reference=stripe_reference, actor=actor,
        lines=[(PROCESSING_FEES, amount_cents), (STRIPE_BALANCE, -amount_cents)])
