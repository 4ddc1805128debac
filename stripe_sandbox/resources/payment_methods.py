"""PaymentMethods: cards (test tokens `tok_…`, `pm_card_…` ids, test numbers) and US bank
accounts (routing + account number); attach, detach, list by customer.

As in Stripe test mode, declining test cards create and attach fine and decline when charged
(DESIGN §9); the outcome follows the card's fingerprint (stripe_sandbox.resources.testdata)."""

from __future__ import annotations

from typing import Any

from stripe_sandbox import clock, events, store
from stripe_sandbox.errors import StripeApiError, not_found
from stripe_sandbox.params import Params, merge_metadata
from stripe_sandbox.resources import testdata
from stripe_sandbox.router import SandboxRequest, route

ADDRESS = ("city", "country", "line1", "line2", "postal_code", "state")
BILLING = ("address", "email", "name", "phone", "tax_id")


def _billing(p: Params | None) -> dict[str, Any]:
    address = p.sub("address", ADDRESS) if p else None
    return {
        "address": {k: (address.string(k, nullable=True) or None) if address else None for k in ADDRESS},
        "email": p.string("email", nullable=True) or None if p else None,
        "name": p.string("name", nullable=True) or None if p else None,
        "phone": p.string("phone", nullable=True) or None if p else None,
        "tax_id": p.string("tax_id", nullable=True) or None if p else None,
    }


def _base(pm_type: str, billing: dict[str, Any], metadata: dict[str, str], created: int) -> dict[str, Any]:
    return {"id": store.new_id("pm"), "object": "payment_method", "allow_redisplay": "unspecified",
            "billing_details": billing, "created": created, "customer": None, "customer_account": None,
            "livemode": False, "metadata": metadata, "type": pm_type}


def card_details(number: str, exp_month: int, exp_year: int) -> dict[str, Any]:
    brand, funding = testdata.brand(number)
    return {
        "brand": brand, "checks": {"address_line1_check": None, "address_postal_code_check": None,
                                   "cvc_check": "unchecked"},
        "country": "US", "display_brand": brand, "exp_month": exp_month, "exp_year": exp_year,
        "fingerprint": testdata.fingerprint("card", number), "funding": funding, "generated_from": None,
        "last4": number[-4:], "networks": {"available": [brand], "preferred": None},
        "regulated_status": "unregulated", "three_d_secure_usage": {"supported": True}, "wallet": None,
    }


def card_payment_method(number: str, *, billing: dict[str, Any] | None = None,
                        metadata: dict[str, str] | None = None, exp_month: int = 12,
                        exp_year: int | None = None) -> dict[str, Any]:
    year = exp_year or clock.today().year + 3
    pm = _base("card", billing or _billing(None), metadata or {}, clock.now())
    pm["card"] = card_details(number, exp_month, year)
    return pm


def _test_number(token: str, param: str) -> str:
    for prefix in ("tok_", "pm_card_"):
        if token.startswith(prefix) and token[len(prefix):] in testdata.TOKENS:
            return testdata.TOKENS[token[len(prefix):]]
    raise not_found("token", token, param)


def _card_from_params(card: Params) -> tuple[str, int | None, int | None]:
    token = card.string("token")
    if token:
        return _test_number(token, "card[token]"), None, None
    number = card.string("number", required=True).replace(" ", "")
    exp_month = card.integer("exp_month", required=True)
    exp_year = card.integer("exp_year", required=True)
    card.string("cvc")
    if not testdata.luhn_ok(number):
        raise StripeApiError("Your card number is incorrect.", type="card_error", code="incorrect_number",
                             param="card[number]", http_status=402)
    if not 1 <= exp_month <= 12:
        raise StripeApiError("Your card's expiration month is invalid.", type="card_error",
                             code="invalid_expiry_month", param="card[exp_month]", http_status=402)
    today = clock.today()
    if exp_year < 100:
        exp_year += 2000
    if (exp_year, exp_month) < (today.year, today.month):
        raise StripeApiError("Your card's expiration year is invalid.", type="card_error",
                             code="invalid_expiry_year", param="card[exp_year]", http_status=402)
    return number, exp_month, exp_year


