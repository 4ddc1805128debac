"""PaymentIntents: create, confirm, cancel, update, retrieve, list; their charges and the ACH flow.

Cards settle at confirmation: a charge, a balance transaction with the card fee, or Stripe's
402 `card_error` for the declining test cards (the failed charge and the intent's
`last_payment_error` are kept). US bank accounts go `processing`; a SandboxTransition due four
business days later (`ach_settle` / `ach_fail`, run by the clock) settles or fails them by the
test account number; `000000000009` never settles."""

from __future__ import annotations

from typing import Any

from stripe_sandbox import clock, events, store, transitions
from stripe_sandbox.errors import StripeApiError, state
from stripe_sandbox.params import Params, merge_metadata
from stripe_sandbox.resources import balance, charges, testdata
from stripe_sandbox.resources.payment_methods import resolve
from stripe_sandbox.resources.setup_intents import active_mandate, mandate_from_params
from stripe_sandbox.router import SandboxRequest, route

CURRENCIES = ("usd", "eur", "gbp", "cad", "aud", "jpy", "chf", "sek", "nok", "dkk", "nzd", "sgd", "hkd", "mxn")
MINIMUMS = {"usd": 50, "eur": 50, "gbp": 30, "cad": 50, "aud": 50, "jpy": 50, "chf": 50, "mxn": 1000}
MAX_AMOUNT = 99_999_999
ACH_SETTLEMENT_BUSINESS_DAYS = 4
CANCELABLE = ("requires_payment_method", "requires_capture", "requires_confirmation", "requires_action")
CONFIRM_FIELDS = ("payment_method", "mandate", "mandate_data", "off_session", "return_url",
                  "payment_method_options", "receipt_email", "setup_future_usage", "payment_method_types")
CREATE_FIELDS = ("amount", "currency", "customer", "description", "metadata", "statement_descriptor",
                 "statement_descriptor_suffix", "capture_method", "confirm", "confirmation_method",
                 "automatic_payment_methods", "transfer_group", "on_behalf_of", "error_on_requires_action",
                 "use_stripe_sdk", *CONFIRM_FIELDS)


def _descriptor(p: Params, key: str, limit: int) -> str | None:
    value = p.string(key, nullable=True)
    if value and (len(value) > limit or any(c in value for c in "<>\\'\"")):
        raise StripeApiError(f"Invalid {key}: must be at most {limit} characters and may not contain <, >, \\, ', "
                             "or \".", param=key)
    return value or None


def _amount(p: Params, currency: str, required: bool) -> int | None:
    amount = p.integer("amount", required=required)
    if amount is None:
        return None
    minimum = MINIMUMS.get(currency, 50)
    if amount < minimum:
        raise StripeApiError(f"Amount must be at least {minimum} {currency} cents.", code="amount_too_small",
                             param="amount")
    if amount > MAX_AMOUNT:
        raise StripeApiError("Amount must be no more than $999,999.99", code="amount_too_large", param="amount")
    return amount


def _currency(p: Params) -> str:
    currency = p.string("currency", required=True).lower()
    if currency not in CURRENCIES:
        raise StripeApiError(f"Invalid currency: {currency}. Stripe currently supports these currencies: "
                             f"{', '.join(CURRENCIES)}", param="currency")
    return currency


def pi_object(*, amount: int, currency: str, customer: str | None, types: list[str] | None) -> dict[str, Any]:
    pi_id = store.new_id("pi")
    return {
        "id": pi_id, "object": "payment_intent", "amount": amount, "amount_capturable": 0,
        "amount_details": {"tip": {}}, "amount_received": 0, "application": None, "application_fee_amount": None,
        "automatic_payment_methods": None if types else {"allow_redirects": "always", "enabled": True},
        "canceled_at": None, "cancellation_reason": None, "capture_method": "automatic",
        "client_secret": store.secret(pi_id), "confirmation_method": "automatic", "created": clock.now(),
        "currency": currency, "customer": customer, "customer_account": None, "description": None,
        "excluded_payment_method_types": None, "last_payment_error": None, "latest_charge": None,
        "livemode": False, "managed_payments": None, "metadata": {}, "next_action": None, "on_behalf_of": None,
        "payment_method": None, "payment_method_configuration_details": None, "payment_method_options": {},
        "payment_method_types": types or ["card", "us_bank_account"], "processing": None, "receipt_email": None,
        "review": None, "setup_future_usage": None, "shipping": None, "source": None,
        "statement_descriptor": None, "statement_descriptor_suffix": None, "status": "requires_payment_method",
        "transfer_data": None, "transfer_group": None,
    }


