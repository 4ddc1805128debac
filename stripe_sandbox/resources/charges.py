"""Charges (made by PaymentIntents): retrieve, update, list."""

from __future__ import annotations

from typing import Any

from stripe_sandbox import clock, store
from stripe_sandbox.params import Params, merge_metadata
from stripe_sandbox.router import SandboxRequest, route


def card_method_details(pm: dict[str, Any], amount: int) -> dict[str, Any]:
    card = pm["card"]
    return {"type": "card", "card": {
        "amount_authorized": amount, "authorization_code": None, "brand": card["brand"], "checks": card["checks"],
        "country": card["country"], "exp_month": card["exp_month"], "exp_year": card["exp_year"],
        "extended_authorization": {"status": "disabled"}, "fingerprint": card["fingerprint"],
        "funding": card["funding"], "incremental_authorization": {"status": "unavailable"}, "installments": None,
        "last4": card["last4"], "mandate": None, "multicapture": {"status": "unavailable"},
        "network": card["brand"], "network_token": {"used": False}, "network_transaction_id": None,
        "overcapture": {"maximum_amount_capturable": amount, "status": "unavailable"},
        "regulated_status": card["regulated_status"], "three_d_secure": None, "transaction_link_id": None,
        "wallet": None}}


def bank_method_details(pm: dict[str, Any], mandate_id: str | None) -> dict[str, Any]:
    bank = pm["us_bank_account"]
    return {"type": "us_bank_account", "us_bank_account": {
        "account_holder_type": bank["account_holder_type"], "account_type": bank["account_type"],
        "bank_name": bank["bank_name"], "fingerprint": bank["fingerprint"], "last4": bank["last4"],
        "mandate": mandate_id, "payment_reference": None, "routing_number": bank["routing_number"]}}


def charge_object(*, pi: dict[str, Any], pm: dict[str, Any], method_details: dict[str, Any]) -> dict[str, Any]:
    charge_id = store.new_id("ch")
    return {
        "id": charge_id, "object": "charge", "amount": pi["amount"], "amount_captured": 0, "amount_refunded": 0,
        "application": None, "application_fee": None, "application_fee_amount": None, "balance_transaction": None,
        "billing_details": pm["billing_details"], "calculated_statement_descriptor": (
            pi["statement_descriptor"] or "ORACLE-LEDGER").upper()[:22],
        "captured": False, "created": clock.now(), "currency": pi["currency"], "customer": pi["customer"],
        "description": pi["description"], "disputed": False, "failure_balance_transaction": None,
        "failure_code": None, "failure_message": None, "fraud_details": {}, "livemode": False,
        "metadata": dict(pi["metadata"]), "on_behalf_of": None,
        "outcome": {"advice_code": None, "network_advice_code": None, "network_decline_code": None,
                    "network_status": None, "reason": None, "seller_message": None, "type": "authorized"},
        "paid": False, "payment_intent": pi["id"], "payment_method": pm["id"],
        "payment_method_details": method_details, "receipt_email": pi["receipt_email"], "receipt_number": None,
        "receipt_url": f"https://pay.stripe.com/receipts/sandbox/{charge_id}", "refunded": False,
        "refunds": {"object": "list", "data": [], "has_more": False, "url": f"/v1/charges/{charge_id}/refunds"},
        "review": None, "shipping": None, "source": None, "source_transfer": None,
        "statement_descriptor": pi["statement_descriptor"],
        "statement_descriptor_suffix": pi["statement_descriptor_suffix"], "status": "pending",
        "transfer_data": None, "transfer_group": pi["transfer_group"],
    }


def mark_succeeded(charge: dict[str, Any], balance_transaction_id: str | None) -> None:
    charge.update(status="succeeded", paid=True, captured=True, amount_captured=charge["amount"],
                  balance_transaction=balance_transaction_id)
    charge["outcome"].update(network_status="approved_by_network", seller_message="Payment complete.",
                             type="authorized")


def mark_failed(charge: dict[str, Any], *, code: str, message: str, reason: str | None,
                outcome_type: str = "issuer_declined") -> None:
    charge.update(status="failed", paid=False, captured=False, failure_code=code, failure_message=message)
    charge["outcome"].update(network_status="declined_by_network", reason=reason, type=outcome_type,
                             seller_message="The bank did not return any further details with this decline.")


@route("GET", r"/v1/charges/(?P<charge_id>[^/]+)")
def charge_retrieve(req: SandboxRequest, charge_id: str) -> dict[str, Any]:
    Params(req.params, ())
    return store.get("charge", charge_id, account=req.stripe_account)


@route("POST", r"/v1/charges/(?P<charge_id>[^/]+)")
def charge_update(req: SandboxRequest, charge_id: str) -> dict[str, Any]:
    p = Params(req.params, ("description", "metadata", "receipt_email"))
    charge = store.get("charge", charge_id, account=req.stripe_account, for_update=True)
    for key in ("description", "receipt_email"):
        if p.has(key):
            charge[key] = p.string(key, nullable=True) or None
    charge["metadata"] = merge_metadata(charge["metadata"], p.metadata())
    return store.save(charge)


@route("GET", r"/v1/charges")
def charge_list(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, (*store.LIST_PARAMS, "customer", "payment_intent", "transfer_group"))
    filters = {f"data__{k}": v for k in ("customer", "payment_intent", "transfer_group") if (v := p.string(k))}
    rows = store.query("charge", account=req.stripe_account, **filters)
    return store.list_page(p, rows, url="/v1/charges", object_type="charge", account=req.stripe_account)
