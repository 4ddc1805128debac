"""The postings of DESIGN §7, one small function per money flow. Each names its kind, is exactly
once per (source object, kind), and must run in the caller's transaction with the state change
it records. `stripe_reference` is the id of the Stripe object whose balance transaction the entry
mirrors (charge `ch_…`, refund `re_…`, transfer `tr_…`, transfer reversal `trr_…`, payout `po_…`): reconciliation matches
on it, comparing Stripe's `amount`/`fee` with the entry's Stripe-balance lines plus its fee line.

Signs: debits positive, credits negative. Fees are what Stripe keeps, in cents."""

from __future__ import annotations

from datetime import date as Date

from ledger.chart import (
    ACH_RETURNS,
    OPERATING_BANK,
    PAYROLL_CLEARING,
    PAYROLL_EXPENSE,
    PROCESSING_FEES,
    REFUNDS,
    SALES_REVENUE,
    STRIPE_BALANCE,
)
from ledger.exceptions import InvalidEntryError
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


def payroll_transfer_post(*, organization, source_type: str, source_id: str, amount_cents: int, currency: str,
                          stripe_reference: str, description: str = "", date: Date | None = None,
                          actor: Actor | None = None) -> JournalEntry:
    """Kind PAYROLL_TRANSFER, posted when the money leaves our Stripe balance for the employee's
    connected account (the transfer, `tr_…`). Payroll clearing +amount, Stripe balance −amount: the
    wage is owed-and-in-flight until the payout to the bank is paid or fails."""
    return journal_entry_post(
        organization=organization, kind=EntryKind.PAYROLL_TRANSFER, source_type=source_type, source_id=source_id,
        description=description or f"Payroll transfer {stripe_reference}", currency=currency, date=date,
        stripe_reference=stripe_reference, actor=actor,
        lines=[(PAYROLL_CLEARING, amount_cents), (STRIPE_BALANCE, -amount_cents)])


def payroll_paid_post(*, transfer_entry: JournalEntry, description: str = "", date: Date | None = None,
                      actor: Actor | None = None) -> JournalEntry:
    """Kind PAYROLL_PAID, posted when the employee's bank has the money (`payout.paid`): payroll
    expense +amount, payroll clearing −amount, for the amount `transfer_entry` put into clearing.
    No `stripe_reference`: the payout moves the connected account's balance, not ours (its 25-cent
    fee on ours is a STRIPE_FEE entry). Refused once the transfer was reversed."""
    amount = _cleared_amount(transfer_entry)
    _refuse_if_posted(transfer_entry, EntryKind.PAYROLL_TRANSFER_REVERSAL, "paid")
    return journal_entry_post(
        organization=transfer_entry.organization, kind=EntryKind.PAYROLL_PAID,
        source_type=transfer_entry.source_type, source_id=transfer_entry.source_id,
        description=description or f"Payroll paid ({transfer_entry.stripe_reference})",
        currency=_currency(transfer_entry), date=date, actor=actor,
        lines=[(PAYROLL_EXPENSE, amount), (PAYROLL_CLEARING, -amount)])


def payroll_transfer_reversal_post(*, transfer_entry: JournalEntry, stripe_reference: str, description: str = "",
                                   date: Date | None = None, actor: Actor | None = None) -> JournalEntry:
    """Kind PAYROLL_TRANSFER_REVERSAL, posted when a failed or canceled payout's transfer is
    reversed (`trr_…`): Stripe balance +amount, payroll clearing −amount, linked to the transfer
    entry by `reverses`. Refused while the payout stands paid (its expense is recognised); a payout
    returned after paid first has its PAYROLL_PAID reversed (`payroll_paid_reversal_post`)."""
    amount = _cleared_amount(transfer_entry)
    if not _posted(transfer_entry, EntryKind.PAYROLL_PAID_REVERSAL):
        _refuse_if_posted(transfer_entry, EntryKind.PAYROLL_PAID, "reversed")
    return journal_entry_post(
        organization=transfer_entry.organization, kind=EntryKind.PAYROLL_TRANSFER_REVERSAL,
        source_type=transfer_entry.source_type, source_id=transfer_entry.source_id,
        description=description or f"Payroll transfer reversed {stripe_reference}",
        currency=_currency(transfer_entry), date=date, stripe_reference=stripe_reference,
        reverses=transfer_entry, actor=actor,
        lines=[(STRIPE_BALANCE, amount), (PAYROLL_CLEARING, -amount)])


def payroll_paid_reversal_post(*, transfer_entry: JournalEntry, reason: str, date: Date | None = None,
                               actor: Actor | None = None) -> JournalEntry | None:
    """Kind PAYROLL_PAID_REVERSAL, posted when the bank returns a payout after it was paid (Stripe's
    `payout.failed` after `payout.paid`): the PAYROLL_PAID entry mirrored (payroll clearing +amount,
    payroll expense −amount), linked by `reverses`, so the transfer reversal then empties clearing.
    None when the payout was never paid (nothing to undo)."""
    paid = _posted(transfer_entry, EntryKind.PAYROLL_PAID)
    if paid is None:
        return None
    amount = _cleared_amount(transfer_entry)
    return journal_entry_post(
        organization=transfer_entry.organization, kind=EntryKind.PAYROLL_PAID_REVERSAL,
        source_type=transfer_entry.source_type, source_id=transfer_entry.source_id,
        description=f"Payroll returned after paid ({transfer_entry.stripe_reference}): {reason}"[:500],
        currency=_currency(transfer_entry), date=date, reverses=paid, actor=actor,
        lines=[(PAYROLL_CLEARING, amount), (PAYROLL_EXPENSE, -amount)])


def _posted(transfer_entry: JournalEntry, kind: str) -> JournalEntry | None:
    return JournalEntry.objects.filter(organization_id=transfer_entry.organization_id, kind=kind,
                                       source_type=transfer_entry.source_type,
                                       source_id=transfer_entry.source_id).first()


def _cleared_amount(transfer_entry: JournalEntry) -> int:
    if transfer_entry.kind != EntryKind.PAYROLL_TRANSFER:
        raise InvalidEntryError("Only a payroll transfer entry leaves payroll clearing.", details=[
            {"field": "transferEntry", "reason": "Must be a payroll_transfer entry", "value": transfer_entry.kind}])
    return transfer_entry.lines.get(account__code=PAYROLL_CLEARING).amount_cents


def _currency(entry: JournalEntry) -> str:
    return entry.lines.values_list("currency", flat=True).first()


def _refuse_if_posted(transfer_entry: JournalEntry, other_kind: str, verb: str) -> None:
    """A payout ends either paid or reversed; both would leave clearing off by the amount."""
    if JournalEntry.objects.filter(organization_id=transfer_entry.organization_id, kind=other_kind,
                                   source_type=transfer_entry.source_type,
                                   source_id=transfer_entry.source_id).exists():
        raise InvalidEntryError(f"Payroll {transfer_entry.source_id} already has a {other_kind} entry; "
                                f"it cannot also be {verb}.", details=[
            {"field": "kind", "reason": f"{other_kind} already posted for this source", "value": transfer_entry.source_id}])


def payroll_payout_failure_post(*, payout_entry: JournalEntry, reason: str, stripe_reference: str,
                                date: Date | None = None, actor: Actor | None = None) -> JournalEntry:
    """Kind PAYROLL_PAYOUT_FAILURE, only for a payout booked before payroll clearing existed (kind
    PAYROLL_PAYOUT, expense at the transfer): that entry reversed line by line when its transfer
    is reversed (`trr_…`)."""
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