def _set_payment_method(pi: dict[str, Any], p: Params, account: str | None) -> dict[str, Any] | None:
    pm_id = p.string("payment_method")
    if not pm_id:
        return None
    pm = resolve(pm_id, account=account)
    if pm["customer"] and pm["customer"] != pi["customer"]:
        raise StripeApiError("The provided PaymentMethod belongs to a different Customer than the one on this "
                             "PaymentIntent." if pi["customer"] else "The provided PaymentMethod is attached to a "
                             "Customer; pass that Customer's ID on the PaymentIntent.", param="payment_method")
    if pm["type"] not in pi["payment_method_types"]:
        raise StripeApiError(f"The provided PaymentMethod of type {pm['type']} does not match this "
                             "PaymentIntent's payment_method_types.", param="payment_method")
    pi["payment_method"] = pm["id"]
    pi["status"] = "requires_confirmation"
    return pm


@route("POST", r"/v1/payment_intents")
def payment_intent_create(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, CREATE_FIELDS)
    currency = _currency(p)
    pi = pi_object(amount=_amount(p, currency, required=True), currency=currency, customer=p.string("customer"),
                   types=p.string_list("payment_method_types"))
    if pi["customer"]:
        store.ref("customer", pi["customer"], account=req.stripe_account, param="customer")
    _apply_fields(pi, p)
    p.string("capture_method", choices=("automatic", "automatic_async"))
    p.string("confirmation_method", choices=("automatic", "manual"))
    auto = p.sub("automatic_payment_methods", ("enabled", "allow_redirects"))
    if auto is not None:
        pi["automatic_payment_methods"] = {"allow_redirects": auto.string("allow_redirects") or "always",
                                           "enabled": bool(auto.boolean("enabled"))}
    pm = _set_payment_method(pi, p, req.stripe_account)
    confirm = p.boolean("confirm")
    if not confirm and (p.has("mandate_data") or p.has("off_session")):
        param = "mandate_data" if p.has("mandate_data") else "off_session"
        raise StripeApiError(f"{param} can only be passed with confirm=true.", param=param)
    store.create(pi, account=req.stripe_account)
    events.emit("payment_intent.created", pi, account=req.stripe_account)
    if confirm:
        return _confirm(pi, pm, p, req.stripe_account)
    return pi


def _apply_fields(pi: dict[str, Any], p: Params) -> None:
    for key in ("description", "receipt_email", "transfer_group"):
        if p.has(key):
            pi[key] = p.string(key, nullable=True) or None
    if p.has("statement_descriptor"):
        pi["statement_descriptor"] = _descriptor(p, "statement_descriptor", 22)
    if p.has("statement_descriptor_suffix"):
        pi["statement_descriptor_suffix"] = _descriptor(p, "statement_descriptor_suffix", 22)
    if p.has("setup_future_usage"):
        pi["setup_future_usage"] = p.string("setup_future_usage", choices=("on_session", "off_session"),
                                            nullable=True) or None
    pi["metadata"] = merge_metadata(pi["metadata"], p.metadata())


@route("POST", r"/v1/payment_intents/(?P<pi_id>[^/]+)/confirm")
def payment_intent_confirm(req: SandboxRequest, pi_id: str) -> dict[str, Any]:
    p = Params(req.params, CONFIRM_FIELDS)
    pi = store.get("payment_intent", pi_id, account=req.stripe_account, for_update=True, label="payment_intent")
    if pi["status"] not in ("requires_payment_method", "requires_confirmation", "requires_action"):
        verb = "already succeeded after being previously confirmed" if pi["status"] == "succeeded" else \
            f"a status of {pi['status']}"
        raise state(f"You cannot confirm this PaymentIntent because it has {verb}.", payment_intent=pi)
    _apply_fields(pi, p)
    pm = _set_payment_method(pi, p, req.stripe_account)
    return _confirm(pi, pm, p, req.stripe_account)


def _confirm(pi: dict[str, Any], pm: dict[str, Any] | None, p: Params, account: str | None) -> dict[str, Any]:
    if pm is None and pi["payment_method"]:
        pm = store.get("payment_method", pi["payment_method"], account=account)
    if pm is None:
        raise StripeApiError("You cannot confirm this PaymentIntent because it's missing a payment method. To "
                             "confirm the PaymentIntent with a payment method, pass payment_method.",
                             code="payment_intent_unexpected_state", param="payment_method",
                             extra={"payment_intent": pi})
    p.boolean("off_session"), p.string("return_url"), p.raw("payment_method_options")
    if pm["type"] == "card":
        return _confirm_card(pi, pm, account)
    return _confirm_bank(pi, pm, p, account)


