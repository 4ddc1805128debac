"""Creating an ACH debit and re-presenting a returned one (issue 9, DESIGN §8).

The row is committed first (`scheduled`); a debit whose banking day is today is then submitted to
Stripe at once (submission.py), a later one by the daily task on its date, never before."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from ach import clock, return_codes
from ach.exceptions import AchInsufficientFundsError, AchNotRepresentableError
from ach.models import AchPayment
from ach.services import rules
from ach.services.submission import ach_payment_submit
from audit.services import audit_record
from customers.models import Customer, PaymentMethod
from customers.services import customer_ensure_chargeable
from oracle_ledger.actors import Actor
from oracle_ledger.request_keys import row_for_request


@dataclass
class AchDebitRequest:
    amount_cents: int
    class_code: str
    currency: str = "usd"
    scheduled_date: dt.date | None = None
    description: str = ""
    statement_descriptor: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


def ach_payment_create(*, actor: Actor, customer: Customer, payment_method: PaymentMethod, debit: AchDebitRequest,
                       request_key: str = "", request_fingerprint: str = "") -> AchPayment:
    """Check the rules, store the debit, and submit it when its banking day is today. A same-key
    retry (`request_key`) resumes the row its first try left."""
    existing = _existing_for_request(customer.organization, request_key, request_fingerprint)
    if existing is not None:
        return _submit_if_due(existing, actor)
    customer_ensure_chargeable(customer=customer)
    today = clock.today()
    requested = debit.scheduled_date or today
    rules.ensure_debitable(payment_method=payment_method, class_code=debit.class_code, currency=debit.currency,
                           requested=requested, today=today)
    payment = _insert(actor=actor, customer=customer, payment_method=payment_method, debit=debit,
                      requested=requested, extra={"request_key": request_key,
                                                  "request_fingerprint": request_fingerprint})
    return _submit_if_due(payment, actor)


def _existing_for_request(organization, request_key: str, fingerprint: str) -> AchPayment | None:
    return row_for_request(AchPayment.objects.filter(organization=organization), request_key, fingerprint,
                           details_key="achPaymentId")


def _submit_if_due(payment: AchPayment, actor: Actor) -> AchPayment:
    if payment.status == AchPayment.Status.SCHEDULED and payment.scheduled_date <= clock.today():
        return ach_payment_submit(payment=payment, actor=actor)
    return payment


def _insert(*, actor: Actor, customer: Customer, payment_method: PaymentMethod, debit: AchDebitRequest,
            requested: dt.date, extra: dict[str, Any]) -> AchPayment:
    scheduled, settlement = rules.scheduled_for(requested)
    now = clock.now()
    payment = AchPayment(
        organization=customer.organization, customer=customer, payment_method=payment_method,
        amount_cents=debit.amount_cents, currency=debit.currency, class_code=debit.class_code,
        description=debit.description, statement_descriptor=debit.statement_descriptor, metadata=debit.metadata,
        requested_date=requested, scheduled_date=scheduled, estimated_settlement_date=settlement,
        created_by_id=actor.user_pk, created_by_api_key_id=actor.id if actor.type == Actor.API_KEY else "",
        created_at=now, updated_at=now, **extra)
    try:
        # Durable: committed before Stripe hears of it, so a crash leaves a scheduled row that the
        # daily task submits with the same idempotency key instead of a debit nobody knows about.
        with transaction.atomic(durable=True):
            payment.save(force_insert=True)
            audit_record(actor=actor, action="ach_payment.created", target_type="ach_payment",
                         target_id=payment.public_id, organization=payment.organization, changes={
                             "amount": payment.amount_cents, "currency": payment.currency,
                             "classCode": payment.class_code, "customer": customer.public_id,
                             "paymentMethod": payment_method.public_id, "scheduledDate": scheduled.isoformat(),
                             "presentment": payment.presentment,
                             "represents": payment.represents.public_id if payment.represents_id else None})
    except IntegrityError:
        existing = _existing_for_request(customer.organization, extra.get("request_key", ""),
                                         extra.get("request_fingerprint", ""))
        if existing is None:
            raise
        return existing
    return payment


def ach_payment_retry(*, actor: Actor, payment: AchPayment, scheduled_date: dt.date | None = None) -> AchPayment:
    """Re-present a debit returned R01/R09: at most twice, within 180 days of the first
    presentment (NACHA). The new presentment is a new debit on the same account and mandate.
    Two concurrent retries of one debit make one re-presentment: `represents` is unique."""
    current = AchPayment.objects.select_related("payment_method", "customer", "original_payment").get(pk=payment.pk)
    today = clock.today()
    _ensure_representable(current, today)
    customer_ensure_chargeable(customer=current.customer)
    requested = scheduled_date or today
    rules.ensure_debitable(payment_method=current.payment_method, class_code=current.class_code,
                           currency=current.currency, requested=requested, today=today)
    debit = AchDebitRequest(amount_cents=current.amount_cents, class_code=current.class_code,
                            description=current.description, statement_descriptor=current.statement_descriptor,
                            metadata=current.metadata)
    try:
        new = _insert(actor=actor, customer=current.customer, payment_method=current.payment_method, debit=debit,
                      requested=requested, extra={"presentment": current.presentment + 1,
                                                  "original_payment": current.chain_origin, "represents": current})
    except IntegrityError:
        raise _already_represented(AchPayment.objects.get(represents=current)) from None
    return _submit_if_due(new, actor)


def _ensure_representable(payment: AchPayment, today: dt.date) -> None:
    if payment.status != AchPayment.Status.FAILED or payment.return_code not in return_codes.REPRESENTABLE:
        raise AchNotRepresentableError(details=[{
            "field": "id", "value": payment.public_id,
            "reason": "Only a debit returned R01 or R09 may be re-presented; this one is "
                      f"{payment.status}{' with ' + payment.return_code if payment.return_code else ''}"}])
    later = AchPayment.objects.filter(represents=payment).first()
    if later is not None:
        raise _already_represented(later)
    origin = payment.chain_origin
    window_end = origin.scheduled_date + dt.timedelta(days=return_codes.REPRESENTMENT_WINDOW_DAYS)
    if payment.presentment > return_codes.MAX_REPRESENTMENTS or today > window_end:
        limit = (f"it was re-presented {payment.presentment - 1} times already"
                 if payment.presentment > return_codes.MAX_REPRESENTMENTS else
                 f"the 180-day window closed on {window_end.isoformat()}")
        raise AchInsufficientFundsError(
            f"ACH payment failed due to insufficient funds and cannot be re-presented: {limit}.",
            details={"returnCode": payment.return_code, "returnReason": payment.return_reason,
                     "originalPaymentId": origin.public_id})


def _already_represented(later: AchPayment) -> AchNotRepresentableError:
    return AchNotRepresentableError(details=[{"field": "id", "value": later.represents.public_id,
                                              "reason": f"Already re-presented as {later.public_id}"}])
