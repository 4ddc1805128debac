"""Stripe events about ACH debits (issue 9), beside the card payments' handlers for the same
types (`shared=True`: each app ignores intents that are not its own; webhooks/registry.py).

A debit is found by the `achPaymentId` our submission put in the intent's metadata (the event can
arrive before the submission's answer is stored), else by the intent id. The intent is re-read
from Stripe, so a late or out-of-order event carries the current state. A `charge.failed` on a
charge whose debit had settled is a late return (Stripe: the charge fails after
`payment_intent.succeeded` and gets a `failure_balance_transaction` taking the money back)."""

from __future__ import annotations

from typing import Any

from ach.models import AchPayment
from ach.services import ach_intent_apply, ach_return_record
from oracle_ledger import gateway
from oracle_ledger.actors import Actor
from webhooks.exceptions import EventIgnored
from webhooks.registry import handles


def _ours(intent_id: str | None, metadata: dict[str, Any] | None) -> AchPayment:
    qs = AchPayment.objects.select_related("organization", "payment_method")
    ours = (metadata or {}).get("achPaymentId")
    payment = qs.filter(public_id=ours).first() if ours else None
    if payment is None and intent_id:
        payment = qs.filter(stripe_payment_intent_id=intent_id).first()
    if payment is None:
        raise EventIgnored(f"PaymentIntent {intent_id} is not one of our ACH debits.")
    return payment


@handles("payment_intent.processing", "payment_intent.succeeded", "payment_intent.payment_failed",
         "payment_intent.canceled", atomic=False, shared=True)
def ach_intent_changed(*, event, obj: dict[str, Any]):
    payment = _ours(obj["id"], obj.get("metadata"))
    intent = gateway.payment_intent_retrieve(obj["id"]).to_dict()
    ach_intent_apply(payment=payment, intent=intent, actor=Actor.stripe(organization=payment.organization),
                     source="webhook")
    return payment.organization


@handles("charge.succeeded", "charge.failed", atomic=False, shared=True)
def ach_charge_changed(*, event, obj: dict[str, Any]):
    if not obj.get("payment_intent"):
        raise EventIgnored(f"Charge {obj['id']} has no PaymentIntent.")
    payment = _ours(obj["payment_intent"], obj.get("metadata"))
    charge = gateway.charge_retrieve(obj["id"]).to_dict()
    actor = Actor.stripe(organization=payment.organization)
    if charge["status"] == "failed":
        ach_return_record(payment=payment, charge_id=charge["id"], failure_code=charge.get("failure_code") or "",
                          message=charge.get("failure_message") or "", actor=actor, source="webhook")
    else:
        intent = gateway.payment_intent_retrieve(obj["payment_intent"]).to_dict()
        ach_intent_apply(payment=payment, intent=intent, actor=actor, source="webhook")
    return payment.organization


@handles("charge.dispute.created", atomic=False, shared=True)
def ach_dispute_created(*, event, obj: dict[str, Any]):
    """An ACH dispute is the customer telling their bank the debit was not authorized (NACHA R10
    family); Stripe withdraws the funds and ACH disputes cannot be contested. We record it as an
    unauthorized return: account disabled, customer flagged, settlement reversed."""
    charge_id = obj.get("charge") if isinstance(obj.get("charge"), str) else (obj.get("charge") or {}).get("id")
    if not charge_id:
        raise EventIgnored(f"Dispute {obj['id']} names no charge.")
    charge = gateway.charge_retrieve(charge_id).to_dict()
    payment = _ours(charge.get("payment_intent"), charge.get("metadata"))
    ach_return_record(payment=payment, charge_id=charge_id, failure_code="debit_not_authorized",
                      message=f"Disputed by the customer ({obj.get('reason') or 'unknown reason'}), dispute {obj['id']}",
                      actor=Actor.stripe(organization=payment.organization), source="webhook")
    return payment.organization
