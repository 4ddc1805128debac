"""Refunds (issue 7 item 4): partial and repeated, never more than the payment captured.

The amount is RESERVED first, in a short transaction holding the payment's row lock
(`refunded_cents += amount`, with the table's CHECK constraint as the last guard), so concurrent
refunds are decided by PostgreSQL before Stripe hears of any of them. Then Stripe is called with
`refund-create:re_…`; a definite refusal gives the reservation back, an outage keeps it until the
retry or the sweeper learns the outcome with the same key."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.services import audit_record
from oracle_ledger import gateway
from oracle_ledger.actors import Actor
from oracle_ledger.errors import StripeError
from oracle_ledger.request_keys import row_for_request
from payments.exceptions import (
    PaymentStateError,
    PaymentStripeUnavailableError,
    RefundTooLargeError,
)
from payments.models import Payment, Refund
from payments.services.status import refund_status_advance


def payment_refund(*, actor: Actor, payment: Payment, amount_cents: int | None = None, reason: str = "",
                   metadata: dict[str, Any] | None = None, request_key: str = "",
                   request_fingerprint: str = "") -> Refund:
    """Refund `amount_cents` (None: everything still refundable) of a succeeded payment.
    `request_key`: the API Idempotency-Key; a retry with it after an outage resumes the same refund."""
    refund = _refund_reserve(actor=actor, payment=payment, amount_cents=amount_cents, reason=reason,
                             metadata=metadata or {}, request_key=request_key, fingerprint=request_fingerprint)
    if not refund.attempt_open:
        return refund
    return refund_attempt_run(refund=refund, actor=actor)


def _refund_reserve(*, actor: Actor, payment: Payment, amount_cents: int | None, reason: str,
                    metadata: dict[str, Any], request_key: str, fingerprint: str) -> Refund:
    with transaction.atomic(durable=True):
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        # A retry after an outage: the same refund, the same Stripe key.
        existing = row_for_request(Refund.objects.filter(payment=locked), request_key, fingerprint,
                                   details_key="refundId")
        if existing is not None:
            return existing
        _ensure_refundable(locked)
        remaining = locked.amount_cents - locked.refunded_cents
        amount = remaining if amount_cents is None else amount_cents
        if amount <= 0 or amount > remaining:
            raise RefundTooLargeError(
                f"At most {remaining} can still be refunded.", details=[{
                    "field": "amount", "reason": f"Must be at most the refundable amount ({remaining})",
                    "value": amount, "refundableAmount": remaining}])
        Payment.objects.filter(pk=locked.pk).update(refunded_cents=F("refunded_cents") + amount,
                                                    updated_at=timezone.now())
        refund = Refund.objects.create(
            payment=locked, amount_cents=amount, reason=reason, metadata=metadata, request_key=request_key,
            request_fingerprint=fingerprint,
            created_by_id=actor.user_pk, created_by_api_key_id=actor.id if actor.type == Actor.API_KEY else "")
        audit_record(actor=actor, action="refund.requested", target_type="refund", target_id=refund.public_id,
                     organization=locked.organization, changes={
                         "amount": amount, "reason": reason or None, "paymentId": locked.public_id,
                         "refundedBefore": locked.refunded_cents})
    return refund


def _ensure_refundable(payment: Payment) -> None:
    if payment.status != Payment.Status.SUCCEEDED:
        raise PaymentStateError(f"A payment with status {payment.status} cannot be refunded.", details=[
            {"field": "paymentId", "reason": f"Only a succeeded payment can be refunded (status: {payment.status})",
             "value": payment.public_id}])


def refund_attempt_run(*, refund: Refund, actor: Actor) -> Refund:
    """Ask Stripe for the reserved refund (or ask again, same key) and store the answer."""
    payment = refund.payment
    try:
        stripe_refund = gateway.refund_create(
            idempotency_key=f"refund-create:{refund.public_id}", payment_intent_id=payment.stripe_payment_intent_id,
            amount_cents=refund.amount_cents, reason=refund.reason or None, metadata={
                **{str(k): str(v) for k, v in refund.metadata.items()}, "refundId": refund.public_id,
                "paymentId": payment.public_id}).to_dict()
    except gateway.StripeUnavailable as exc:
        raise PaymentStripeUnavailableError(details={
            "stripeErrorCode": exc.stripe_code, "stripeMessage": exc.message, "stripeType": _stripe_type(exc),
            "refundId": refund.public_id, "paymentId": payment.public_id}) from exc
    except gateway.GatewayError as exc:  # refused: nothing was refunded, the reservation goes back
        refund_status_advance(refund=refund, stripe_refund=None, actor=actor, failure=exc.message)
        raise StripeError(exc.message, details={
            "stripeErrorCode": exc.stripe_code, "stripeMessage": exc.message, "stripeType": _stripe_type(exc),
            "refundId": refund.public_id, "paymentId": payment.public_id}) from exc
    stored, _ = refund_status_advance(refund=refund, stripe_refund=stripe_refund, actor=actor)
    return stored


def _stripe_type(exc: gateway.GatewayError) -> str | None:
    """The SDK's error class name the gateway recorded (APIConnectionError, APIError, ...)."""
    return exc.details.get("stripeType") if isinstance(exc.details, dict) else None