def _bank_from_params(bank: Params, billing: dict[str, Any]) -> dict[str, Any]:
    routing = bank.string("routing_number", required=True)
    account = bank.string("account_number", required=True)
    holder_type = bank.string("account_holder_type", choices=("individual", "company")) or "individual"
    account_type = bank.string("account_type", choices=("checking", "savings")) or "checking"
    if not testdata.aba_ok(routing):
        raise StripeApiError("Invalid routing number", code="routing_number_invalid",
                             param="us_bank_account[routing_number]")
    if not (account.isdigit() and 4 <= len(account) <= 17):
        raise StripeApiError("Invalid account number: must be 4 to 17 digits", code="account_number_invalid",
                             param="us_bank_account[account_number]")
    if not billing["name"]:
        raise StripeApiError("Missing required param: billing_details[name].", code="parameter_missing",
                             param="billing_details[name]")
    return {"account_holder_type": holder_type, "account_type": account_type,
            "bank_name": "STRIPE TEST BANK" if routing == testdata.TEST_ROUTING else "US BANK",
            "financial_connections_account": None,
            "fingerprint": testdata.fingerprint("ach", routing, account), "last4": account[-4:],
            "networks": {"preferred": "ach", "supported": ["ach"]}, "routing_number": routing,
            "status_details": None}


@route("POST", r"/v1/payment_methods")
def payment_method_create(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, ("type", "card", "us_bank_account", "billing_details", "metadata", "allow_redisplay",
                            "customer", "payment_method"))
    pm_type = p.string("type", required=True, choices=("card", "us_bank_account"))
    billing = _billing(p.sub("billing_details", BILLING))
    metadata = merge_metadata({}, p.metadata())
    if pm_type == "card":
        card = p.sub("card", ("token", "number", "exp_month", "exp_year", "cvc"), required=True)
        number, exp_month, exp_year = _card_from_params(card)
        pm = card_payment_method(number, billing=billing, metadata=metadata,
                                 exp_month=exp_month or 12, exp_year=exp_year)
    else:
        bank = p.sub("us_bank_account", ("routing_number", "account_number", "account_holder_type",
                                         "account_type"), required=True)
        pm = _base("us_bank_account", billing, metadata, clock.now())
        pm["us_bank_account"] = _bank_from_params(bank, billing)
    pm["allow_redisplay"] = p.string("allow_redisplay", choices=("always", "limited", "unspecified")) or "unspecified"
    return store.create(pm, account=req.stripe_account)


def resolve(pm_id: str, *, account: str | None, param: str = "payment_method", for_update: bool = False) -> dict:
    """The PaymentMethod `pm_id`; Stripe's shortcut ids (`pm_card_visa`, …) make a new one."""
    if pm_id.startswith("pm_card_"):
        return store.create(card_payment_method(_test_number(pm_id, param)), account=account)
    return store.get("payment_method", pm_id, account=account, param=param, label="PaymentMethod",
                     for_update=for_update, http_status=404 if param == "id" else 400)


def attach(pm_id: str, customer_id: str, *, account: str | None, param: str = "customer") -> dict[str, Any]:
    customer = store.ref("customer", customer_id, account=account, param=param)
    pm = resolve(pm_id, account=account, param="payment_method" if param != "customer" else "id",
                 for_update=True)
    if pm["customer"] == customer["id"]:
        return pm
    if pm["customer"]:
        raise StripeApiError("The payment method you provided has already been attached to a customer.",
                             code="payment_method_unexpected_state", param="payment_method")
    pm["customer"] = customer["id"]
    store.save(pm)
    events.emit("payment_method.attached", pm, account=account)
    return pm


