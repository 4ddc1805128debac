"""Sending a debit to Stripe on its banking day (DESIGN §6 and §9).

Two short transactions around one Stripe call: `submit_started_at` is committed first, Stripe is
called with a key derived from the row (`ach-submit:pi_ach_…`), then the answer is stored by
lifecycle.ach_intent_apply. A crash or a Stripe outage leaves the row `scheduled`; the next run of
the daily task repeats the call with the same key, so Stripe debits at most once."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from ach import clock
from ach.models import AchPayment
from ach.services.lifecycle import ach_intent_apply
from audit.services import audit_record
from customers.models import PaymentMethod
from oracle_ledger import gateway
from oracle_ledger.actors import Actor
from oracle_ledger.errors import StripeError, ValidationFailedError

log = logging.getLogger(__name__)
STRIPE_PARAMS = {"amount": "amount", "currency": "currency", "statement_descriptor": "statementDescriptor",
                 "description": "description", "payment_method": "paymentMethodId", "mandate": "paymentMethodId"}


def ach_payment_submit(*, payment: AchPayment, actor: Actor) -> AchPayment:
    """Submit a scheduled debit whose banking day has come; anything else is returned as is."""
    with transaction.atomic(durable=True):
        current = AchPayment.objects.select_for_update().select_related(
            "customer", "payment_method", "organization").get(pk=payment.pk)
        if current.status != AchPayment.Status.SCHEDULED or current.scheduled_date > clock.today():
            return current
        reason = _not_debitable_reason(current)
        if reason and current.submit_started_at is None:  # never sent: it never reaches the bank
            return _cancel(current, reason, actor)
        if not reason:
            current.submit_started_at = clock.now()
            current.save(update_fields=["submit_started_at"])
    if reason:
        # An earlier attempt may have reached Stripe before its answer was lost: canceling locally
        # then would hide a debit the bank is already taking. Ask Stripe first.
        return _settle_interrupted_submission(current, reason, actor)
    try:
        intent = _stripe_create(current).to_dict()
    except gateway.StripeUnavailable as exc:
        # Still scheduled: the daily task submits it again with the same key.
        log.warning("ach %s: Stripe unavailable at submission (%s); will retry", current.public_id, exc)
        return current
    except gateway.StripeRejected as exc:
        raise _rejected(current, exc, actor) from exc
    return ach_intent_apply(payment=current, intent=intent, actor=actor, source="submission")


def _settle_interrupted_submission(payment: AchPayment, reason: str, actor: Actor) -> AchPayment:
    """The debit became non-debitable after a submission whose outcome is unknown: adopt the intent
    Stripe made for it, if any; cancel only when Stripe has none."""
    try:
        intent = _stripe_find(payment)
    except gateway.StripeUnavailable as exc:
        log.warning("ach %s: Stripe unavailable while checking an interrupted submission (%s)", payment.public_id, exc)
        return payment
    if intent is not None:
        return ach_intent_apply(payment=payment, intent=intent, actor=actor, source="submission")
    with transaction.atomic():
        current = AchPayment.objects.select_for_update().get(pk=payment.pk)
        if current.status != AchPayment.Status.SCHEDULED:
            return current
        return _cancel(current, reason, actor)


def _stripe_find(payment: AchPayment) -> dict | None:
    """The PaymentIntent our submission created for this debit (tagged `achPaymentId`), if any."""
    starting_after = None
    while True:
        page = gateway.payment_intent_list(customer_id=payment.customer.stripe_customer_id, limit=100,
                                           starting_after=starting_after).to_dict()
        for intent in page["data"]:
            if (intent.get("metadata") or {}).get("achPaymentId") == payment.public_id:
                return intent
        if not page.get("has_more") or not page["data"]:
            return None
        starting_after = page["data"][-1]["id"]


def _not_debitable_reason(payment: AchPayment) -> str:
    """DESIGN §8: a deleted customer can no longer be debited; a bank account disabled by a return
    (or detached) is not debited either."""
    if not payment.customer.active:
        return "The customer was deleted before the debit's date."
    if payment.payment_method.status != PaymentMethod.Status.ACTIVE:
        return f"The bank account is {payment.payment_method.status}: {payment.payment_method.disabled_reason}"[:500]
    return ""


def _cancel(payment: AchPayment, reason: str, actor: Actor) -> AchPayment:
    """Inside the caller's transaction, the row locked."""
    payment.status, payment.failure_message, payment.updated_at = AchPayment.Status.CANCELED, reason, clock.now()
    payment.save(update_fields=["status", "failure_message", "updated_at"])
    audit_record(actor=actor, action="ach_payment.canceled", target_type="ach_payment", target_id=payment.public_id,
                 organization=payment.organization, changes={"status": {"from": "scheduled", "to": "canceled"}},
                 metadata={"reason": reason})
    return payment


