"""Payment method writes: add (cards by token or PaymentMethod id, US bank accounts with their
mandate), remove (detach), choose the default. Stripe first, outside any lock; then one short
transaction stores the outcome and its audit entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from customers.exceptions import CustomerInactiveError
from customers.models import Customer, PaymentMethod
from customers.services import stripe_mirror
from customers.services.errors import stripe_error
from customers.services.mirrored import mirrored_write
from oracle_ledger import gateway
from oracle_ledger.actors import Actor
from oracle_ledger.errors import ValidationFailedError
from oracle_ledger.ids import public_id

# Stripe's parameter names back to the request's, so a 422 names the field the client sent.
_STRIPE_PARAMS = {"us_bank_account[routing_number]": "usBankAccount.routingNumber",
                  "us_bank_account[account_number]": "usBankAccount.accountNumber",
                  "us_bank_account[account_holder_type]": "usBankAccount.accountHolderType",
                  "us_bank_account[account_type]": "usBankAccount.accountType"}


@dataclass
class PaymentMethodRequest:
    method: dict[str, Any]
    path: str = ""  # where it sits in the request body, e.g. "paymentMethods.0"
    local_id: str = field(default_factory=lambda: public_id("pm_"))
    failed: bool = False

    def error_field(self, exc: gateway.GatewayError) -> str:
        prefix = f"{self.path}." if self.path else ""
        if self.method["type"] == PaymentMethod.Type.CARD:
            return f"{prefix}token"
        return prefix + _STRIPE_PARAMS.get(getattr(exc, "param", None) or "", "usBankAccount")

    def error_value(self, exc: gateway.GatewayError) -> Any:
        if self.method["type"] == PaymentMethod.Type.CARD:
            return self.method["token"]
        return None  # bank details: never echoed


@dataclass
class Attached:
    local_id: str
    stripe: stripe_mirror.StripePaymentMethod
    is_default: bool


def attach_all(*, stripe_customer_id: str, requests: list[PaymentMethodRequest], client_ip: str | None,
               user_agent: str) -> list[Attached]:
    attached = []
    for request in requests:
        try:
            result = stripe_mirror.stripe_payment_method_attach(
                stripe_customer_id=stripe_customer_id, method=request.method, local_id=request.local_id,
                client_ip=client_ip, user_agent=user_agent)
        except gateway.GatewayError:
            request.failed = True
            raise
        attached.append(Attached(request.local_id, result, bool(request.method.get("isDefault"))))
    return attached


def payment_methods_store(*, customer: Customer, attached: list[Attached]) -> list[PaymentMethod]:
    """Store attached methods (inside the caller's transaction, customer row locked). The one marked
    default becomes the default; so does the first one when the customer has none yet."""
    now = timezone.now()
    rows = [PaymentMethod.objects.create(customer=customer, public_id=item.local_id, type=item.stripe.type,
                                         stripe_payment_method_id=item.stripe.stripe_id, created_at=now,
                                         updated_at=now, **item.stripe.fields) for item in attached]
    chosen = default_among(attached, has_default=customer.default_payment_method_id is not None)
    if chosen is not None:
        _default_store(customer=customer, pm=rows[attached.index(chosen)])
    return rows


def default_among(attached: list[Attached], *, has_default: bool) -> Attached | None:
    """The method marked default, else the first one when the customer has no default yet."""
    marked = next((item for item in attached if item.is_default), None)
    return marked or (attached[0] if attached and not has_default else None)


def _default_store(*, customer: Customer, pm: PaymentMethod) -> None:
    customer.payment_methods.filter(is_default=True).exclude(pk=pm.pk).update(is_default=False)
    PaymentMethod.objects.filter(pk=pm.pk).update(is_default=True)
    pm.is_default = True
    customer.default_payment_method = pm
    # A new version gives the next Stripe default change a new idempotency key (A, B, then A again).
    customer.version += 1
    customer.save(update_fields=["default_payment_method", "version"])


def payment_method_add(*, actor: Actor, customer: Customer, method: dict[str, Any], client_ip: str | None = None,
                       user_agent: str = "") -> PaymentMethod:
    """Attach in Stripe, then store. It becomes the default when asked to or when the customer has
    none; that default is mirrored to Stripe through `mirrored_write`."""
    if not customer.active:
        raise CustomerInactiveError(customer.public_id)
    request = PaymentMethodRequest(method=method)
    try:
        [item] = attach_all(stripe_customer_id=customer.stripe_customer_id, requests=[request],
                            client_ip=client_ip, user_agent=user_agent)
    except gateway.GatewayError as exc:
        raise stripe_error(exc, field=request.error_field(exc), value=request.error_value(exc)) from exc

    def push(current: Customer) -> None:
        if default_among([item], has_default=current.default_payment_method_id is not None):
            stripe_default_set(current, item.stripe.stripe_id)

    def store(locked: Customer, _pushed) -> PaymentMethod:
        if not locked.active:
            raise CustomerInactiveError(locked.public_id)
        [pm] = payment_methods_store(customer=locked, attached=[item])
        audit_record(actor=actor, action="payment_method.added", target_type="payment_method", target_id=pm.public_id,
                     changes={"type": pm.type, "last4": pm.last4, "isDefault": pm.is_default},
                     metadata={"customerId": locked.public_id, "stripePaymentMethodId": pm.stripe_payment_method_id,
                               "stripeMandateId": pm.stripe_mandate_id or None})
        return pm

    pm = mirrored_write(customer, push=push, store=store)
    pm.refresh_from_db()
    return pm


def payment_method_remove(*, actor: Actor, customer: Customer, pm: PaymentMethod) -> PaymentMethod:
    """Detach in Stripe, then keep the row as `detached` history. Removing the default leaves the
    customer without one (Stripe does the same); the caller chooses the next."""
    try:
        stripe_mirror.stripe_payment_method_detach(pm)
    except gateway.GatewayError as exc:
        raise stripe_error(exc) from exc
    with transaction.atomic():
        current = Customer.objects.select_for_update().get(pk=customer.pk)
        was_default = pm.pk == current.default_payment_method_id
        PaymentMethod.objects.filter(pk=pm.pk).update(status=PaymentMethod.Status.DETACHED, is_default=False,
                                                      updated_at=timezone.now())
        if was_default:
            # A default change is a new version: a racing mirrored_write re-pushes on top of it.
            current.default_payment_method, current.version = None, current.version + 1
            current.save(update_fields=["default_payment_method", "version"])
        audit_record(actor=actor, action="payment_method.removed", target_type="payment_method",
                     target_id=pm.public_id, changes={"status": {"from": pm.status, "to": "detached"}},
                     metadata={"customerId": current.public_id, "wasDefault": was_default})
    pm.refresh_from_db()
    return pm


def payment_method_set_default(*, actor: Actor, customer: Customer, pm: PaymentMethod) -> PaymentMethod:
    _ensure_usable(pm)
    if not customer.active:
        raise CustomerInactiveError(customer.public_id)

    def store(locked: Customer, _pushed) -> PaymentMethod:
        if not locked.active:
            raise CustomerInactiveError(locked.public_id)
        _ensure_usable(PaymentMethod.objects.select_for_update().get(pk=pm.pk))
        previous = locked.default_payment_method
        _default_store(customer=locked, pm=pm)
        audit_record(actor=actor, action="payment_method.default_set", target_type="payment_method",
                     target_id=pm.public_id, metadata={"customerId": locked.public_id},
                     changes={"defaultPaymentMethod": {"from": previous.public_id if previous else None,
                                                       "to": pm.public_id}})
        return pm

    mirrored_write(customer, push=lambda current: stripe_default_set(current, pm.stripe_payment_method_id),
                   store=store)
    pm.refresh_from_db()
    return pm


def _ensure_usable(pm: PaymentMethod) -> None:
    if pm.status != PaymentMethod.Status.ACTIVE:
        raise ValidationFailedError(details=[{"field": "pmId", "reason": f"Payment method is {pm.status}",
                                              "value": pm.public_id}])


def stripe_default_set(customer: Customer, stripe_pm_id: str) -> None:
    """Mirror the default to the Stripe customer's invoice settings (raises GatewayError)."""
    params = {"invoice_settings": {"default_payment_method": stripe_pm_id}}
    stripe_mirror.stripe_customer_update(customer, version=customer.version, params=params)


def payment_method_disable(*, actor: Actor, pm: PaymentMethod, reason: str,
                           compliance_review: bool = False) -> PaymentMethod:
    """For ACH returns (DESIGN §8): R02/R03/R04 disable the bank account; unauthorized returns
    (R05, R07, R10, R29, R51) also flag the customer for compliance review. Local only: Stripe
    keeps the payment method, our rules stop using it. A disabled method stops being the default.
    Safe to call twice."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=pm.customer_id)
        current = PaymentMethod.objects.select_for_update().get(pk=pm.pk)
        changes: dict[str, Any] = {}
        if current.status != PaymentMethod.Status.DISABLED:
            changes["status"] = {"from": current.status, "to": "disabled"}
            current.status, current.disabled_reason, current.is_default = PaymentMethod.Status.DISABLED, reason, False
            current.updated_at = timezone.now()
            current.save(update_fields=["status", "disabled_reason", "is_default", "updated_at"])
            if customer.default_payment_method_id == current.pk:
                customer.default_payment_method, customer.version = None, customer.version + 1
                customer.save(update_fields=["default_payment_method", "version"])
        if compliance_review and not customer.compliance_review_required:
            changes["complianceReviewRequired"] = {"from": False, "to": True}
            customer.compliance_review_required, customer.compliance_review_reason = True, reason
            customer.save(update_fields=["compliance_review_required", "compliance_review_reason"])
        if changes:
            audit_record(actor=actor, action="payment_method.disabled", target_type="payment_method",
                         target_id=current.public_id, changes=changes,
                         organization=customer.organization, metadata={"customerId": customer.public_id,
                                                                       "reason": reason})
    return current


def customer_compliance_review_clear(*, actor: Actor, customer: Customer, note: str = "") -> Customer:
    """Close a customer's compliance review (set by an unauthorized ACH return, above). The bank
    account stays disabled: a new authorization means a new payment method. Safe to call twice."""
    with transaction.atomic():
        current = Customer.objects.select_for_update().get(pk=customer.pk)
        if current.compliance_review_required:
            reason = current.compliance_review_reason
            current.compliance_review_required, current.compliance_review_reason = False, ""
            current.save(update_fields=["compliance_review_required", "compliance_review_reason"])
            audit_record(actor=actor, action="customer.compliance_review_cleared", target_type="customer",
                         target_id=current.public_id, organization=current.organization,
                         changes={"complianceReviewRequired": {"from": True, "to": False}},
                         metadata={"reason": reason, "note": note[:500]})
    return current
