"""SetupIntents (save a payment method for later) and the mandates US bank account debits need.

A `us_bank_account` SetupIntent confirmed with `mandate_data` (online: ip_address and
user_agent; or offline) succeeds at once with an active multi-use mandate: the sandbox treats the
account as verified (Stripe would verify through Financial Connections or microdeposits)."""

from __future__ import annotations

from typing import Any

from stripe_sandbox import clock, events, store
from stripe_sandbox.errors import StripeApiError
from stripe_sandbox.params import Params, merge_metadata
from stripe_sandbox.resources.payment_methods import attach, resolve
from stripe_sandbox.router import SandboxRequest, route

TYPES = ("card", "us_bank_account")
SI_FIELDS = ("customer", "payment_method", "payment_method_types", "confirm", "usage", "mandate_data", "metadata",
             "description", "payment_method_options", "return_url", "automatic_payment_methods", "flow_directions")


def mandate_from_params(p: Params, *, pm: dict[str, Any], account: str | None,
                        param: str = "mandate_data") -> dict[str, Any]:
    """Create the mandate described by `mandate_data[customer_acceptance]` for a bank account PM."""
    data = p.sub(param, ("customer_acceptance",), required=True)
    acceptance = data.sub("customer_acceptance", ("type", "accepted_at", "online", "offline"), required=True)
    kind = acceptance.string("type", required=True, choices=("online", "offline"))
    accepted_at = acceptance.integer("accepted_at") or clock.now()
    online = None
    if kind == "online":
        online_p = acceptance.sub("online", ("ip_address", "user_agent"), required=True)
        online = {"ip_address": online_p.string("ip_address", required=True),
                  "user_agent": online_p.string("user_agent", required=True)}
    else:
        acceptance.sub("offline", ())
    return mandate_create(pm=pm, account=account, acceptance={
        "accepted_at": accepted_at, "type": kind, **({"online": online} if online else {"offline": {}})})


def mandate_create(*, pm: dict[str, Any], account: str | None, acceptance: dict[str, Any]) -> dict[str, Any]:
    mandate = {
        "id": store.new_id("mandate"), "object": "mandate", "customer_acceptance": acceptance, "livemode": False,
        "multi_use": {}, "payment_method": pm["id"],
        "payment_method_details": {"type": "us_bank_account", "us_bank_account": {"collection_method": "paper"
                                   if acceptance["type"] == "offline" else None}},
        "status": "active", "type": "multi_use",
    }
    return store.create(mandate, account=account)


def active_mandate(pm_id: str, *, account: str | None) -> dict[str, Any] | None:
    row = store.query("mandate", account=account, data__payment_method=pm_id, data__status="active").first()
    return row.data if row else None


@route("GET", r"/v1/mandates/(?P<mandate_id>[^/]+)")
def mandate_retrieve(req: SandboxRequest, mandate_id: str) -> dict[str, Any]:
    Params(req.params, ())
    return store.get("mandate", mandate_id, account=req.stripe_account)


def _types(p: Params) -> list[str]:
    types = p.string_list("payment_method_types") or ["card"]
    for i, t in enumerate(types):
        if t not in TYPES:
            raise StripeApiError(f"The payment method type \"{t}\" is invalid. Please ensure the provided type is "
                                 "activated in your dashboard.", param=f"payment_method_types[{i}]")
    return types


def setup_intent_object(*, customer: str | None, types: list[str], usage: str, description: str | None,
                        metadata: dict[str, str]) -> dict[str, Any]:
    si_id = store.new_id("seti")
    return {
        "id": si_id, "object": "setup_intent", "application": None, "automatic_payment_methods": None,
        "cancellation_reason": None, "client_secret": store.secret(si_id), "created": clock.now(),
        "customer": customer, "description": description, "excluded_payment_method_types": None,
        "flow_directions": None, "last_setup_error": None, "latest_attempt": None, "livemode": False,
        "mandate": None, "metadata": metadata, "next_action": None, "on_behalf_of": None, "payment_method": None,
        "payment_method_configuration_details": None, "payment_method_options": {},
        "payment_method_types": types, "single_use_mandate": None, "status": "requires_payment_method",
        "usage": usage,
    }


