"""The one service that records what Stripe says about a payment or a refund (issue 7 item 7).

The API's own calls and the webhooks both end here, so a succeeded payment is posted to the ledger
exactly once however its success arrives: the status moves with a guarded update (`filter(pk=…,
status__in=earlier).update(…)`; zero rows means a newer state already won), and the ledger posting
is unique per (source, kind) besides. Fees come from Stripe's balance transaction, read BEFORE the
transaction (no Stripe call while a lock is held, DESIGN §6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.services import audit_record
from ledger.models import EntryKind, JournalEntry
from ledger.services import card_payment_post, journal_entry_reverse, refund_post
from oracle_ledger import gateway
from oracle_ledger.actors import Actor
from payments.models import Payment, Refund, statuses_before

FINAL = (Payment.Status.SUCCEEDED, Payment.Status.FAILED, Payment.Status.CANCELED)


@dataclass
class IntentOutcome:
    """What Stripe reports about one PaymentIntent, in our terms."""

    status: str
    intent_id: str = ""
    charge_id: str = ""
    fields: dict[str, Any] = field(default_factory=dict)  # charge and failure details to store


def intent_status(intent: dict[str, Any]) -> str:
    """Stripe's PaymentIntent status in ours: a decline leaves the intent `requires_payment_method`
    with `last_payment_error`, which for us is a failed payment (we never re-confirm one)."""
    status = intent["status"]
    if status == "requires_payment_method" and intent.get("last_payment_error"):
        return Payment.Status.FAILED
    return status if status in Payment.Status.values else Payment.Status.PROCESSING


def outcome_from_intent(intent: dict[str, Any]) -> IntentOutcome:
    """Reads the charge (with its balance transaction) from Stripe when the intent succeeded:
    call it outside any transaction."""
    status = intent_status(intent)
    charge_id = intent.get("latest_charge") or ""
    if isinstance(charge_id, dict):
        charge_id = charge_id["id"]
    fields: dict[str, Any] = {}
    error = intent.get("last_payment_error") or {}
    if status == Payment.Status.FAILED:
        charge_id = error.get("charge") or charge_id
        fields.update(failure_code=error.get("code") or "", decline_code=error.get("decline_code") or "",
                      failure_message=(error.get("message") or "")[:500], charge_status="failed")
    if status == Payment.Status.SUCCEEDED and charge_id:
        fields.update(_charge_fields(gateway.charge_retrieve(charge_id, expand=["balance_transaction"]).to_dict()))
    return IntentOutcome(status=status, intent_id=intent["id"], charge_id=charge_id, fields=fields)


def declined_outcome(exc: gateway.CardDeclined) -> IntentOutcome:
    return IntentOutcome(status=Payment.Status.FAILED, intent_id=exc.payment_intent_id or "",
                         charge_id=exc.charge_id or "", fields={
                             "failure_code": exc.stripe_code or "card_declined", "decline_code": exc.decline_code or "",
                             "failure_message": exc.message[:500], "charge_status": "failed"})


def _charge_fields(charge: dict[str, Any]) -> dict[str, Any]:
    txn = charge.get("balance_transaction") or {}
    billing = charge.get("billing_details") or {}
    fields = {"charge_status": charge.get("status") or "", "receipt_url": charge.get("receipt_url") or "",
              "billing_details": {"name": billing.get("name"), "email": billing.get("email")}}
    if isinstance(txn, dict) and "fee" in txn:
        fields.update(fee_cents=txn["fee"], net_cents=txn["net"])
    return fields


def payment_status_advance(*, payment: Payment, outcome: IntentOutcome, actor: Actor,
                           attempt: str = "") -> tuple[Payment, bool]:
    """Move the payment forward to `outcome.status` (never back), store Stripe's details, post the
    ledger entry when it succeeds and audit the change, all in one transaction. `attempt`: the
    Stripe call whose answer this is, closed here whether or not the status moved.
    Returns (the payment as stored, whether this call moved it)."""
    now = timezone.now()
    changes = {"status": outcome.status, "updated_at": now, **outcome.fields}
    if outcome.intent_id:
        changes["stripe_payment_intent_id"] = outcome.intent_id
    if outcome.charge_id:
        changes["stripe_charge_id"] = outcome.charge_id
    if outcome.status in FINAL:  # nothing is left to retry, whoever reported it
        changes.update(attempt="", attempt_started_at=None)
    with transaction.atomic():
        before = Payment.objects.filter(pk=payment.pk).values_list("status", flat=True).first()
        moved = Payment.objects.filter(pk=payment.pk, status__in=statuses_before(outcome.status)).update(**changes)
        if attempt:
            Payment.objects.filter(pk=payment.pk, attempt=attempt).update(attempt="", attempt_started_at=None)
        stored = Payment.objects.select_related("customer", "payment_method", "organization").get(pk=payment.pk)
        if moved:
            _on_moved(stored, before=before, actor=actor)
    return stored, bool(moved)


def _on_moved(payment: Payment, *, before: str | None, actor: Actor) -> None:
    if payment.status == Payment.Status.SUCCEEDED:
        card_payment_post(organization=payment.organization, source_type="payment", source_id=payment.public_id,
                          amount_cents=payment.amount_cents, fee_cents=payment.fee_cents or 0,
                          currency=payment.currency, stripe_reference=payment.stripe_charge_id or
                          payment.stripe_payment_intent_id,
                          description=f"Card payment {payment.public_id}", actor=actor)
    audit_record(actor=actor, action=f"payment.{payment.status}", target_type="payment",
                 target_id=payment.public_id, organization=payment.organization,
                 changes={"status": {"from": before, "to": payment.status}},
                 metadata={"stripePaymentIntentId": payment.stripe_payment_intent_id,
                           "amount": payment.amount_cents, "currency": payment.currency,
                           "failureCode": payment.failure_code or None, "declineCode": payment.decline_code or None})


# --- Refunds -----------------------------------------------------------------------------------------

REFUND_STATUS = {"pending": Refund.Status.PENDING, "requires_action": Refund.Status.PENDING,
                 "succeeded": Refund.Status.SUCCEEDED, "failed": Refund.Status.FAILED,
                 "canceled": Refund.Status.CANCELED}
# The statuses each target may be reached from (the guarded update's `status__in`).
REFUND_EARLIER = {Refund.Status.PENDING: [], Refund.Status.SUCCEEDED: [Refund.Status.PENDING],
                  Refund.Status.FAILED: [Refund.Status.PENDING, Refund.Status.SUCCEEDED],
                  Refund.Status.CANCELED: [Refund.Status.PENDING]}


def refund_status_advance(*, refund: Refund, stripe_refund: dict[str, Any] | None, actor: Actor,
                          failure: str = "") -> tuple[Refund, bool]:
    """Record Stripe's refund (or, with `stripe_refund` None, Stripe's definite refusal): the
    status moves forward only; an accepted refund posts its ledger entry once; a failed or
    canceled one gives its reserved amount back to the payment and reverses its entry. A succeeded
    refund can still fail later at Stripe (a closed card: the money returns to our balance), so
    SUCCEEDED→FAILED is a move too; nothing ever leaves FAILED or CANCELED."""
    target = REFUND_STATUS.get((stripe_refund or {}).get("status"), Refund.Status.FAILED)
    earlier = REFUND_EARLIER[target]
    changes: dict[str, Any] = {"updated_at": timezone.now(), "attempt_open": False}
    if stripe_refund:
        changes["stripe_refund_id"] = stripe_refund["id"]
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("organization").get(pk=refund.payment_id)
        opened = Refund.objects.filter(pk=refund.pk, attempt_open=True).update(**changes)
        if not opened and stripe_refund:  # a webhook may bring the id of a refund whose answer was lost
            Refund.objects.filter(pk=refund.pk, stripe_refund_id="").update(stripe_refund_id=stripe_refund["id"])
        before = Refund.objects.filter(pk=refund.pk).values_list("status", flat=True).get()
        moved = Refund.objects.filter(pk=refund.pk, status__in=earlier).update(
            status=target, failure_reason=(failure or (stripe_refund or {}).get("failure_reason") or "")[:255])
        stored = Refund.objects.select_related("payment").get(pk=refund.pk)
        if stored.status in (Refund.Status.PENDING, Refund.Status.SUCCEEDED) and stored.stripe_refund_id:
            _refund_post(stored, payment, actor)
        if moved and target in (Refund.Status.FAILED, Refund.Status.CANCELED):
            _refund_release(stored, payment, actor)
        if moved or opened:
            audit_record(actor=actor, action=f"refund.{stored.status}", target_type="refund",
                         target_id=stored.public_id, organization=payment.organization,
                         changes={"status": {"from": before, "to": stored.status}}, metadata={
                             "paymentId": payment.public_id, "amount": stored.amount_cents,
                             "stripeRefundId": stored.stripe_refund_id or None,
                             "failure": failure or stored.failure_reason or None})
    return stored, bool(moved)


def _refund_post(refund: Refund, payment: Payment, actor: Actor) -> JournalEntry:
    return refund_post(organization=payment.organization, source_type="refund", source_id=refund.public_id,
                       amount_cents=refund.amount_cents, currency=payment.currency,
                       stripe_reference=refund.stripe_refund_id, description=f"Refund {refund.public_id} of "
                       f"{payment.public_id}", actor=actor)


def _refund_release(refund: Refund, payment: Payment, actor: Actor) -> None:
    Payment.objects.filter(pk=payment.pk).update(refunded_cents=F("refunded_cents") - refund.amount_cents,
                                                 updated_at=timezone.now())
    entry = JournalEntry.objects.filter(organization=payment.organization, source_type="refund",
                                        source_id=refund.public_id, kind=EntryKind.REFUND).first()
    if entry is not None:
        journal_entry_reverse(entry=entry, reason=f"refund {refund.status}", actor=actor)
