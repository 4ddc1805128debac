"""What Stripe says about a debit, applied once (issue 9 item 4).

The submission's answer, the webhooks and the returns sweep all end here. Statuses only move
forward (scheduled -> processing -> succeeded | failed | canceled) with a guarded update; the one
move back is a late return, succeeded -> failed, which goes through `ach_return_record` and
reverses the settlement entry. Stripe is read before any transaction (no call while a lock is held)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ach import clock, return_codes
from ach.models import AchPayment, AchReturn
from ach.services.rules import statuses_before
from audit.services import audit_record
from customers.models import PaymentMethod
from customers.services import payment_method_disable
from ledger.models import EntryKind, JournalEntry
from ledger.services import ach_return_post, ach_settlement_post
from oracle_ledger import gateway
from oracle_ledger.actors import Actor

Status = AchPayment.Status


def _charge_id(intent: dict[str, Any]) -> str:
    charge = intent.get("latest_charge") or (intent.get("last_payment_error") or {}).get("charge") or ""
    return charge["id"] if isinstance(charge, dict) else charge


def ach_intent_apply(*, payment: AchPayment, intent: dict[str, Any], actor: Actor, source: str) -> AchPayment:
    """Bring the payment to the intent's state. Reads the charge from Stripe when it settled or
    failed: call outside any transaction."""
    status, error = intent["status"], intent.get("last_payment_error") or {}
    charge_id = _charge_id(intent)
    if status == "requires_payment_method" and error:
        ach_return_record(payment=payment, charge_id=charge_id, failure_code=error.get("code") or "",
                          message=error.get("message") or "", actor=actor, source=source)
    elif status == "succeeded":
        charge = gateway.charge_retrieve(charge_id, expand=["balance_transaction"]).to_dict()
        txn = charge.get("balance_transaction") or {}
        _advance(payment, Status.SUCCEEDED, actor, intent=intent, charge_id=charge_id,
                 fee_cents=txn.get("fee") if isinstance(txn, dict) else None)
    elif status == "canceled":
        _advance(payment, Status.CANCELED, actor, intent=intent, charge_id=charge_id)
    else:  # processing (or a state Stripe holds it in before it is sent)
        _advance(payment, Status.PROCESSING, actor, intent=intent, charge_id=charge_id)
    return AchPayment.objects.select_related("customer", "payment_method", "organization").get(pk=payment.pk)


def _advance(payment: AchPayment, status: str, actor: Actor, *, intent: dict[str, Any], charge_id: str,
             fee_cents: int | None = None) -> bool:
    now = clock.now()
    changes: dict[str, Any] = {"status": status, "updated_at": now, "stripe_payment_intent_id": intent["id"],
                               "submit_started_at": None}
    if charge_id:
        changes["stripe_charge_id"] = charge_id
    if status == Status.SUCCEEDED:
        changes.update(settled_at=now, fee_cents=fee_cents)
    with transaction.atomic():
        before = AchPayment.objects.select_for_update().values_list("status", "submitted_at").get(pk=payment.pk)
        if before[1] is None:
            changes["submitted_at"] = now
        moved = AchPayment.objects.filter(pk=payment.pk, status__in=statuses_before(status)).update(**changes)
        if not moved:
            return False
        stored = AchPayment.objects.select_related("organization").get(pk=payment.pk)
        if status == Status.SUCCEEDED:
            ach_settlement_post(organization=stored.organization, source_type="ach_payment",
                                source_id=stored.public_id, amount_cents=stored.amount_cents,
                                fee_cents=stored.fee_cents or 0, currency=stored.currency,
                                stripe_reference=stored.stripe_charge_id, date=clock.today(), actor=actor,
                                description=f"ACH debit {stored.public_id} settled ({stored.class_code})")
        audit_record(actor=actor, action=f"ach_payment.{status}", target_type="ach_payment",
                     target_id=stored.public_id, organization=stored.organization,
                     changes={"status": {"from": before[0], "to": status}},
                     metadata={"stripePaymentIntentId": stored.stripe_payment_intent_id,
                               "feeCents": stored.fee_cents})
    return True


def ach_return_record(*, payment: AchPayment, charge_id: str, failure_code: str, message: str, actor: Actor,
                      source: str) -> tuple[AchReturn, bool]:
    """Record the return of `charge_id` and apply its rule, once: the payment row is locked and
    (payment, charge) is unique, so a second report (another worker, the sweep, a redelivery) finds
    the first one's return and changes nothing. Returns (the return, whether this call made it)."""
    code = return_codes.from_stripe(failure_code, message)
    with transaction.atomic():
        current = AchPayment.objects.select_for_update().select_related("organization", "payment_method").get(
            pk=payment.pk)
        existing = AchReturn.objects.filter(ach_payment=current, stripe_charge_id=charge_id).first()
        if existing is not None:
            return existing, False
        late = current.status == Status.SUCCEEDED
        now = clock.now()
        ret = AchReturn.objects.create(
            ach_payment=current, stripe_charge_id=charge_id, stripe_failure_code=failure_code,
            return_code=code.code, return_reason=code.reason, category=code.category, returned_at=now,
            adjusted_amount_cents=current.amount_cents, late=late, processed_at=now, source=source,
            rule_applied=_rule_apply(current, code, actor), notes=message[:1000])
        AchPayment.objects.filter(pk=current.pk).update(
            status=Status.FAILED, return_code=code.code, return_reason=code.reason, failure_code=failure_code[:64],
            failure_message=message[:500], stripe_charge_id=charge_id or current.stripe_charge_id,
            submitted_at=current.submitted_at or now, submit_started_at=None, updated_at=now)
        if late:
            _reverse_settlement(current, ret, actor)
        audit_record(actor=actor, action="ach_payment.returned", target_type="ach_payment",
                     target_id=current.public_id, organization=current.organization,
                     changes={"status": {"from": current.status, "to": Status.FAILED}, "returnCode": code.code},
                     metadata={"returnId": ret.public_id, "returnReason": code.reason, "late": late,
                               "ruleApplied": ret.rule_applied, "stripeFailureCode": failure_code, "source": source})
    return ret, True


