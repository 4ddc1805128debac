"""Stripe events about customers and payment methods (issue 8), routed by the webhooks registry.

Rules:
- Events caused by our own API calls (their `request.idempotency_key` is one of ours, e.g.
  `customer-create:cust_…`, `pm-attach:pm_…`) change nothing: the API call that caused them
  stores its own outcome, and mirroring the event as well would make a second row.
- Order: Stripe may deliver events late or out of order, so handlers re-read the object from
  Stripe (through the gateway) and mirror its CURRENT state; an older event therefore changes
  nothing. A detached payment method never becomes active again (Stripe cannot reattach it).
- An object we do not know is fetched and mirrored when we can place it: a customer created in
  Stripe's dashboard lands in the organisation named by its metadata `organization` (slug or
  `org_…` id), else in settings.WEBHOOK_DEFAULT_ORGANIZATION, else it is recorded as ignored.
  Fields are mirrored as Stripe holds them (the API's validation rules are for our callers).
Every write is audited with the Stripe actor."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record, diff_changes
from customers.models import Customer, PaymentMethod
from customers.services import customer_delete
from customers.services.customers import snapshot
from customers.services.payment_methods import Attached, payment_methods_store
from customers.services.stripe_mirror import StripePaymentMethod, _local_fields
from identity.models import Organization
from oracle_ledger import gateway
from oracle_ledger.actors import Actor
from oracle_ledger.ids import public_id
from webhooks.exceptions import EventIgnored
from webhooks.registry import handles

_OUR_KEY = re.compile(r"^[a-z][a-z-]*:((?:cust|pm)_[A-Za-z0-9]+)")


def _our_key_id(event) -> str | None:
    """The local public id in the idempotency key of the API call that caused the event, if ours."""
    match = _OUR_KEY.match(((event.payload.get("request") or {}).get("idempotency_key")) or "")
    return match.group(1) if match else None


# --- Customers ------------------------------------------------------------------------------------

@handles("customer.created", "customer.updated")
def customer_upserted(*, event, obj: dict[str, Any]):
    customer = Customer.objects.filter(stripe_customer_id=obj["id"]).select_related("organization").first()
    if customer is None and _our_key_id(event):
        return _ours_in_flight(_our_key_id(event))
    current = _stripe_customer(obj["id"])
    if customer is None:
        return customer_mirror_create(stripe_customer=current).organization
    customer_mirror_update(customer=customer, stripe_customer=current)
    return customer.organization


@handles("customer.deleted")
def customer_deleted(*, event, obj: dict[str, Any]):
    customer = Customer.objects.filter(stripe_customer_id=obj["id"]).select_related("organization").first()
    if customer is None:
        raise EventIgnored(f"Unknown customer {obj['id']}.")
    customer_delete(actor=Actor.stripe(organization=customer.organization), customer=customer)
    return customer.organization


def _ours_in_flight(local_id: str):
    """Our API made this Stripe customer and stores it itself (it may not have yet): nothing to do."""
    ours = Customer.objects.filter(public_id=local_id).select_related("organization").first()
    if ours is None:
        raise EventIgnored(f"Made by our API for {local_id}, which no longer exists (the create was abandoned).")
    return ours.organization


def _stripe_customer(stripe_id: str) -> dict[str, Any]:
    current = gateway.customer_retrieve(stripe_id).to_dict()
    if current.get("deleted"):
        raise EventIgnored(f"Customer {stripe_id} no longer exists in Stripe.")
    return current


def _organization_for(stripe_customer: dict[str, Any]) -> Organization:
    wanted = ((stripe_customer.get("metadata") or {}).get("organization") or "").strip() \
        or settings.WEBHOOK_DEFAULT_ORGANIZATION
    if not wanted:
        raise EventIgnored("No organisation: set metadata `organization` on the Stripe customer or "
                           "WEBHOOK_DEFAULT_ORGANIZATION.")
    org = Organization.objects.filter(public_id=wanted).first() or Organization.objects.filter(slug=wanted).first()
    if org is None:
        raise EventIgnored(f"Organisation {wanted!r} does not exist.")
    return org


def _address(address: dict[str, Any] | None) -> dict[str, str] | None:
    if not address or not any(address.values()):
        return None
    names = {"line1": "line1", "line2": "line2", "city": "city", "state": "state", "postalCode": "postal_code",
             "country": "country"}
    return {ours: address.get(theirs) or "" for ours, theirs in names.items()}


def _mirrored_fields(stripe_customer: dict[str, Any]) -> dict[str, Any]:
    first, _, last = (stripe_customer.get("name") or "").strip().partition(" ")
    metadata = {k: v for k, v in (stripe_customer.get("metadata") or {}).items() if k != "organization"}
    shipping = stripe_customer.get("shipping") or {}
    return {"first_name": first[:100], "last_name": last.strip()[:100], "email": stripe_customer.get("email") or "",
            "phone": stripe_customer.get("phone") or "", "billing_address": _address(stripe_customer.get("address")),
            "shipping_address": _address(shipping.get("address")), "metadata": metadata}


def customer_mirror_create(*, stripe_customer: dict[str, Any]) -> Customer:
    """A local customer for a Stripe customer made elsewhere (the dashboard). Safe to run twice:
    a second run finds the first's row."""
    org = _organization_for(stripe_customer)
    with transaction.atomic():
        existing = Customer.objects.filter(stripe_customer_id=stripe_customer["id"]).first()
        if existing is not None:
            return existing
        now = timezone.now()
        customer = Customer(organization=org, stripe_customer_id=stripe_customer["id"],
                            sync_state=Customer.SyncState.SYNCED, created_at=now, updated_at=now,
                            **_mirrored_fields(stripe_customer))
        try:
            with transaction.atomic():
                customer.save(force_insert=True)
        except IntegrityError as exc:
            raise EventIgnored(f"Not mirrored: {_conflict(exc)} in {org.slug}.") from exc
        audit_record(actor=Actor.stripe(organization=org), action="customer.created", target_type="customer",
                     target_id=customer.public_id, changes=diff_changes({}, snapshot(customer)),
                     metadata={"stripeCustomerId": customer.stripe_customer_id, "source": "stripe"})
    return customer


