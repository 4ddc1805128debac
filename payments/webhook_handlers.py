"""Stripe events about card payments, refunds and disputes (issue 7), routed by the webhooks
registry into the same services the API uses.

Every payment_intent.* and charge.* event ends in `payment_status_advance`, which moves a status
only forward: the handler re-reads the intent from Stripe (events arrive late and out of order),
so an old event carries the current state and changes nothing. A payment is found by the
`paymentId` our create call put in the intent's metadata (the event can arrive before the create
call's answer is stored), else by the intent id. Objects that are not ours are recorded as
ignored. The handlers call Stripe, so they run their own short transactions (atomic=False).
PaymentIntents and charges of ACH debits raise the same types: those handlers are `shared=True`
and raise EventIgnored for intents that are not card payments of ours, so the ACH app's run too."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from oracle_ledger import gateway
from oracle_ledger.actors import Actor
from payments.models import Payment, Refund
from payments.services import outcome_from_intent, payment_status_advance, refund_status_advance
from webhooks.exceptions import EventIgnored
from webhooks.registry import handles


def _payment_for_intent(intent_id: str | None, metadata: dict[str, Any] | None = None) -> Payment:
    ours = (metadata or {}).get("paymentId")
    qs = Payment.objects.select_related("organization", "customer", "payment_method")
    payment = qs.filter(public_id=ours).first() if ours else None
    if payment is None and intent_id:
        payment = qs.filter(stripe_payment_intent_id=intent_id).first()
    if payment is None:
        raise EventIgnored(f"PaymentIntent {intent_id} is not one of our payments.")
    return payment


def _sync(intent_id: str, metadata: dict[str, Any] | None):
    payment = _payment_for_intent(intent_id, metadata)  # EventIgnored: maybe another app's (ACH)
    current = gateway.payment_intent_retrieve(intent_id).to_dict()
    payment_status_advance(payment=payment, outcome=outcome_from_intent(current),
                           actor=Actor.stripe(organization=payment.organization))
    return payment.organization


@handles("payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.processing",
         "payment_intent.canceled", atomic=False, shared=True)
def payment_intent_changed(*, event, obj: dict[str, Any]):
    return _sync(obj["id"], obj.get("metadata"))


@handles("charge.succeeded", "charge.failed", atomic=False, shared=True)
def charge_changed(*, event, obj: dict[str, Any]):
    if not obj.get("payment_intent"):
        raise EventIgnored(f"Charge {obj['id']} has no PaymentIntent.")
    return _sync(obj["payment_intent"], obj.get("metadata"))


@handles("refund.created", "refund.updated", "refund.failed", atomic=False)
def refund_changed(*, event, obj: dict[str, Any]):
    """A refund that succeeded can fail later (closed card): Stripe then sends `refund.updated`,
    and `refund.failed` on newer API versions; the re-read status carries it into the service."""
    refund = _refund_for(obj)
    current = gateway.refund_retrieve(obj["id"]).to_dict()
    refund_status_advance(refund=refund, stripe_refund=current,
                          actor=Actor.stripe(organization=refund.payment.organization))
    return refund.payment.organization


@handles("charge.refunded", atomic=False)
def charge_refunded(*, event, obj: dict[str, Any]):
    """Each refund of the charge that we know of is brought to Stripe's state; refunds made
    elsewhere (Stripe's dashboard) are not mirrored (issue 7 keeps refunds to our API)."""
    payment = _payment_for_intent(obj.get("payment_intent"), obj.get("metadata"))
    for item in (obj.get("refunds") or {}).get("data") or []:
        refund = Refund.objects.filter(stripe_refund_id=item["id"]).select_related("payment").first() or \
            Refund.objects.filter(public_id=(item.get("metadata") or {}).get("refundId") or "-").first()
        if refund is not None:
            refund_status_advance(refund=refund, stripe_refund=gateway.refund_retrieve(item["id"]).to_dict(),
                                  actor=Actor.stripe(organization=payment.organization))
    return payment.organization


def _refund_for(obj: dict[str, Any]) -> Refund:
    qs = Refund.objects.select_related("payment__organization")
    refund = qs.filter(stripe_refund_id=obj["id"]).first()
    ours = (obj.get("metadata") or {}).get("refundId")
    if refund is None and ours:
        refund = qs.filter(public_id=ours).first()
    if refund is None:
        raise EventIgnored(f"Refund {obj['id']} was not made through our API.")
    return refund


@handles("charge.dispute.created", atomic=False)
def dispute_created(*, event, obj: dict[str, Any]):
    """Recorded on the payment for finance staff (a disputes feature is out of issue 7's scope)."""
    payment = _payment_for_intent(obj.get("payment_intent"), None) if obj.get("payment_intent") else \
        Payment.objects.filter(stripe_charge_id=obj.get("charge") or "-").select_related("organization").first()
    if payment is None:
        raise EventIgnored(f"Dispute {obj['id']} is about a charge that is not ours.")
    payment_dispute_record(payment=payment, dispute=obj)
    return payment.organization


def payment_dispute_record(*, payment: Payment, dispute: dict[str, Any]) -> None:
    with transaction.atomic():
        rows = Payment.objects.filter(pk=payment.pk).exclude(stripe_dispute_id=dispute["id"]).update(
            stripe_dispute_id=dispute["id"], dispute_status=dispute.get("status") or "",
            dispute_reason=dispute.get("reason") or "", dispute_amount_cents=dispute.get("amount"),
            updated_at=timezone.now())
        if rows:  # a redelivery of the same dispute changes nothing and is not audited again
            audit_record(actor=Actor.stripe(organization=payment.organization), action="payment.disputed",
                         target_type="payment", target_id=payment.public_id, organization=payment.organization,
                         changes={"dispute": {"id": dispute["id"], "status": dispute.get("status"),
                                              "reason": dispute.get("reason"), "amount": dispute.get("amount")}})