def _confirm(si: dict[str, Any], p: Params, account: str | None) -> None:
    if not si["payment_method"]:
        raise StripeApiError("You cannot confirm this SetupIntent because it's missing a payment method. Update "
                             "the SetupIntent with a payment method and then confirm it again.",
                             code="setup_intent_unexpected_state")
    pm = store.get("payment_method", si["payment_method"], account=account)
    if pm["type"] not in si["payment_method_types"]:
        raise StripeApiError(f"The provided PaymentMethod of type {pm['type']} is not allowed by this "
                             "SetupIntent's payment_method_types.", param="payment_method")
    if pm["type"] == "us_bank_account":
        if not p.has("mandate_data"):
            raise StripeApiError("A mandate is required to set up a us_bank_account payment method: pass "
                                 "mandate_data[customer_acceptance].", code="parameter_missing",
                                 param="mandate_data")
        si["mandate"] = mandate_from_params(p, pm=pm, account=account)["id"]
    if si["customer"]:
        attach(pm["id"], si["customer"], account=account)
    si["status"] = "succeeded"


@route("POST", r"/v1/setup_intents")
def setup_intent_create(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, SI_FIELDS)
    customer = p.string("customer")
    if customer:
        store.ref("customer", customer, account=req.stripe_account, param="customer")
    si = setup_intent_object(customer=customer, types=_types(p),
                             usage=p.string("usage", choices=("on_session", "off_session")) or "off_session",
                             description=p.string("description"), metadata=merge_metadata({}, p.metadata()))
    pm_id = p.string("payment_method")
    if pm_id:
        si["payment_method"] = resolve(pm_id, account=req.stripe_account)["id"]
        si["status"] = "requires_confirmation"
    store.create(si, account=req.stripe_account)
    events.emit("setup_intent.created", si, account=req.stripe_account)
    if p.boolean("confirm"):
        _confirm(si, p, req.stripe_account)
        store.save(si)
        events.emit("setup_intent.succeeded", si, account=req.stripe_account)
    elif p.has("mandate_data"):
        raise StripeApiError("mandate_data can only be passed with confirm=true.", param="mandate_data")
    return si


@route("POST", r"/v1/setup_intents/(?P<si_id>[^/]+)/confirm")
def setup_intent_confirm(req: SandboxRequest, si_id: str) -> dict[str, Any]:
    p = Params(req.params, ("payment_method", "mandate_data", "return_url", "payment_method_options"))
    si = store.get("setup_intent", si_id, account=req.stripe_account, for_update=True, label="setupintent")
    if si["status"] not in ("requires_payment_method", "requires_confirmation"):
        raise StripeApiError(f"You cannot confirm this SetupIntent because it has a status of {si['status']}.",
                             code="setup_intent_unexpected_state", extra={"setup_intent": si})
    pm_id = p.string("payment_method")
    if pm_id:
        si["payment_method"] = resolve(pm_id, account=req.stripe_account)["id"]
    _confirm(si, p, req.stripe_account)
    store.save(si)
    events.emit("setup_intent.succeeded", si, account=req.stripe_account)
    return si


@route("POST", r"/v1/setup_intents/(?P<si_id>[^/]+)/cancel")
def setup_intent_cancel(req: SandboxRequest, si_id: str) -> dict[str, Any]:
    p = Params(req.params, ("cancellation_reason",))
    si = store.get("setup_intent", si_id, account=req.stripe_account, for_update=True, label="setupintent")
    if si["status"] in ("succeeded", "canceled"):
        raise StripeApiError(f"You cannot cancel this SetupIntent because it has a status of {si['status']}.",
                             code="setup_intent_unexpected_state", extra={"setup_intent": si})
    si["status"] = "canceled"
    si["cancellation_reason"] = p.string("cancellation_reason",
                                         choices=("abandoned", "duplicate", "requested_by_customer"))
    store.save(si)
    events.emit("setup_intent.canceled", si, account=req.stripe_account)
    return si


@route("GET", r"/v1/setup_intents/(?P<si_id>[^/]+)")
def setup_intent_retrieve(req: SandboxRequest, si_id: str) -> dict[str, Any]:
    Params(req.params, ("client_secret",))
    return store.get("setup_intent", si_id, account=req.stripe_account, label="setupintent")


@route("GET", r"/v1/setup_intents")
def setup_intent_list(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, (*store.LIST_PARAMS, "customer", "payment_method"))
    filters = {f"data__{k}": v for k in ("customer", "payment_method") if (v := p.string(k))}
    rows = store.query("setup_intent", account=req.stripe_account, **filters)
    return store.list_page(p, rows, url="/v1/setup_intents", object_type="setup_intent", account=req.stripe_account)
