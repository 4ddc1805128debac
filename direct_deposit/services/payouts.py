"""Paying a recipient (issue 10 item 4): a transfer to the connected account, then a payout to its
bank account, then (only after a failure) the transfer's reversal.

Each step is a Stripe call between two short transactions (DESIGN §6). `Payout.attempt` names the
step in flight and is committed before the call; the call carries a key derived from the payout
(`dd-transfer:po_…`, `dd-payout:po_…`, `dd-transfer-reversal:po_…`); recording its answer moves
`attempt` on with a compare-and-set, so two processes repeating a step (a resumed run, the
sweeper, a webhook) get Stripe's one object and record it once. The ledger entries are unique per
(source, kind) besides."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from direct_deposit.exceptions import DirectDepositStripeUnavailableError, RecipientNotVerifiedError
from direct_deposit.models import (
    Payout,
    PayrollRun,
    PayrollRunLine,
    Recipient,
    RecipientBankAccount,
    statuses_before,
)
from ledger import clock
from ledger.models import EntryKind, JournalEntry
from ledger.services import (
    payroll_paid_post,
    payroll_paid_reversal_post,
    payroll_payout_failure_post,
    payroll_transfer_post,
    payroll_transfer_reversal_post,
    stripe_fee_post,
)
from oracle_ledger import gateway
from oracle_ledger.actors import Actor
from oracle_ledger.errors import ValidationFailedError
from oracle_ledger.request_keys import row_for_request

# Stripe's standard payout fee, billed to the platform per payout (DESIGN §9). The employee's bank
# receives the full amount, so `net` is the amount; reconciliation compares the fee with Stripe's.
PAYOUT_FEE_CENTS = 25
FINAL = (Payout.Status.PAID, Payout.Status.FAILED, Payout.Status.CANCELED)


def payout_ensure_payable(*, recipient: Recipient, bank: RecipientBankAccount | None) -> None:
    """RECIPIENT_NOT_VERIFIED unless Stripe has enabled the recipient's payouts; a bank account
    that Stripe marked errored (a failed payout) cannot be paid again."""
    if not recipient.active or not recipient.payouts_enabled:
        raise RecipientNotVerifiedError(details={
            "recipientId": recipient.public_id, "verificationStatus": recipient.verification_status,
            "accountStatus": recipient.account_status, "payoutsEnabled": recipient.payouts_enabled})
    if bank is None or not bank.stripe_bank_account_id or bank.status == "errored":
        raise ValidationFailedError("The bank account cannot receive payouts.", details=[{
            "field": "bankAccountId", "reason": "The bank account cannot receive payouts (missing or errored)",
            "value": bank.public_id if bank else None}])


def payout_create(*, actor: Actor, recipient: Recipient, bank: RecipientBankAccount, amount_cents: int,
                  currency: str = "usd", description: str = "", pay_period_start: dt.date | None = None,
                  pay_period_end: dt.date | None = None, metadata: dict[str, Any] | None = None,
                  request_key: str = "", request_fingerprint: str = "") -> Payout:
    """Pay `amount_cents` to the recipient's bank account. Stripe being unreachable leaves the
    payout recorded with its step open (DirectDepositStripeUnavailableError); the sweeper finishes it.
    `request_key`: the API Idempotency-Key; a retry with it resumes the same payout."""
    existing = _existing_for_request(recipient.organization, request_key, request_fingerprint)
    if existing is not None:
        return payout_attempt_run(payout=existing, actor=actor)
    payout_ensure_payable(recipient=recipient, bank=bank)
    now = timezone.now()
    payout = Payout(organization=recipient.organization, recipient=recipient, bank_account=bank,
                    amount_cents=amount_cents, currency=currency, description=description,
                    pay_period_start=pay_period_start, pay_period_end=pay_period_end, metadata=metadata or {},
                    scheduled_date=clock.today(), attempt=Payout.Attempt.TRANSFER, attempt_started_at=now,
                    created_by_id=actor.user_pk, created_at=now, updated_at=now,
                    request_key=request_key, request_fingerprint=request_fingerprint)
    # Durable: committed before money can move, so a crash after a Stripe call leaves a row the
    # sweeper finishes with the same keys instead of money nobody knows about.
    try:
        with transaction.atomic(durable=True):
            payout.save(force_insert=True)
            payout_requested_audit(payout=payout, actor=actor)
    except IntegrityError:
        if not request_key:
            raise
        # Two retries with one key raced: the row that won is the payout; resume it.
        return payout_attempt_run(payout=_existing_for_request(
            recipient.organization, request_key, request_fingerprint), actor=actor)
    return payout_attempt_run(payout=payout, actor=actor)


def _existing_for_request(organization, request_key: str, fingerprint: str) -> Payout | None:
    return row_for_request(Payout.objects.filter(organization=organization), request_key, fingerprint,
                           details_key="payoutId")


def payout_requested_audit(*, payout: Payout, actor: Actor) -> None:
    audit_record(actor=actor, action="payout.requested", target_type="dd_payout", target_id=payout.public_id,
                 organization=payout.organization, changes={
                     "amount": payout.amount_cents, "currency": payout.currency,
                     "recipient": payout.recipient.public_id, "bankAccount": payout.bank_account.public_id},
                 metadata={"payrollRunId": payout.payroll_run.public_id if payout.payroll_run_id else None})


def payout_attempt_run(*, payout: Payout, actor: Actor) -> Payout:
    """Run (or repeat, with the same keys) every open step of the payout until none is left.
    Used by the API, payroll runs, webhooks and the sweeper."""
    steps = {Payout.Attempt.TRANSFER: _transfer_step, Payout.Attempt.PAYOUT: _payout_step,
             Payout.Attempt.REVERSE: _reverse_step}
    for _ in range(len(steps) + 1):  # each step moves `attempt` on; bounded so a bug cannot spin
        payout = Payout.objects.select_related("recipient", "bank_account", "organization", "payroll_run").get(
            pk=payout.pk)
        if not payout.attempt:
            break
        try:
            steps[payout.attempt](payout, actor)
        except gateway.StripeUnavailable as exc:
            raise DirectDepositStripeUnavailableError(details={
                "stripeErrorCode": exc.stripe_code, "stripeMessage": exc.message, "payoutId": payout.public_id,
                "step": payout.attempt}) from exc
    return payout


def _metadata(payout: Payout) -> dict[str, str]:
    return {**{str(k): "" if v is None else str(v) for k, v in payout.metadata.items()},
            "payoutId": payout.public_id, "organization": payout.organization.public_id,
            "recipientId": payout.recipient.public_id}


def _transfer_step(payout: Payout, actor: Actor) -> None:
    try:
        transfer = gateway.transfer_create(
            idempotency_key=f"dd-transfer:{payout.public_id}", amount_cents=payout.amount_cents,
            currency=payout.currency, destination=payout.recipient.stripe_account_id,
            description=(payout.description or f"Direct deposit {payout.public_id}")[:1000],
            transfer_group=payout.payroll_run.public_id if payout.payroll_run_id else payout.public_id,
            metadata=_metadata(payout)).to_dict()
    except gateway.StripeRejected as exc:  # nothing moved (e.g. the platform balance is too low)
        _fail(payout, code=exc.stripe_code or "transfer_rejected", reason=exc.message, actor=actor,
              from_attempt=Payout.Attempt.TRANSFER, reverse=False)
        return
    payout_transfer_record(payout=payout, transfer_id=transfer["id"], actor=actor)


def payout_transfer_record(*, payout: Payout, transfer_id: str, actor: Actor) -> bool:
    """The money left our balance: store the transfer, move the amount into payroll clearing, open
    the payout step."""
    with transaction.atomic():
        moved = Payout.objects.filter(pk=payout.pk, attempt=Payout.Attempt.TRANSFER).update(
            stripe_transfer_id=transfer_id, attempt=Payout.Attempt.PAYOUT, attempt_started_at=timezone.now(),
            updated_at=timezone.now())
        if moved:
            payroll_transfer_post(organization=payout.organization, source_type="dd_payout",
                                  source_id=payout.public_id, amount_cents=payout.amount_cents,
                                  currency=payout.currency, stripe_reference=transfer_id,
                                  description=f"Payroll transfer {payout.public_id} to {payout.recipient.public_id}",
                                  actor=actor)
            audit_record(actor=actor, action="payout.transferred", target_type="dd_payout",
                         target_id=payout.public_id, organization=payout.organization,
                         metadata={"stripeTransferId": transfer_id})
    return bool(moved)


def _payout_step(payout: Payout, actor: Actor) -> None:
    try:
        stripe_payout = gateway.payout_create(
            stripe_account=payout.recipient.stripe_account_id, idempotency_key=f"dd-payout:{payout.public_id}",
            amount_cents=payout.amount_cents, currency=payout.currency,
            destination=payout.bank_account.stripe_bank_account_id,
            description=(payout.description or f"Direct deposit {payout.public_id}")[:1000],
            metadata=_metadata(payout)).to_dict()
    except gateway.StripeRejected as exc:  # the money sits on the connected account: take it back
        _fail(payout, code=exc.stripe_code or "payout_rejected", reason=exc.message, actor=actor,
              from_attempt=Payout.Attempt.PAYOUT, reverse=True)
        return
    with transaction.atomic():
        moved = Payout.objects.filter(pk=payout.pk, attempt=Payout.Attempt.PAYOUT).update(
            stripe_payout_id=stripe_payout["id"], attempt="", attempt_started_at=None, fee_cents=PAYOUT_FEE_CENTS,
            net_cents=payout.amount_cents,
            estimated_arrival_at=dt.datetime.fromtimestamp(stripe_payout["arrival_date"], tz=dt.UTC),
            updated_at=timezone.now())
        if moved:
            stripe_fee_post(organization=payout.organization, source_type="dd_payout", source_id=payout.public_id,
                            amount_cents=PAYOUT_FEE_CENTS, currency=payout.currency,
                            stripe_reference=stripe_payout["id"], actor=actor)
            _line_result(payout, PayrollRunLine.Result.SENT, "")
            audit_record(actor=actor, action="payout.created", target_type="dd_payout", target_id=payout.public_id,
                         organization=payout.organization, metadata={
                             "stripePayoutId": stripe_payout["id"], "amount": payout.amount_cents,
                             "recipientId": payout.recipient.public_id})
    if moved:
        payout_status_advance(payout=payout, stripe_payout=stripe_payout, actor=actor)


def _fail(payout: Payout, *, code: str, reason: str, actor: Actor, from_attempt: str, reverse: bool) -> None:
    with transaction.atomic():
        moved = Payout.objects.filter(pk=payout.pk, attempt=from_attempt).update(
            status=Payout.Status.FAILED, failure_code=code[:64], failure_reason=reason[:500],
            attempt=Payout.Attempt.REVERSE if reverse else "", attempt_started_at=timezone.now() if reverse else None,
            updated_at=timezone.now())
        if moved:
            _line_result(payout, PayrollRunLine.Result.FAILED, reason)
            audit_record(actor=actor, action="payout.failed", target_type="dd_payout", target_id=payout.public_id,
                         organization=payout.organization, outcome="failure",
                         metadata={"failureCode": code, "failureReason": reason[:500], "step": from_attempt})


def _reverse_step(payout: Payout, actor: Actor) -> None:
    """After a failed or canceled payout the money is back on the connected account: reverse the
    transfer so it is back in our balance and out of payroll clearing (exactly once)."""
    reversal = gateway.transfer_reversal_create(
        payout.stripe_transfer_id, idempotency_key=f"dd-transfer-reversal:{payout.public_id}",
        description=f"Payout {payout.public_id} {payout.status}", metadata={"payoutId": payout.public_id}).to_dict()
    with transaction.atomic():
        moved = Payout.objects.filter(pk=payout.pk, attempt=Payout.Attempt.REVERSE).update(
            stripe_transfer_reversal_id=reversal["id"], attempt="", attempt_started_at=None,
            updated_at=timezone.now())
        entry = _transfer_entry(payout)
        if moved and entry is not None:
            if entry.kind == EntryKind.PAYROLL_TRANSFER:
                payroll_transfer_reversal_post(transfer_entry=entry, stripe_reference=reversal["id"], actor=actor)
            else:
                payroll_payout_failure_post(payout_entry=entry, stripe_reference=reversal["id"], actor=actor,
                                            reason=f"payout {payout.status}: {payout.failure_code or 'canceled'}")
            audit_record(actor=actor, action="payout.transfer_reversed", target_type="dd_payout",
                         target_id=payout.public_id, organization=payout.organization,
                         metadata={"stripeTransferReversalId": reversal["id"]})


def _transfer_entry(payout: Payout) -> JournalEntry | None:
    """The entry of the payout's transfer: PAYROLL_TRANSFER (into clearing), or PAYROLL_PAYOUT for a
    payout transferred before clearing existed (expense already booked then)."""
    return (JournalEntry.objects.filter(organization=payout.organization, source_type="dd_payout",
                                        source_id=payout.public_id,
                                        kind__in=(EntryKind.PAYROLL_TRANSFER, EntryKind.PAYROLL_PAYOUT))
            .order_by("id").first())


def _line_result(payout: Payout, result: str, error: str) -> None:
    if payout.payroll_run_id:
        PayrollRunLine.objects.filter(payout=payout).update(result=result, error=error[:500],
                                                             updated_at=timezone.now())


# --- Status from Stripe --------------------------------------------------------------------------------

def payout_status_advance(*, payout: Payout, stripe_payout: dict[str, Any], actor: Actor) -> tuple[Payout, bool]:
    """Move the payout forward to Stripe's status (never back) with its dates and failure; a
    failed or canceled payout opens the reversal step, which is then run. A paid payout can still
    fail (the bank returns it): its expense is reversed, then its transfer. Returns (payout, moved)."""
    status = stripe_payout["status"]
    if status not in Payout.Status.values:
        return payout, False
    changes: dict[str, Any] = {"status": status, "updated_at": timezone.now()}
    if status in (Payout.Status.IN_TRANSIT, Payout.Status.PAID):
        changes["actual_payout_at"] = payout.actual_payout_at or _sandbox_now()
    if status == Payout.Status.PAID:
        changes["actual_arrival_at"] = _sandbox_now()
    if status in (Payout.Status.FAILED, Payout.Status.CANCELED):
        changes.update(failure_code=(stripe_payout.get("failure_code") or status)[:64],
                       failure_reason=(stripe_payout.get("failure_message") or f"Payout {status}")[:500])
        if payout.stripe_transfer_id and not payout.stripe_transfer_reversal_id:
            changes.update(attempt=Payout.Attempt.REVERSE, attempt_started_at=timezone.now())
    with transaction.atomic():
        # Locked: a `paid` committing meanwhile must be seen, or its expense would stay booked.
        before = Payout.objects.select_for_update().filter(pk=payout.pk).values_list("status", flat=True).first()
        moved = Payout.objects.filter(pk=payout.pk, status__in=statuses_before(status)).exclude(
            attempt__in=(Payout.Attempt.TRANSFER, Payout.Attempt.PAYOUT)).update(**changes)
        if moved:
            if status == Payout.Status.PAID:
                _expense_recognise(payout, actor=actor)
            if status in (Payout.Status.FAILED, Payout.Status.CANCELED):
                if before == Payout.Status.PAID:  # the bank returned it: the expense goes back first
                    _expense_unrecognise(payout, reason=changes["failure_code"], actor=actor)
                _line_result(payout, PayrollRunLine.Result.FAILED, changes["failure_reason"])
                # A payout can fail days after its run completed (the bank returns it).
                PayrollRun.objects.filter(pk=payout.payroll_run_id or 0, status=PayrollRun.Status.COMPLETED).update(
                    status=PayrollRun.Status.COMPLETED_WITH_FAILURES, updated_at=timezone.now())
            audit_record(actor=actor, action=f"payout.{status}", target_type="dd_payout",
                         target_id=payout.public_id, organization=payout.organization,
                         outcome="failure" if status == Payout.Status.FAILED else "success",
                         changes={"status": {"from": before, "to": status}},
                         metadata={"stripePayoutId": stripe_payout.get("id"),
                                   "failureCode": stripe_payout.get("failure_code")})
    stored = Payout.objects.get(pk=payout.pk)
    if stored.attempt == Payout.Attempt.REVERSE:
        stored = payout_attempt_run(payout=stored, actor=actor)
    return stored, bool(moved)


def _expense_recognise(payout: Payout, *, actor: Actor) -> None:
    """The employee's bank has the wage: it leaves payroll clearing as expense. A payout booked
    before clearing existed already carries its expense."""
    entry = _transfer_entry(payout)
    if entry is not None and entry.kind == EntryKind.PAYROLL_TRANSFER:
        payroll_paid_post(transfer_entry=entry, actor=actor,
                          description=f"Payroll paid {payout.public_id} to {payout.recipient.public_id}")


def _expense_unrecognise(payout: Payout, *, reason: str, actor: Actor) -> None:
    """A payout returned after `paid`: its PAYROLL_PAID is reversed in the transaction that marks
    it failed, so the reversal step's transfer reversal then empties clearing (DESIGN §7)."""
    entry = _transfer_entry(payout)
    if entry is not None and entry.kind == EntryKind.PAYROLL_TRANSFER:
        payroll_paid_reversal_post(transfer_entry=entry, reason=f"payout returned after paid: {reason}", actor=actor)


def _sandbox_now() -> dt.datetime:
    """"Today" is one clock (DESIGN §9): the sandbox's in sandbox mode."""
    if gateway.is_sandbox():
        from stripe_sandbox import clock as sandbox_clock

        return dt.datetime.fromtimestamp(sandbox_clock.now(), tz=dt.UTC)
    return timezone.now()
