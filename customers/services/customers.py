"""Customer writes. Each one follows DESIGN §6: no Stripe call inside a transaction that holds
locks; Stripe failing leaves nothing half-saved; every write audited in the transaction that
makes it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record, diff_changes
from customers.exceptions import CustomerInactiveError
from customers.models import Customer
from customers.services import stripe_mirror
from customers.services.errors import stripe_error
from customers.services.mirrored import mirrored_write
from customers.services.payment_methods import (
    PaymentMethodRequest,
    attach_all,
    default_among,
    payment_methods_store,
    stripe_default_set,
)
from oracle_ledger import gateway
from oracle_ledger.actors import Actor
from oracle_ledger.errors import ValidationFailedError

PENDING_TIMEOUT = timedelta(minutes=15)
AUDITED_FIELDS = ("first_name", "last_name", "email", "phone", "billing_address", "shipping_address",
                  "customer_id", "metadata", "active", "deleted_at")


def snapshot(customer: Customer) -> dict[str, Any]:
    return {name: getattr(customer, name) for name in AUDITED_FIELDS}


def uniqueness_problems(*, organization, email: str | None, customer_id: int | None,
                        exclude_pk: int | None = None) -> list[dict[str, Any]]:
    """The 422 details for an email already used by an ACTIVE customer of the organisation, or a
    `customerId` already used by any of its customers. A friendly early answer only: the unique
    indexes decide races (see `_integrity_problems`)."""
    taken_email = Q(active=True, email__iexact=email) if email else Q(pk__in=[])
    taken_id = Q(customer_id=customer_id) if customer_id is not None else Q(pk__in=[])
    if not email and customer_id is None:
        return []
    clashes = list(Customer.objects.filter(organization=organization).exclude(pk=exclude_pk)
                   .filter(taken_email | taken_id).values_list("email", "active", "customer_id")[:2])
    problems = []
    if email and any(active and other.lower() == email.lower() for other, active, _ in clashes):
        problems.append({"field": "email", "reason": "Email already exists", "value": email})
    if customer_id is not None and any(other_id == customer_id for _, _, other_id in clashes):
        problems.append({"field": "customerId", "reason": "customerId already exists", "value": customer_id})
    return problems


def _integrity_problems(exc: IntegrityError, fields: dict[str, Any]) -> ValidationFailedError:
    text = str(exc)
    if "customer_email_unique_active_ci" in text:
        details = [{"field": "email", "reason": "Email already exists", "value": fields.get("email")}]
    elif "customer_ledger_id_unique" in text:
        details = [{"field": "customerId", "reason": "customerId already exists", "value": fields.get("customer_id")}]
    else:
        raise exc
    return ValidationFailedError("Customer validation failed", details=details)


def _raise_if_taken(*, organization, fields: dict[str, Any], exclude_pk: int | None = None) -> None:
    problems = uniqueness_problems(organization=organization, email=fields.get("email"),
                                   customer_id=fields.get("customer_id"), exclude_pk=exclude_pk)
    if problems:
        raise ValidationFailedError("Customer validation failed", details=problems)


def customer_create(*, actor: Actor, fields: dict[str, Any], payment_methods: list[dict[str, Any]] | None = None,
                    client_ip: str | None = None, user_agent: str = "") -> Customer:
    """Create the customer here and in Stripe, with its payment methods.

    1. A pending row is committed first: the unique indexes decide a race on the email or
       `customerId` before Stripe is called, so two concurrent creates never make two Stripe
       customers for one email.
    2. Stripe: the customer (key `customer-create:{public_id}`), then each payment method.
    3. One transaction marks the row synced, stores the payment methods and the audit entry.
    Stripe failing in 2 removes the pending row (and the half-made Stripe customer), so the
    caller sees STRIPE_ERROR (or VALIDATION_ERROR for a rejected token) and nothing exists."""
    organization = actor.organization
    _raise_if_taken(organization=organization, fields=fields)
    customer = _pending_customer_insert(actor=actor, fields=fields)
    requests = [PaymentMethodRequest(method=m, path=f"paymentMethods.{i}") for i, m in enumerate(payment_methods or [])]
    stripe_id = ""
    try:
        stripe_id = stripe_mirror.stripe_customer_create(customer)
        stripe_mirror.stripe_customer_ship(customer, stripe_id)
        attached = attach_all(stripe_customer_id=stripe_id, requests=requests, client_ip=client_ip,
                              user_agent=user_agent)
        default = default_among(attached, has_default=False)
        if default is not None:
            customer.stripe_customer_id = stripe_id
            stripe_default_set(customer, default.stripe.stripe_id)
    except gateway.GatewayError as exc:
        _pending_customer_abandon(customer, stripe_id)
        failed = next((r for r in requests if r.failed), None)
        raise stripe_error(exc, field=failed and failed.error_field(exc), value=failed and failed.error_value(exc)) \
            from exc
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        customer.stripe_customer_id, customer.sync_state = stripe_id, Customer.SyncState.SYNCED
        customer.save(update_fields=["stripe_customer_id", "sync_state"])
        payment_methods_store(customer=customer, attached=attached)
        audit_record(actor=actor, action="customer.created", target_type="customer", target_id=customer.public_id,
                     changes=diff_changes({}, snapshot(customer)),
                     metadata={"stripeCustomerId": stripe_id,
                               "paymentMethods": [a.local_id for a in attached]})
    return customer


def _pending_customer_insert(*, actor: Actor, fields: dict[str, Any]) -> Customer:
    now = timezone.now()
    customer = Customer(organization=actor.organization, created_at=now, updated_at=now,
                        created_by_id=actor.user_pk if actor.type == Actor.USER else None,
                        created_by_api_key_id=actor.id if actor.type == Actor.API_KEY else "",
                        **{"metadata": {}, **fields})
    try:
        with transaction.atomic(durable=True):
            customer.save(force_insert=True)
    except IntegrityError as exc:
        raise _integrity_problems(exc, fields) from exc
    return customer


def _pending_customer_abandon(customer: Customer, stripe_id: str) -> None:
    """Undo step 1 (and the Stripe customer, if step 2 got that far). The row goes first so the
    client's immediate retry is not told "Email already exists". Best effort in Stripe: if that
    delete fails too, an orphan Stripe customer remains whose description names a cust_ id that
    never was; nothing of ours points at it."""
    Customer.objects.filter(pk=customer.pk, sync_state=Customer.SyncState.PENDING).delete()
    if stripe_id:
        try:
            stripe_mirror.stripe_customer_delete(stripe_id, key_base=customer.public_id)
        except gateway.GatewayError:
            pass


def customer_pending_sweep(*, older_than: timedelta = PENDING_TIMEOUT) -> int:
    """Finish what a crashed create left: a pending row older than `older_than` (far beyond the
    SDK's timeouts and retries) blocks its email and customerId but was never answered with a 201,
    so the client retries with a new request. Remove it, and the Stripe customer its key may have
    made (replaying `customer-create:{public_id}` inside Stripe's 24 hours returns that customer,
    never a new one for the same key). Returns how many were swept."""
    swept = 0
    cutoff = timezone.now() - older_than
    for customer in Customer.objects.filter(sync_state=Customer.SyncState.PENDING, created_at__lt=cutoff):
        try:
            stripe_id = stripe_mirror.stripe_customer_create(customer)
        except gateway.GatewayError:
            continue  # Stripe is down: the next sweep tries again
        _pending_customer_abandon(customer, stripe_id)
        swept += 1
    return swept


def customer_update(*, actor: Actor, customer: Customer, fields: dict[str, Any]) -> Customer:
    """Change the given fields (metadata merges as in Stripe: a key set to null or "" is removed).
    Stripe first with the values the update will produce, then our row (`mirrored_write`)."""
    _ensure_active(customer)
    if not fields:
        return customer  # nothing to change: no Stripe call, no audit entry
    _raise_if_taken(organization=customer.organization, fields=fields, exclude_pk=customer.pk)

    def push(current: Customer) -> Customer:
        _ensure_active(current)
        updated, removed = _applied(current, fields)
        params = stripe_mirror.customer_params(updated, removed_metadata=removed)
        stripe_mirror.stripe_customer_update(current, version=current.version, params=params)
        return updated

    def store(locked: Customer, updated: Customer) -> Customer:
        updated.version, updated.updated_at = locked.version + 1, timezone.now()
        try:
            with transaction.atomic():
                updated.save()
        except IntegrityError as exc:
            raise _integrity_problems(exc, {"email": updated.email, "customer_id": updated.customer_id}) from exc
        audit_record(actor=actor, action="customer.updated", target_type="customer", target_id=updated.public_id,
                     changes=diff_changes(snapshot(locked), snapshot(updated)))
        return updated

    return mirrored_write(customer, push=push, store=store)


def _applied(customer: Customer, fields: dict[str, Any]) -> tuple[Customer, tuple[str, ...]]:
    updated = Customer.objects.get(pk=customer.pk)
    removed: tuple[str, ...] = ()
    for name, value in fields.items():
        if name == "metadata":
            merged = {**updated.metadata, **value}
            removed = tuple(key for key, sub in merged.items() if sub in (None, ""))
            value = {key: sub for key, sub in merged.items() if key not in removed}
        setattr(updated, name, value)
    return updated, removed


def _ensure_active(customer: Customer) -> None:
    if not customer.active:
        raise CustomerInactiveError(customer.public_id)


def customer_delete(*, actor: Actor, customer: Customer) -> Customer:
    """Soft delete (DESIGN §8): inactive, history kept, no longer chargeable; its email is free
    for a new customer. The Stripe customer stays as it is: Stripe keeps the history of its
    charges and refunds, and deleting it there would detach its payment methods for good, which
    `customer_restore` could not undo. Deleting twice answers the first deletion."""
    with transaction.atomic():
        current = Customer.objects.select_for_update().get(pk=customer.pk)
        if not current.active:
            return current
        before = snapshot(current)
        current.active, current.deleted_at = False, timezone.now()
        current.updated_at, current.version = current.deleted_at, current.version + 1
        current.save(update_fields=["active", "deleted_at", "updated_at", "version"])
        audit_record(actor=actor, action="customer.deleted", target_type="customer", target_id=current.public_id,
                     changes=diff_changes(before, snapshot(current)))
    return current


def customer_restore(*, actor: Actor, customer: Customer) -> Customer:
    """Undo a soft delete, unless another active customer took the email meanwhile (422)."""
    with transaction.atomic():
        current = Customer.objects.select_for_update().get(pk=customer.pk)
        if current.active:
            return current
        before = snapshot(current)
        current.active, current.deleted_at = True, None
        current.updated_at, current.version = timezone.now(), current.version + 1
        try:
            with transaction.atomic():
                current.save(update_fields=["active", "deleted_at", "updated_at", "version"])
        except IntegrityError as exc:
            raise _integrity_problems(exc, {"email": current.email}) from exc
        audit_record(actor=actor, action="customer.restored", target_type="customer", target_id=current.public_id,
                     changes=diff_changes(before, snapshot(current)))
    return current


def customer_ensure_chargeable(*, customer: Customer) -> None:
    """For the payments and ACH services: a deleted customer can no longer be charged or debited."""
    _ensure_active(customer)