def _confirm_card(pi: dict[str, Any], pm: dict[str, Any], account: str | None) -> dict[str, Any]:
    charge = charges.charge_object(pi=pi, pm=pm, method_details=charges.card_method_details(pm, pi["amount"]))
    decline = testdata.decline_for(pm["card"]["fingerprint"])
    pi["latest_charge"] = charge["id"]
    if decline is None:
        fee = balance.card_fee(pi["amount"])
        txn = balance.balance_transaction_create(
            amount=pi["amount"], currency=pi["currency"], fee=fee, source=charge["id"], type="charge",
            reporting_category="charge", description=pi["description"],
            available_days=balance.CARD_AVAILABLE_AFTER_DAYS, account=account)
        charges.mark_succeeded(charge, txn["id"])
        pi.update(status="succeeded", amount_received=pi["amount"], last_payment_error=None)
        store.create(charge, account=account)
        store.save(pi)
        events.emit("charge.succeeded", charge, account=account)
        events.emit("payment_intent.succeeded", pi, account=account)
        return pi
    charges.mark_failed(charge, code=decline.code, message=decline.message, reason=decline.decline_code)
    error = StripeApiError(decline.message, type="card_error", code=decline.code, decline_code=decline.decline_code,
                           param=decline.param, http_status=402, persist=True)
    pi.update(status="requires_payment_method", payment_method=None,
              last_payment_error={**error.body()["error"], "charge": charge["id"], "payment_method": pm})
    store.create(charge, account=account)
    store.save(pi)
    events.emit("charge.failed", charge, account=account)
    events.emit("payment_intent.payment_failed", pi, account=account)
    error.extra = {"charge": charge["id"], "payment_intent": pi, "payment_method": pm}
    raise error


def _confirm_bank(pi: dict[str, Any], pm: dict[str, Any], p: Params, account: str | None) -> dict[str, Any]:
    if pi["currency"] != "usd":
        raise StripeApiError("us_bank_account payments must be in usd.", param="currency")
    mandate = _mandate(pm, p, account)
    charge = charges.charge_object(pi=pi, pm=pm, method_details=charges.bank_method_details(pm, mandate["id"]))
    charge["outcome"].update(network_status="approved_by_network", seller_message="Payment complete.")
    pi.update(status="processing", latest_charge=charge["id"], last_payment_error=None)
    store.create(charge, account=account)
    store.save(pi)
    events.emit("payment_intent.processing", pi, account=account)
    events.emit("charge.pending", charge, account=account)
    outcome = testdata.ach_outcome(pm["us_bank_account"]["fingerprint"])
    if outcome != "never":
        due = clock.timestamp(clock.add_business_days(clock.today(), ACH_SETTLEMENT_BUSINESS_DAYS))
        params = {"account": account, "charge": charge["id"]}
        if outcome is None:
            transitions.schedule("ach_settle", pi["id"], due, params)
        else:
            transitions.schedule("ach_fail", pi["id"], due, {**params, "failure_code": outcome})
    return pi


def _mandate(pm: dict[str, Any], p: Params, account: str | None) -> dict[str, Any]:
    mandate_id = p.string("mandate")
    if mandate_id:
        mandate = store.ref("mandate", mandate_id, account=account, param="mandate")
        if mandate["payment_method"] != pm["id"] or mandate["status"] != "active":
            raise StripeApiError(f"The mandate {mandate_id} is not active for this payment method.", param="mandate")
        return mandate
    if p.has("mandate_data"):
        return mandate_from_params(p, pm=pm, account=account)
    mandate = active_mandate(pm["id"], account=account)
    if mandate is None:
        raise StripeApiError("A mandate is required to debit a us_bank_account: pass mandate_data"
                             "[customer_acceptance] or a mandate from a SetupIntent.", code="parameter_missing",
                             param="mandate_data")
    return mandate


@transitions.transition("ach_settle")
def ach_settle(row) -> None:
    """The debit settled: the charge succeeds with a balance transaction (ACH fee), the intent too."""
    account = row.params.get("account")
    pi = store.get("payment_intent", row.object_id, account=account, for_update=True)
    charge = store.get("charge", row.params["charge"], account=account, for_update=True)
    if pi["status"] != "processing":
        return
    txn = balance.balance_transaction_create(
        amount=charge["amount"], currency=charge["currency"], fee=balance.ach_fee(charge["amount"]),
        source=charge["id"], type="charge", reporting_category="charge", description=balance.ACH_DESCRIPTION,
        available_days=balance.ACH_AVAILABLE_AFTER_DAYS, fee_description="ACH Direct Debit fee", account=account)
    charges.mark_succeeded(charge, txn["id"])
    pi.update(status="succeeded", amount_received=pi["amount"])
    store.save(charge)
    store.save(pi)
    events.emit("charge.succeeded", charge, account=account, previous_attributes={"status": "pending"})
    events.emit("payment_intent.succeeded", pi, account=account, previous_attributes={"status": "processing"})


