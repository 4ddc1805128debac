"""Reads shared by the API and the admin, scoped to the caller (DESIGN §5): another
organisation's payment, customer or payment method is simply absent (404)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime

from customers.models import Customer, PaymentMethod
from oracle_ledger.actors import Actor
from oracle_ledger.api.pagination import query_int
from oracle_ledger.api.permissions import Capability, org_scoped
from oracle_ledger.errors import InvalidRequestError, ResourceNotFoundError, ValidationFailedError
from payments.models import Payment

DEFAULT_LIMIT, MAX_LIMIT = 10, 100
_UNIX = re.compile(r"^\d{1,12}$")


def _visible(actor: Actor, capability: Capability = Capability.PAYMENTS_READ) -> QuerySet[Payment]:
    return org_scoped(Payment.objects.all(), actor, capability, owner_field="created_by")


def payment_get(*, actor: Actor, public_id: str, capability: Capability = Capability.PAYMENTS_READ) -> Payment:
    payment = (_visible(actor, capability).select_related("customer", "payment_method", "organization")
               .filter(public_id=public_id).first())
    if payment is None:
        raise ResourceNotFoundError("Payment not found.", details=[{"field": "paymentId", "value": public_id}])
    return payment


def payment_list(*, actor: Actor, params: Mapping[str, Any]) -> dict[str, Any]:
    """The guide's filters (`customer`, `status`, `created[gte]`, `created[lte]`) and cursor
    pagination (`limit` default 10, clamped to 100; `startingAfter` a payment id; `hasMore`),
    newest first. One query for the page (plus one to find the cursor)."""
    qs = _filtered(_visible(actor), params)
    limit = query_int(params, "limit", DEFAULT_LIMIT, maximum=MAX_LIMIT)
    if params.get("startingAfter"):
        qs = qs.filter(_after(_visible(actor), params["startingAfter"]))
    rows = list(qs.select_related("customer").order_by("-created_at", "-id")[:limit + 1])
    return {"payments": rows[:limit], "hasMore": len(rows) > limit}


def _filtered(qs: QuerySet[Payment], params: Mapping[str, Any]) -> QuerySet[Payment]:
    if params.get("customer"):
        qs = qs.filter(customer__public_id=params["customer"])
    status = params.get("status")
    if status:
        if status not in Payment.Status.values:
            raise _bad_param("status", status, f"Must be one of {', '.join(Payment.Status.values)}")
        qs = qs.filter(status=status)
    if params.get("created[gte]"):
        qs = qs.filter(created_at__gte=_moment(params, "created[gte]", end_of_day=False))
    if params.get("created[lte]"):
        qs = qs.filter(created_at__lte=_moment(params, "created[lte]", end_of_day=True))
    return qs


def _after(visible: QuerySet[Payment], public_id: str) -> Q:
    cursor = visible.filter(public_id=public_id).values_list("created_at", "id").first()
    if cursor is None:
        raise _bad_param("startingAfter", public_id, "Must be the id of a payment you can see")
    created_at, pk = cursor
    # The redundant `created_at <= cursor` becomes the index condition that starts the scan at the
    # cursor; the OR alone is only a filter, and a cursor deep in a million rows took 0.5 s.
    return Q(created_at__lte=created_at) & (Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk))


def _moment(params: Mapping[str, Any], name: str, *, end_of_day: bool) -> datetime:
    """A Unix timestamp, an ISO 8601 time, or a date meaning its whole day (UTC); inclusive."""
    raw = str(params[name]).strip()
    if _UNIX.match(raw):
        return datetime.fromtimestamp(int(raw), tz=UTC)
    try:
        day = parse_date(raw)
        moment = None if day else parse_datetime(raw)
    except ValueError:
        day = moment = None
    if moment:
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if day:
        start = datetime.combine(day, time.min, tzinfo=UTC)
        return start + timedelta(days=1, microseconds=-1) if end_of_day else start
    raise _bad_param(name, raw, "Must be a date, an ISO 8601 time or a Unix timestamp")


def _bad_param(name: str, value: Any, reason: str) -> InvalidRequestError:
    return InvalidRequestError(f"Invalid `{name}`.", details=[{"field": name, "reason": reason, "value": value}])


# --- What a new payment charges ------------------------------------------------------------------

def chargeable_customer(*, actor: Actor, public_id: str) -> Customer:
    """The customer named by `customerId`, if the actor may charge it (`user`: only customers it
    created); another organisation's is 404, an inactive one 422."""
    qs = org_scoped(Customer.objects.filter(sync_state=Customer.SyncState.SYNCED), actor,
                    Capability.PAYMENTS_CREATE, owner_field="created_by")
    customer = qs.select_related("organization", "default_payment_method").filter(public_id=public_id).first()
    if customer is None:
        raise ResourceNotFoundError("Customer not found.", details=[{"field": "customerId", "value": public_id}])
    if not customer.active:
        raise ValidationFailedError("The customer is deleted and cannot be charged.", details=[
            {"field": "customerId", "reason": "Customer is inactive (deleted)", "value": public_id}])
    return customer


def chargeable_payment_method(*, customer: Customer, public_id: str | None) -> PaymentMethod:
    """The named method (our `pm_…` id) or else the customer's default; it must be an active card
    of this customer. Another organisation's method is 404 (DESIGN §9)."""
    if not public_id:
        pm = customer.default_payment_method
        if pm is None:
            raise _pm_invalid(None, "The customer has no default payment method; name one")
    else:
        pm = PaymentMethod.objects.filter(public_id=public_id,
                                          customer__organization_id=customer.organization_id).first()
        if pm is None:
            raise ResourceNotFoundError("Payment method not found.",
                                        details=[{"field": "paymentMethodId", "value": public_id}])
        if pm.customer_id != customer.pk:
            raise _pm_invalid(public_id, "Belongs to another customer")
    if pm.status != PaymentMethod.Status.ACTIVE:
        raise _pm_invalid(pm.public_id, f"Payment method is {pm.status} and cannot be charged")
    if pm.type != PaymentMethod.Type.CARD:
        raise _pm_invalid(pm.public_id, "Must be a card (bank accounts are charged through ACH payments)")
    return pm


def _pm_invalid(value: str | None, reason: str) -> ValidationFailedError:
    return ValidationFailedError("The payment method cannot be charged.",
                                 details=[{"field": "paymentMethodId", "reason": reason, "value": value}])
