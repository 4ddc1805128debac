"""What a local customer or payment method looks like to Stripe, and the gateway calls that put
it there. Every call carries an idempotency key derived from the local public id (DESIGN §5), so
a retry never creates a second Stripe customer or payment method."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from customers.models import Customer, PaymentMethod
from oracle_ledger import gateway


def _address(address: dict[str, Any] | None) -> dict[str, str] | str:
    if not address:
        return ""  # Stripe's way to clear an address
    # Stripe refuses "" inside an address (it would mean "unset"), so absent parts are omitted.
    names = {"line1": "line1", "line2": "line2", "city": "city", "state": "state", "postal_code": "postalCode",
             "country": "country"}
    return {stripe: address[ours] for stripe, ours in names.items() if address.get(ours)}


def customer_params(customer: Customer, *, removed_metadata: tuple[str, ...] = ()) -> dict[str, Any]:
    """The Stripe customer fields we own. Stripe merges metadata, so keys removed locally are sent
    as "" (Stripe's way to delete a key). Our own ids go in `description`, not metadata: the
    client may use all 50 of Stripe's metadata keys (DESIGN §8)."""
    metadata = {key: str(value) for key, value in customer.metadata.items()}
    metadata.update({key: "" for key in removed_metadata})
    ledger_id = f", ledger customer {customer.customer_id}" if customer.customer_id else ""
    params: dict[str, Any] = {
        "name": customer.full_name, "email": customer.email, "phone": customer.phone or "",
        "address": _address(customer.billing_address), "metadata": metadata,
        "description": f"ORACLE-LEDGER {customer.public_id} ({customer.organization.public_id}{ledger_id})",
    }
    shipping = customer.shipping_address
    params["shipping"] = {"name": customer.full_name, "address": _address(shipping)} if shipping else ""
    return params


def _digest(params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:12]


def stripe_customer_create(customer: Customer) -> str:
    params = {key: value for key, value in customer_params(customer).items() if value != ""}
    params.pop("shipping", None)
    return gateway.customer_create(**params, idempotency_key=f"customer-create:{customer.public_id}")["id"]


def stripe_customer_ship(customer: Customer, stripe_customer_id: str) -> None:
    """The gateway's create takes no shipping address, so a customer with one gets it by a
    second, separately keyed call."""
    shipping = customer_params(customer)["shipping"]
    if shipping:
        gateway.customer_update(stripe_customer_id, shipping=shipping,
                                idempotency_key=f"customer-create-shipping:{customer.public_id}")


def stripe_customer_update(customer: Customer, *, version: int, params: dict[str, Any]) -> None:
    """Keyed by the local version and the content: a retry of this exact update reuses its key,
    any other update (even back to older values) gets a new one."""
    key = f"customer-update:{customer.public_id}:{version}:{_digest(params)}"
    gateway.customer_update(customer.stripe_customer_id, **params, idempotency_key=key)


def stripe_customer_delete(customer_id: str, *, key_base: str) -> None:
    gateway.customer_delete(customer_id, idempotency_key=f"customer-abandon:{key_base}")


@dataclass
class StripePaymentMethod:
    """What we keep of a Stripe payment method: never the full account number."""

    stripe_id: str
    type: str
    fields: dict[str, Any]


def _local_fields(pm: Any) -> dict[str, Any]:
    if pm["type"] == PaymentMethod.Type.CARD:
        card = pm["card"]
        return {"card_brand": card["brand"] or "", "card_last4": card["last4"] or "",
                "card_exp_month": card["exp_month"], "card_exp_year": card["exp_year"]}
    bank = pm["us_bank_account"]
    return {"bank_name": bank["bank_name"] or "", "bank_last4": bank["last4"] or "",
            "bank_routing_number": bank["routing_number"] or "", "bank_account_type": bank["account_type"] or "",
            "bank_account_holder_type": bank["account_holder_type"] or ""}


def stripe_payment_method_attach(*, stripe_customer_id: str, method: dict[str, Any], local_id: str,
                                 client_ip: str | None, user_agent: str) -> StripePaymentMethod:
    """Create (from a token or bank details) and attach one payment method to the Stripe customer.
    A US bank account also gets a confirmed SetupIntent with the customer's acceptance: its
    mandate is the authorization ACH debits need (DESIGN §8)."""
    if method["type"] == PaymentMethod.Type.CARD:
        source = method["token"]
        if source.startswith("tok_"):
            source = gateway.payment_method_create_card(token=source, idempotency_key=f"pm-create:{local_id}")["id"]
        pm = gateway.payment_method_attach(source, customer_id=stripe_customer_id,
                                           idempotency_key=f"pm-attach:{local_id}")
        return StripePaymentMethod(pm["id"], pm["type"], _local_fields(pm))
    bank = method["usBankAccount"]
    created = gateway.payment_method_create_us_bank_account(
        routing_number=bank["routingNumber"], account_number=bank["accountNumber"],
        account_holder_name=bank["accountHolderName"], account_holder_type=bank["accountHolderType"],
        account_type=bank["accountType"], idempotency_key=f"pm-create:{local_id}")
    intent = gateway.setup_intent_create(
        customer_id=stripe_customer_id, payment_method_id=created["id"], payment_method_types=["us_bank_account"],
        mandate_ip_address=client_ip, mandate_user_agent=user_agent or "oracle-ledger",
        idempotency_key=f"pm-setup:{local_id}")
    pm = gateway.payment_method_retrieve(created["id"])
    fields = {**_local_fields(pm), "stripe_mandate_id": intent["mandate"] or ""}
    return StripePaymentMethod(pm["id"], pm["type"], fields)


def stripe_payment_method_detach(pm: PaymentMethod) -> None:
    gateway.payment_method_detach(pm.stripe_payment_method_id, idempotency_key=f"pm-detach:{pm.public_id}")
