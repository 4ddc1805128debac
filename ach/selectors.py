"""Reads shared by the API and the admin, scoped to the caller (DESIGN §5): another
organisation's debit, customer or bank account is simply absent (404)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.dateparse import parse_date

from ach.models import AchPayment, AchReturn
from customers.models import Customer, PaymentMethod
from oracle_ledger.actors import Actor
from oracle_ledger.api.permissions import Capability, org_scoped
from oracle_ledger.errors import InvalidRequestError, ResourceNotFoundError, ValidationFailedError

LIST_STATUSES = AchPayment.Status.values


def _visible(actor: Actor, capability: Capability = Capability.PAYMENTS_READ) -> QuerySet[AchPayment]:
    # `user`: only the debits it created (its own customers' debits, since it can debit no others).
    return org_scoped(AchPayment.objects.all(), actor, capability, owner_field="created_by")


def ach_payment_get(*, actor: Actor, public_id: str, capability: Capability = Capability.PAYMENTS_READ) -> AchPayment:
    payment = (_visible(actor, capability).select_related("customer", "payment_method", "organization")
               .filter(public_id=public_id).first())
    if payment is None:
        raise ResourceNotFoundError("ACH payment not found.", details=[{"field": "paymentId", "value": public_id}])
    return payment


def ach_payment_list(*, actor: Actor, params: Mapping[str, Any]) -> QuerySet[AchPayment]:
    """The guide's filters: `customer`, `status`, `scheduledDate` (YYYY-MM-DD). Newest first."""
    qs = _visible(actor).select_related("customer", "payment_method")
    if params.get("customer"):
        qs = qs.filter(customer__public_id=params["customer"])
    status = params.get("status")
    if status:
        if status not in LIST_STATUSES:
            raise _bad_param("status", status, f"Must be one of {', '.join(LIST_STATUSES)}")
        qs = qs.filter(status=status)
    raw_date = params.get("scheduledDate")
    if raw_date:
        try:
            day = parse_date(raw_date)
        except ValueError:
            day = None
        if day is None:
            raise _bad_param("scheduledDate", raw_date, "Must be a date (YYYY-MM-DD)")
        qs = qs.filter(scheduled_date=day)
    return qs.order_by("-created_at", "-id")


def ach_return_list(*, payment: AchPayment) -> QuerySet[AchReturn]:
    return payment.returns.select_related("ach_payment").order_by("returned_at", "id")


def debitable_customer(*, actor: Actor, public_id: str) -> Customer:
    """The customer named by `customerId`, if the actor may debit it (`user`: its own)."""
    qs = org_scoped(Customer.objects.filter(sync_state=Customer.SyncState.SYNCED), actor,
                    Capability.PAYMENTS_CREATE, owner_field="created_by")
    customer = qs.select_related("organization").filter(public_id=public_id).first()
    if customer is None:
        raise ResourceNotFoundError("Customer not found.", details=[{"field": "customerId", "value": public_id}])
    return customer


def debitable_payment_method(*, customer: Customer, public_id: str) -> PaymentMethod:
    """The customer's payment method `public_id` (any type and status: the service says why it
    cannot be debited). Another organisation's is 404 (DESIGN §9)."""
    pm = (PaymentMethod.objects.filter(public_id=public_id, customer__organization_id=customer.organization_id)
          .exclude(status=PaymentMethod.Status.DETACHED).first())
    if pm is None:
        raise ResourceNotFoundError("Payment method not found.",
                                    details=[{"field": "paymentMethodId", "value": public_id}])
    if pm.customer_id != customer.pk:
        raise ValidationFailedError(details=[{"field": "paymentMethodId", "reason": "Belongs to another customer",
                                              "value": public_id}])
    return pm


def compliance_review_queue() -> QuerySet[Customer]:
    return Customer.objects.filter(compliance_review_required=True).select_related("organization")


def _bad_param(name: str, value: Any, reason: str) -> InvalidRequestError:
    return InvalidRequestError(f"Invalid `{name}`.", details=[{"field": name, "reason": reason, "value": value}])