def _conflict(exc: IntegrityError) -> str:
    return "its email belongs to another active customer" if "email" in str(exc) else "a uniqueness conflict"


def _same(ours: Any, theirs: Any, name: str) -> bool:
    if name == "metadata":
        return {k: str(v) for k, v in (ours or {}).items()} == theirs
    if name.endswith("_address"):
        return {k: v for k, v in (ours or {}).items() if v} == {k: v for k, v in (theirs or {}).items() if v}
    return ours == theirs


def customer_mirror_update(*, customer: Customer, stripe_customer: dict[str, Any]) -> Customer:
    """Bring the local customer to Stripe's current state; nothing when they already agree (the
    echo of our own update, or an event older than what we have)."""
    theirs = _mirrored_fields(stripe_customer)
    with transaction.atomic():
        current = Customer.objects.select_for_update().get(pk=customer.pk)
        changed = {name: value for name, value in theirs.items() if not _same(getattr(current, name), value, name)}
        if not changed:
            return current
        before = snapshot(current)
        for name, value in changed.items():
            setattr(current, name, value)
        # A new version: an API update racing this one re-applies itself on top (customers services).
        current.version, current.updated_at = current.version + 1, timezone.now()
        try:
            with transaction.atomic():
                current.save(update_fields=[*changed, "version", "updated_at"])
        except IntegrityError as exc:
            raise EventIgnored(f"Not mirrored: {_conflict(exc)}.") from exc
        audit_record(actor=Actor.stripe(organization=current.organization), action="customer.updated",
                     target_type="customer", target_id=current.public_id,
                     changes=diff_changes(before, snapshot(current)), metadata={"source": "stripe"})
    return current


# --- Payment methods --------------------------------------------------------------------------------

@handles("payment_method.attached")
def payment_method_attached(*, event, obj: dict[str, Any]):
    known = PaymentMethod.objects.filter(stripe_payment_method_id=obj["id"]).select_related("customer__organization")
    if known.exists():
        return known.first().customer.organization  # mirrored already; detached stays detached
    if _our_key_id(event):  # our API call stores it itself
        owner = Customer.objects.filter(stripe_customer_id=obj.get("customer") or "").first()
        if owner is None:
            raise EventIgnored(f"Attached by our API to a customer we do not have ({obj.get('customer')}).")
        return owner.organization
    current = gateway.payment_method_retrieve(obj["id"]).to_dict()
    customer = Customer.objects.filter(stripe_customer_id=current.get("customer") or "").first()
    if customer is None:
        raise EventIgnored(f"{obj['id']} is not attached to a customer we know (now: {current.get('customer')}).")
    if current["type"] not in PaymentMethod.Type.values:
        raise EventIgnored(f"Payment method type {current['type']} is not used here.")
    payment_method_mirror_create(customer=customer, stripe_pm=current)
    return customer.organization


def payment_method_mirror_create(*, customer: Customer, stripe_pm: dict[str, Any]) -> PaymentMethod:
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        existing = PaymentMethod.objects.filter(stripe_payment_method_id=stripe_pm["id"]).first()
        if existing is not None:
            return existing
        item = Attached(public_id("pm_"), StripePaymentMethod(stripe_pm["id"], stripe_pm["type"],
                                                              _local_fields(stripe_pm)), is_default=False)
        [pm] = payment_methods_store(customer=locked, attached=[item])
        audit_record(actor=Actor.stripe(organization=locked.organization), action="payment_method.added",
                     target_type="payment_method", target_id=pm.public_id,
                     changes={"type": pm.type, "last4": pm.last4, "isDefault": pm.is_default},
                     metadata={"customerId": locked.public_id, "stripePaymentMethodId": pm.stripe_payment_method_id,
                               "source": "stripe"})
    return pm


@handles("payment_method.detached")
def payment_method_detached(*, event, obj: dict[str, Any]):
    pm = PaymentMethod.objects.filter(stripe_payment_method_id=obj["id"]).select_related("customer__organization").first()
    if pm is None:
        raise EventIgnored(f"Unknown payment method {obj['id']}.")
    payment_method_mirror_detach(pm=pm)
    return pm.customer.organization


def payment_method_mirror_detach(*, pm: PaymentMethod) -> bool:
    """active -> detached, forward only (a guarded update: a disabled or detached method stays as
    it is). The customer loses it as default, as in Stripe."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=pm.customer_id)
        rows = PaymentMethod.objects.filter(pk=pm.pk, status=PaymentMethod.Status.ACTIVE).update(
            status=PaymentMethod.Status.DETACHED, is_default=False, updated_at=timezone.now())
        if not rows:
            return False
        if customer.default_payment_method_id == pm.pk:
            customer.default_payment_method = None
            customer.save(update_fields=["default_payment_method"])
        audit_record(actor=Actor.stripe(organization=customer.organization), action="payment_method.removed",
                     target_type="payment_method", target_id=pm.public_id,
                     changes={"status": {"from": "active", "to": "detached"}},
                     metadata={"customerId": customer.public_id, "source": "stripe"})
    return True
