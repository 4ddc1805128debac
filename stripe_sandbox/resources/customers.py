"""Customers: create, retrieve, update, delete, list (filter by email)."""

from __future__ import annotations

from typing import Any

from stripe_sandbox import clock, events, store
from stripe_sandbox.errors import StripeApiError
from stripe_sandbox.params import Params, merge_metadata
from stripe_sandbox.router import SandboxRequest, route

ADDRESS = ("city", "country", "line1", "line2", "postal_code", "state")
FIELDS = ("address", "description", "email", "metadata", "name", "phone", "preferred_locales", "shipping",
          "tax_exempt", "invoice_settings", "payment_method")


def _address(p: Params | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {k: p.string(k, max_length=5000) for k in ADDRESS}


def _fields(p: Params) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, limit in (("description", 350), ("email", 512), ("name", 256), ("phone", 20)):
        if p.has(key):
            values[key] = p.string(key, max_length=limit, nullable=True) or None
    if values.get("email") and "@" not in values["email"]:
        raise StripeApiError(f"Invalid email address: {values['email']}", code="email_invalid", param="email")
    if p.has("address"):
        values["address"] = _address(p.sub("address", ADDRESS))
    if p.has("shipping"):
        shipping = p.sub("shipping", ("address", "name", "phone"))
        values["shipping"] = None if shipping is None else {
            "address": _address(shipping.sub("address", ADDRESS, required=True)),
            "name": shipping.string("name", required=True), "phone": shipping.string("phone")}
    if p.has("preferred_locales"):
        values["preferred_locales"] = p.string_list("preferred_locales")
    if p.has("tax_exempt"):
        values["tax_exempt"] = p.string("tax_exempt", choices=("none", "exempt", "reverse"))
    return values


def customer_object(*, customer_id: str, created: int) -> dict[str, Any]:
    return {
        "id": customer_id, "object": "customer",
        "address": None, "balance": 0, "created": created, "currency": None, "default_source": None,
        "delinquent": False, "description": None, "discount": None, "email": None,
        "invoice_prefix": customer_id[-8:].upper(),
        "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None,
                             "rendering_options": None},
        "livemode": False, "metadata": {}, "name": None, "next_invoice_sequence": 1, "phone": None,
        "preferred_locales": [], "shipping": None, "tax_exempt": "none", "test_clock": None,
    }


def _default_payment_method(customer: dict[str, Any], p: Params, account: str | None) -> None:
    settings_ = p.sub("invoice_settings", ("default_payment_method", "custom_fields", "footer"))
    if settings_ is None:
        return
    pm_id = settings_.string("default_payment_method", nullable=True)
    if pm_id:
        pm = store.ref("payment_method", pm_id, account=account, label="PaymentMethod",
                       param="invoice_settings[default_payment_method]")
        if pm["customer"] != customer["id"]:
            raise StripeApiError(
                f"No such PaymentMethod: '{pm_id}'; The payment method must be attached to the customer.",
                code="resource_missing", param="invoice_settings[default_payment_method]")
    customer["invoice_settings"]["default_payment_method"] = pm_id or None
    if settings_.has("footer"):
        customer["invoice_settings"]["footer"] = settings_.string("footer", nullable=True) or None


@route("POST", r"/v1/customers")
def customer_create(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, FIELDS)
    customer = customer_object(customer_id=store.new_id("cus"), created=clock.now())
    customer.update(_fields(p))
    customer["metadata"] = merge_metadata({}, p.metadata())
    store.create(customer, account=req.stripe_account)
    pm_id = p.string("payment_method")
    if pm_id:
        from stripe_sandbox.resources.payment_methods import attach

        attach(pm_id, customer["id"], account=req.stripe_account, param="payment_method")
    _default_payment_method(customer, p, req.stripe_account)
    store.save(customer)
    events.emit("customer.created", customer, account=req.stripe_account)
    return customer


@route("GET", r"/v1/customers/(?P<customer_id>[^/]+)")
def customer_retrieve(req: SandboxRequest, customer_id: str) -> dict[str, Any]:
    Params(req.params, ())
    found = store.find(customer_id, account=req.stripe_account, object_type="customer", include_deleted=True)
    if found is None:
        store.get("customer", customer_id, account=req.stripe_account)
    if store.find(customer_id, account=req.stripe_account, object_type="customer") is None:
        return {"id": customer_id, "object": "customer", "deleted": True}
    return found


@route("POST", r"/v1/customers/(?P<customer_id>[^/]+)")
def customer_update(req: SandboxRequest, customer_id: str) -> dict[str, Any]:
    p = Params(req.params, tuple(f for f in FIELDS if f != "payment_method"))
    customer = store.get("customer", customer_id, account=req.stripe_account, for_update=True)
    before = dict(customer)
    customer.update(_fields(p))
    customer["metadata"] = merge_metadata(customer["metadata"], p.metadata())
    _default_payment_method(customer, p, req.stripe_account)
    store.save(customer)
    changed = {k: before[k] for k in customer if before.get(k) != customer[k]}
    events.emit("customer.updated", customer, account=req.stripe_account, previous_attributes=changed)
    return customer


@route("DELETE", r"/v1/customers/(?P<customer_id>[^/]+)")
def customer_delete(req: SandboxRequest, customer_id: str) -> dict[str, Any]:
    Params(req.params, ())
    customer = store.get("customer", customer_id, account=req.stripe_account, for_update=True)
    store.mark_deleted(customer_id)
    events.emit("customer.deleted", customer, account=req.stripe_account)
    return {"id": customer_id, "object": "customer", "deleted": True}


@route("GET", r"/v1/customers")
def customer_list(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, (*store.LIST_PARAMS, "email", "test_clock"))
    filters = {}
    email = p.string("email", max_length=512)
    if email:
        filters["data__email"] = email
    rows = store.query("customer", account=req.stripe_account, **filters)
    return store.list_page(p, rows, url="/v1/customers", object_type="customer", account=req.stripe_account)