def _stripe_create(payment: AchPayment):
    pm = payment.payment_method
    metadata = {**{str(k): "" if v is None else str(v) for k, v in payment.metadata.items()},
                "achPaymentId": payment.public_id, "organization": payment.organization.public_id,
                "achClassCode": payment.class_code, "presentment": str(payment.presentment)}
    return gateway.payment_intent_create(
        amount_cents=payment.amount_cents, currency=payment.currency, idempotency_key=f"ach-submit:{payment.public_id}",
        customer_id=payment.customer.stripe_customer_id, payment_method_id=pm.stripe_payment_method_id,
        confirm=True, payment_method_types=["us_bank_account"], mandate_id=pm.stripe_mandate_id or None,
        description=payment.description or None, statement_descriptor=payment.statement_descriptor or None,
        metadata=metadata)


def _rejected(payment: AchPayment, exc: gateway.StripeRejected, actor: Actor) -> Exception:
    """Stripe refused the debit outright: nothing moved, the payment is failed with Stripe's reason."""
    with transaction.atomic():
        moved = AchPayment.objects.filter(pk=payment.pk, status=AchPayment.Status.SCHEDULED).update(
            status=AchPayment.Status.FAILED, failure_code=(exc.stripe_code or "stripe_rejected")[:64],
            failure_message=exc.message[:500], submit_started_at=None, updated_at=clock.now())
        if moved:
            audit_record(actor=actor, action="ach_payment.rejected", target_type="ach_payment",
                         target_id=payment.public_id, organization=payment.organization, outcome="failure",
                         changes={"status": {"from": "scheduled", "to": "failed"}},
                         metadata={"stripeErrorCode": exc.stripe_code, "stripeMessage": exc.message})
    field = STRIPE_PARAMS.get(exc.param or "")
    if field:
        return ValidationFailedError(exc.message, details=[{"field": field, "reason": exc.message, "value": None,
                                                            "achPaymentId": payment.public_id}])
    return StripeError(exc.message, details={"stripeErrorCode": exc.stripe_code, "stripeMessage": exc.message,
                                             "stripeType": "InvalidRequestError", "achPaymentId": payment.public_id})


def ach_due_submit(day: dt.date | None = None) -> dict[str, int]:
    """Submit every scheduled debit due on or before `day` (default today, never later than
    today): the beat task and the sandbox clock's daily hook. Returns counts by resulting status."""
    day = min(day or clock.today(), clock.today())
    counts: dict[str, int] = {}
    due = AchPayment.objects.filter(status=AchPayment.Status.SCHEDULED, scheduled_date__lte=day).order_by("pk")
    for payment in due.iterator():
        actor = Actor.system(organization=payment.organization, name="ach-scheduler")
        try:
            result = ach_payment_submit(payment=payment, actor=actor).status
        except (StripeError, ValidationFailedError) as exc:  # recorded on the row and audited
            log.warning("ach %s: submission refused: %s", payment.public_id, exc)
            result = AchPayment.Status.FAILED
        counts[result] = counts.get(result, 0) + 1
    return counts


def sandbox_daily_hook(day: dt.date) -> None:
    """settings.SANDBOX_DAILY_HOOKS: `stripe_sandbox advance` reaching `day` submits its debits."""
    ach_due_submit(day)