@route("GET", r"/v1/payment_methods/(?P<pm_id>[^/]+)")
def payment_method_retrieve(req: SandboxRequest, pm_id: str) -> dict[str, Any]:
    Params(req.params, ())
    return store.get("payment_method", pm_id, account=req.stripe_account, label="PaymentMethod")


@route("POST", r"/v1/payment_methods/(?P<pm_id>[^/]+)")
def payment_method_update(req: SandboxRequest, pm_id: str) -> dict[str, Any]:
    p = Params(req.params, ("billing_details", "metadata", "allow_redisplay", "card"))
    pm = store.get("payment_method", pm_id, account=req.stripe_account, for_update=True, label="PaymentMethod")
    if p.has("billing_details"):
        pm["billing_details"] = _billing(p.sub("billing_details", BILLING))
    card = p.sub("card", ("exp_month", "exp_year"))
    if card and pm["type"] == "card":
        pm["card"]["exp_month"] = card.integer("exp_month", minimum=1, maximum=12) or pm["card"]["exp_month"]
        pm["card"]["exp_year"] = card.integer("exp_year") or pm["card"]["exp_year"]
    pm["metadata"] = merge_metadata(pm["metadata"], p.metadata())
    store.save(pm)
    events.emit("payment_method.updated", pm, account=req.stripe_account)
    return pm


@route("POST", r"/v1/payment_methods/(?P<pm_id>[^/]+)/attach")
def payment_method_attach(req: SandboxRequest, pm_id: str) -> dict[str, Any]:
    p = Params(req.params, ("customer",))
    return attach(pm_id, p.string("customer", required=True), account=req.stripe_account)


@route("POST", r"/v1/payment_methods/(?P<pm_id>[^/]+)/detach")
def payment_method_detach(req: SandboxRequest, pm_id: str) -> dict[str, Any]:
    Params(req.params, ())
    pm = store.get("payment_method", pm_id, account=req.stripe_account, for_update=True, label="PaymentMethod")
    if not pm["customer"]:
        raise StripeApiError("The payment method you provided is not attached to a customer so detachment is "
                             "impossible.", code="payment_method_unexpected_state", param="payment_method")
    customer = store.get("customer", pm["customer"], account=req.stripe_account, for_update=True)
    if customer["invoice_settings"]["default_payment_method"] == pm_id:
        customer["invoice_settings"]["default_payment_method"] = None
        store.save(customer)
    previous = {"customer": pm["customer"]}
    pm["customer"] = None
    store.save(pm)
    events.emit("payment_method.detached", pm, account=req.stripe_account, previous_attributes=previous)
    return pm


def _list(req: SandboxRequest, p: Params, customer_id: str | None, url: str, in_url: bool = False) -> dict:
    filters = {}
    if customer_id:
        store.get("customer", customer_id, account=req.stripe_account, param="id" if in_url else "customer",
                  http_status=404 if in_url else 400)
        filters["data__customer"] = customer_id
    pm_type = p.string("type", choices=("card", "us_bank_account"))
    if pm_type:
        filters["data__type"] = pm_type
    rows = store.query("payment_method", account=req.stripe_account, **filters)
    return store.list_page(p, rows, url=url, object_type="payment_method", account=req.stripe_account)


@route("GET", r"/v1/payment_methods")
def payment_method_list(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, (*store.LIST_PARAMS, "customer", "type"))
    return _list(req, p, p.string("customer"), "/v1/payment_methods")


@route("GET", r"/v1/customers/(?P<customer_id>[^/]+)/payment_methods")
def customer_payment_method_list(req: SandboxRequest, customer_id: str) -> dict[str, Any]:
    p = Params(req.params, (*store.LIST_PARAMS, "type", "allow_redisplay"))
    return _list(req, p, customer_id, f"/v1/customers/{customer_id}/payment_methods", in_url=True)