@transitions.transition("ach_fail")
def ach_fail(row) -> None:
    """The debit came back (NACHA return): the charge fails with Stripe's code, the intent asks for
    another payment method; an unauthorized debit also deactivates the mandate."""
    account, code = row.params.get("account"), row.params["failure_code"]
    pi = store.get("payment_intent", row.object_id, account=account, for_update=True)
    charge = store.get("charge", row.params["charge"], account=account, for_update=True)
    if pi["status"] != "processing":
        return
    message = testdata.ACH_FAILURE_MESSAGES[code]
    charges.mark_failed(charge, code=code, message=message, reason=code, outcome_type="invalid")
    pm = store.get("payment_method", charge["payment_method"], account=account)
    pi.update(status="requires_payment_method", payment_method=None, last_payment_error={
        "type": "invalid_request_error", "code": code, "message": message, "charge": charge["id"],
        "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}", "payment_method": pm})
    store.save(charge)
    store.save(pi)
    mandate_id = charge["payment_method_details"]["us_bank_account"]["mandate"]
    if code == "debit_not_authorized" and mandate_id:
        mandate = store.get("mandate", mandate_id, account=account, for_update=True)
        mandate["status"] = "inactive"
        store.save(mandate)
        events.emit("mandate.updated", mandate, account=account, previous_attributes={"status": "active"})
    events.emit("charge.failed", charge, account=account, previous_attributes={"status": "pending"})
    events.emit("payment_intent.payment_failed", pi, account=account, previous_attributes={"status": "processing"})


@route("POST", r"/v1/payment_intents/(?P<pi_id>[^/]+)/cancel")
def payment_intent_cancel(req: SandboxRequest, pi_id: str) -> dict[str, Any]:
    p = Params(req.params, ("cancellation_reason",))
    reason = p.string("cancellation_reason", choices=("duplicate", "fraudulent", "requested_by_customer", "abandoned"))
    pi = store.get("payment_intent", pi_id, account=req.stripe_account, for_update=True, label="payment_intent")
    if pi["status"] not in CANCELABLE:
        raise state(f"You cannot cancel this PaymentIntent because it has a status of {pi['status']}. Only a "
                    f"PaymentIntent with one of the following statuses may be canceled: {', '.join(CANCELABLE)}.",
                    payment_intent=pi)
    pi.update(status="canceled", canceled_at=clock.now(), cancellation_reason=reason)
    store.save(pi)
    events.emit("payment_intent.canceled", pi, account=req.stripe_account)
    return pi


@route("POST", r"/v1/payment_intents/(?P<pi_id>[^/]+)")
def payment_intent_update(req: SandboxRequest, pi_id: str) -> dict[str, Any]:
    p = Params(req.params, ("amount", "currency", "customer", "description", "metadata", "payment_method",
                            "receipt_email", "statement_descriptor", "statement_descriptor_suffix",
                            "setup_future_usage", "transfer_group", "payment_method_types"))
    pi = store.get("payment_intent", pi_id, account=req.stripe_account, for_update=True, label="payment_intent")
    if pi["status"] in ("succeeded", "processing", "canceled"):
        raise state(f"You cannot update this PaymentIntent because it has a status of {pi['status']}.",
                    payment_intent=pi)
    if p.has("currency"):
        pi["currency"] = _currency(p)
    if p.has("amount"):
        pi["amount"] = _amount(p, pi["currency"], required=True)
    if p.has("customer"):
        pi["customer"] = store.ref("customer", p.string("customer"), account=req.stripe_account,
                                   param="customer")["id"]
    if p.has("payment_method_types"):
        pi["payment_method_types"] = p.string_list("payment_method_types")
    _apply_fields(pi, p)
    _set_payment_method(pi, p, req.stripe_account)
    return store.save(pi)


@route("GET", r"/v1/payment_intents/(?P<pi_id>[^/]+)")
def payment_intent_retrieve(req: SandboxRequest, pi_id: str) -> dict[str, Any]:
    Params(req.params, ("client_secret",))
    return store.get("payment_intent", pi_id, account=req.stripe_account, label="payment_intent")


@route("GET", r"/v1/payment_intents")
def payment_intent_list(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, (*store.LIST_PARAMS, "customer"))
    filters = {"data__customer": c} if (c := p.string("customer")) else {}
    rows = store.query("payment_intent", account=req.stripe_account, **filters)
    return store.list_page(p, rows, url="/v1/payment_intents", object_type="payment_intent",
                           account=req.stripe_account)