def _rule_apply(payment: AchPayment, code: return_codes.ReturnCode, actor: Actor) -> str:
    """DESIGN §8: R02/R03/R04 disable the bank account; unauthorized codes also flag the customer."""
    pm: PaymentMethod = payment.payment_method
    reason = f"ACH return {code.code} ({code.reason}) on {payment.public_id}"
    if code.code in return_codes.UNAUTHORIZED_CODES:
        payment_method_disable(actor=actor, pm=pm, reason=reason[:255], compliance_review=True)
        return AchReturn.Rule.COMPLIANCE_REVIEW
    if code.code in return_codes.DISABLING:
        payment_method_disable(actor=actor, pm=pm, reason=reason[:255])
        return AchReturn.Rule.ACCOUNT_DISABLED
    if code.code in return_codes.REPRESENTABLE and payment.presentment <= return_codes.MAX_REPRESENTMENTS:
        return AchReturn.Rule.REPRESENTABLE
    return AchReturn.Rule.NONE


def _reverse_settlement(payment: AchPayment, ret: AchReturn, actor: Actor) -> None:
    settlement = JournalEntry.objects.filter(organization=payment.organization, source_type="ach_payment",
                                             source_id=payment.public_id, kind=EntryKind.ACH_SETTLEMENT).first()
    if settlement is None:
        return
    ach_return_post(organization=payment.organization, source_type="ach_payment", source_id=payment.public_id,
                    amount_cents=payment.amount_cents, currency=payment.currency,
                    stripe_reference=ret.stripe_charge_id, settlement=settlement, date=clock.today(), actor=actor,
                    description=f"ACH return {ret.return_code} of {payment.public_id} ({ret.public_id})")
