"""Charging a card: create (and by default confirm), confirm, cancel (issue 7, STYLE §3).

Each write is two short transactions around one Stripe call (DESIGN §6): the attempt is committed
first (`attempt`, `attempt_started_at`), Stripe is called with a key derived from the row
(`payment-create:pi_…`, `payment-confirm:pi_…`, `payment-cancel:pi_…`), then the outcome, the ledger
entry and the audit entry are stored together by `payment_status_advance`. A Stripe outage leaves
the attempt open; a retry with the same Idempotency-Key, or the sweeper, repeats the same call
with the same key, so Stripe does it at most once."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from customers.models import Customer, PaymentMethod
from oracle_ledger import gateway
from oracle_ledger.actors import Actor
from oracle_ledger.errors import StripeError, ValidationFailedError
from oracle_ledger.request_keys import row_for_request
from payments.exceptions import (
    PaymentBusyError,
    PaymentDeclinedError,
    PaymentStateError,
    PaymentStripeUnavailableError,
)
from payments.models import Payment
from payments.services.status import declined_outcome, outcome_from_intent, payment_status_advance

CANCELABLE = (Payment.Status.REQUIRES_CONFIRMATION, Payment.Status.REQUIRES_PAYMENT_METHOD,
              Payment.Status.REQUIRES_ACTION)
# Stripe's parameter -> our request field, for a rejection that names one.
STRIPE_PARAMS = {"amount": "amount", "currency": "currency", "payment_method": "paymentMethodId",
                 "statement_descriptor": "statementDescriptor", "statement_descriptor_suffix": "statementDescriptor",
                 "receipt_email": "receiptEmail", "description": "description", "customer": "customerId"}


def payment_create(*, actor: Actor, customer: Customer, payment_method: PaymentMethod, amount_cents: int,
                   currency: str, description: str = "", statement_descriptor: str = "", receipt_email: str = "",
                   metadata: dict[str, Any] | None = None, confirm: bool = True, request_key: str = "",
                   request_fingerprint: str = "") -> Payment:
    """Charge `payment_method` (confirm) or prepare the charge (confirm=False). A decline is stored
    on the payment (status failed, with Stripe's codes), then raised as PaymentDeclinedError (402).
    `request_key`: the API Idempotency-Key; a retry with it resumes the same row."""
    payment = _existing_for_request(customer.organization, request_key, request_fingerprint)
    if payment is None:
        payment = _attempt_insert(actor=actor, customer=customer, payment_method=payment_method, fields={
            "amount_cents": amount_cents, "currency": currency, "description": description,
            "statement_descriptor": statement_descriptor, "receipt_email": receipt_email,
            "metadata": metadata or {}, "confirm_on_create": confirm, "request_key": request_key,
            "request_fingerprint": request_fingerprint})
    if not payment.attempt:  # finished meanwhile (by the sweeper): answer what happened
        return _answered(payment)
    return payment_attempt_run(payment=payment, actor=actor)


def _existing_for_request(organization, request_key: str, fingerprint: str) -> Payment | None:
    return row_for_request(Payment.objects.filter(organization=organization), request_key, fingerprint,
                           details_key="paymentId")


def _attempt_insert(*, actor: Actor, customer: Customer, payment_method: PaymentMethod,
                    fields: dict[str, Any]) -> Payment:
    now = timezone.now()
    payment = Payment(organization=customer.organization, customer=customer, payment_method=payment_method,
                      status=Payment.Status.PENDING, attempt=Payment.Attempt.CREATE, attempt_started_at=now,
                      created_by_id=actor.user_pk, created_by_api_key_id=actor.id if actor.type == Actor.API_KEY else "",
                      created_at=now, updated_at=now, **fields)
    try:
        # Durable: committed before money can move, so a crash after the Stripe call leaves a row
        # the sweeper finishes with the same key instead of a charge nobody knows about.
        with transaction.atomic(durable=True):
            payment.save(force_insert=True)
            audit_record(actor=actor, action="payment.requested", target_type="payment", target_id=payment.public_id,
                         organization=payment.organization, changes={
                             "amount": payment.amount_cents, "currency": payment.currency,
                             "customer": customer.public_id, "paymentMethod": payment_method.public_id,
                             "confirm": payment.confirm_on_create})
    except IntegrityError:  # the same Idempotency-Key won a race with us: resume its row
        existing = _existing_for_request(customer.organization, fields["request_key"], fields["request_fingerprint"])
        if existing is None:
            raise
        return existing
    return payment


def payment_confirm(*, actor: Actor, payment: Payment) -> Payment:
    """Confirm a payment created with `confirm: false`."""
    return _begin(actor=actor, payment=payment, attempt=Payment.Attempt.CONFIRM,
                  allowed=(Payment.Status.REQUIRES_CONFIRMATION,))


def payment_cancel(*, actor: Actor, payment: Payment) -> Payment:
    """Cancel a payment that has not been confirmed (Stripe's cancelable statuses)."""
    return _begin(actor=actor, payment=payment, attempt=Payment.Attempt.CANCEL, allowed=CANCELABLE)


def _begin(*, actor: Actor, payment: Payment, attempt: str, allowed: tuple[str, ...]) -> Payment:
    with transaction.atomic(durable=True):
        current = Payment.objects.select_for_update().get(pk=payment.pk)
        if current.attempt == attempt:
            pass  # an earlier request's attempt that never got its answer: repeat it, same key
        elif current.attempt:
            raise PaymentBusyError(details={"paymentId": current.public_id, "inFlight": current.attempt})
        elif current.status not in allowed:
            raise PaymentStateError(f"A payment with status {current.status} cannot be {attempt}ed.", details=[
                {"field": "status", "reason": f"Must be one of {', '.join(allowed)} to {attempt}",
                 "value": current.status}])
        else:
            current.attempt, current.attempt_started_at = attempt, timezone.now()
            current.save(update_fields=["attempt", "attempt_started_at"])
            audit_record(actor=actor, action=f"payment.{attempt}_requested", target_type="payment",
                         target_id=current.public_id, organization=current.organization)
    return payment_attempt_run(payment=current, actor=actor)


def payment_attempt_run(*, payment: Payment, actor: Actor) -> Payment:
    """Make (or repeat, with the same key) the Stripe call of the payment's open attempt and store
    its outcome. Used by the API and by the sweeper."""
    attempt = payment.attempt
    try:
        intent = _stripe_call(payment, attempt).to_dict()
        outcome = outcome_from_intent(intent)
    except gateway.CardDeclined as exc:
        stored, _ = payment_status_advance(payment=payment, outcome=declined_outcome(exc), actor=actor, attempt=attempt)
        raise _declined(stored) from exc
    except gateway.StripeUnavailable as exc:
        raise PaymentStripeUnavailableError(details={
            "stripeErrorCode": exc.stripe_code, "stripeMessage": exc.message, "stripeType": _stripe_type(exc),
            "paymentId": payment.public_id}) from exc
    except gateway.StripeRejected as exc:
        raise _rejected(payment, attempt, exc, actor) from exc
    stored, _ = payment_status_advance(payment=payment, outcome=outcome, actor=actor, attempt=attempt)
    return _answered(stored)


def _stripe_call(payment: Payment, attempt: str):
    key = f"payment-{attempt}:{payment.public_id}"
    if attempt == Payment.Attempt.CONFIRM:
        return gateway.payment_intent_confirm(payment.stripe_payment_intent_id, idempotency_key=key)
    if attempt == Payment.Attempt.CANCEL:
        return gateway.payment_intent_cancel(payment.stripe_payment_intent_id, idempotency_key=key)
    return gateway.payment_intent_create(
        amount_cents=payment.amount_cents, currency=payment.currency, idempotency_key=key,
        customer_id=payment.customer.stripe_customer_id,
        payment_method_id=payment.payment_method.stripe_payment_method_id, confirm=payment.confirm_on_create,
        payment_method_types=["card"], description=payment.description or None,
        # Stripe takes a card payment's descriptor as a suffix to the account's prefix.
        statement_descriptor_suffix=payment.statement_descriptor or None,
        receipt_email=payment.receipt_email or None, metadata=stripe_metadata(payment),
        off_session=True if payment.confirm_on_create else None)


def stripe_metadata(payment: Payment) -> dict[str, str]:
    """Stripe keeps metadata values as strings; `paymentId` lets webhooks find the row even before
    the create call's answer is stored."""
    return {**{str(k): "" if v is None else str(v) for k, v in payment.metadata.items()},
            "paymentId": payment.public_id, "organization": payment.organization.public_id}


def _answered(payment: Payment) -> Payment:
    if payment.status == Payment.Status.FAILED:
        raise _declined(payment)
    return payment


def _declined(payment: Payment) -> PaymentDeclinedError:
    return PaymentDeclinedError(payment.failure_message or "The card was declined.", details={
        "stripeErrorCode": payment.failure_code, "stripeMessage": payment.failure_message,
        "declineCode": payment.decline_code or None, "stripeType": "CardError", "paymentId": payment.public_id})


def _rejected(payment: Payment, attempt: str, exc: gateway.StripeRejected, actor: Actor) -> Exception:
    """Stripe refused the call outright: nothing happened there, so the attempt is closed. A
    refused create leaves a failed payment (kept with Stripe's reason, like a decline)."""
    if attempt == Payment.Attempt.CREATE:
        from payments.services.status import IntentOutcome

        payment_status_advance(payment=payment, actor=actor, attempt=attempt, outcome=IntentOutcome(
            status=Payment.Status.FAILED, fields={"failure_code": exc.stripe_code or "stripe_rejected",
                                                  "failure_message": exc.message[:500]}))
    else:
        Payment.objects.filter(pk=payment.pk, attempt=attempt).update(attempt="", attempt_started_at=None)
    field = STRIPE_PARAMS.get(exc.param or "")
    if field:
        return ValidationFailedError(exc.message, details=[{"field": field, "reason": exc.message, "value": None,
                                                            "paymentId": payment.public_id}])
    return StripeError(exc.message, details={"stripeErrorCode": exc.stripe_code, "stripeMessage": exc.message,
                                             "stripeType": _stripe_type(exc), "paymentId": payment.public_id})


def _stripe_type(exc: gateway.GatewayError) -> str | None:
    """The SDK's error class name the gateway recorded (APIConnectionError, APIError, ...)."""
    return exc.details.get("stripeType") if isinstance(exc.details, dict) else None
