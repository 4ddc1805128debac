"""Reads shared by the API and the admin, scoped to the caller (DESIGN §5)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Avg,
    BigIntegerField,
    BooleanField,
    Count,
    DateTimeField,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Round
from django.utils.dateparse import parse_date, parse_datetime

from customers.models import Customer, PaymentMethod
from oracle_ledger.actors import Actor
from oracle_ledger.api.permissions import Capability, org_scoped
from oracle_ledger.errors import InvalidRequestError, ResourceNotFoundError

STATUSES = ("active", "inactive", "all")
_SEARCH_WORD = re.compile(r"[^\W_]+")
MAX_SEARCH_WORDS = 8


def customer_statistics_annotate(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    """Annotate each customer with the statistics of its SUCCEEDED payments, in the same query as
    the customers themselves (a list page of 100 costs no query per row):
    `stat_total_payments`, `stat_total_amount_cents` (gross, before refunds),
    `stat_average_payment_cents` (rounded to the cent), `stat_last_payment_at`. Correlated
    subqueries over the payments table, each served by its (customer, created_at) index."""
    from payments.models import Payment  # payments builds on customers: imported where used

    succeeded = (Payment.objects.filter(customer=OuterRef("pk"), status=Payment.Status.SUCCEEDED)
                 .order_by().values("customer"))

    def stat(aggregate, field):
        return Coalesce(Subquery(succeeded.annotate(v=aggregate).values("v"), output_field=field), Value(0),
                        output_field=field)

    return qs.annotate(
        stat_total_payments=stat(Count("*"), IntegerField()),
        stat_total_amount_cents=stat(Sum("amount_cents"), BigIntegerField()),
        stat_average_payment_cents=stat(Cast(Round(Avg("amount_cents")), BigIntegerField()), BigIntegerField()),
        stat_last_payment_at=Subquery(succeeded.annotate(v=Max("created_at")).values("v"),
                                      output_field=DateTimeField()),
    )


def _visible(actor: Actor, capability: Capability) -> QuerySet[Customer]:
    # A pending customer is one whose Stripe mirror is not confirmed yet: not part of the API.
    qs = Customer.objects.filter(sync_state=Customer.SyncState.SYNCED)
    return org_scoped(qs, actor, capability, owner_field="created_by")


def customer_get(*, actor: Actor, public_id: str, capability: Capability = Capability.CUSTOMERS_READ) -> Customer:
    """One customer the actor may see (read) or touch (write); anything else, another
    organisation's or another user's included, is RESOURCE_NOT_FOUND."""
    qs = customer_statistics_annotate(_visible(actor, capability).select_related("default_payment_method"))
    customer = qs.filter(public_id=public_id).first()
    if customer is None:
        raise ResourceNotFoundError("Customer not found.", details=[{"field": "id", "value": public_id}])
    return customer


def customer_reload(customer: Customer) -> Customer:
    """The same customer, freshly read with its default method and statistics. No scoping: for a
    row the caller just wrote (an API key with the `user` role owns nothing it could re-read)."""
    qs = customer_statistics_annotate(Customer.objects.select_related("default_payment_method"))
    return qs.get(pk=customer.pk)


def payment_method_list(*, customer: Customer) -> list[PaymentMethod]:
    """The customer's payment methods that still exist in Stripe (detached ones are history)."""
    return list(customer.payment_methods.exclude(status=PaymentMethod.Status.DETACHED).order_by("created_at", "id"))


def payment_method_get(*, customer: Customer, public_id: str) -> PaymentMethod:
    pm = customer.payment_methods.exclude(status=PaymentMethod.Status.DETACHED).filter(public_id=public_id).first()
    if pm is None:
        raise ResourceNotFoundError("Payment method not found.", details=[{"field": "pmId", "value": public_id}])
    return pm


def customer_list(*, actor: Actor, params: Mapping[str, Any]) -> QuerySet[Customer]:
    """The guide's list filters: `status` (default `active`), `search`, `createdAfter`,
    `createdBefore`. Newest first."""
    qs = _visible(actor, Capability.CUSTOMERS_READ)
    status = params.get("status") or "active"
    if status not in STATUSES:
        raise _bad_param("status", status, f"Must be one of {', '.join(STATUSES)}")
    if status != "all":
        qs = qs.filter(active=status == "active")
    if params.get("search"):
        qs = customer_search(qs, params["search"])
    if params.get("createdAfter"):
        qs = qs.filter(created_at__gte=_moment(params, "createdAfter", end_of_day=False))
    if params.get("createdBefore"):
        qs = qs.filter(created_at__lte=_moment(params, "createdBefore", end_of_day=True))
    qs = qs.select_related("default_payment_method").order_by("-created_at", "-id")
    return customer_statistics_annotate(qs)


def customer_search(qs: QuerySet[Customer], term: str) -> QuerySet[Customer]:
    """Every word of `term` must start a word of the first name, last name or email (the email is
    also cut into its parts, so `doe@exam` finds john.doe@example.com). Case-insensitive. Uses the
    GIN index of migration 0002 through the same IMMUTABLE function."""
    words = _SEARCH_WORD.findall(term.lower())[:MAX_SEARCH_WORDS]
    if not words:
        return qs.none()
    query = " & ".join(f"{word}:*" for word in words)
    match = RawSQL(
        "customer_search_document(customers_customer.first_name, customers_customer.last_name, "
        "customers_customer.email) @@ to_tsquery('simple'::regconfig, %s)",
        [query], output_field=BooleanField())
    return qs.filter(match)


def _moment(params: Mapping[str, Any], name: str, *, end_of_day: bool) -> datetime:
    """An ISO 8601 time, or a date meaning its whole day (UTC): both bounds are inclusive."""
    raw = str(params[name])
    try:
        day = parse_date(raw)  # first: parse_datetime would read a bare date as its midnight
        moment = None if day else parse_datetime(raw)
    except ValueError:
        moment = day = None
    if moment:
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if isinstance(day, date):
        start = datetime.combine(day, time.min, tzinfo=UTC)
        return start + timedelta(days=1, microseconds=-1) if end_of_day else start
    raise _bad_param(name, raw, "Must be an ISO 8601 date or time")


def _bad_param(name: str, value: Any, reason: str) -> InvalidRequestError:
    return InvalidRequestError(f"Invalid `{name}`.", details=[{"field": name, "reason": reason, "value": value}])
