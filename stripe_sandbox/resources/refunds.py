"""Refunds: partial and repeated, never above what the charge captured (the charge row is locked,
so concurrent refunds serialise). Events `refund.created` and `charge.refunded`; the test helper
`/fail` turns a succeeded refund into a failed one later, as a closed card does at Stripe
(`refund.updated` and `refund.failed`)."""

from __future__ import annotations

from typing import Any

from stripe_sandbox import clock, events, store
from stripe_sandbox.errors import StripeApiError
from stripe_sandbox.params import Params, merge_metadata
from stripe_sandbox.resources import balance
from stripe_sandbox.router import SandboxRequest, route

REASONS = ("duplicate", "fraudulent", "requested_by_customer")


def _charge_for(p: Params, account: str | None) -> dict[str, Any]:
    charge_id, pi_id = p.string("charge"), p.string("payment_intent")
    if charge_id and pi_id:
        raise StripeApiError("You may only specify one of these parameters: charge, payment_intent.",
                             code="parameters_exclusive", param="payment_intent")
    if pi_id:
        pi = store.ref("payment_intent", pi_id, account=account, param="payment_intent", label="payment_intent")
        if pi["status"] != "succeeded" or not pi["latest_charge"]:
            raise StripeApiError(f"This PaymentIntent ({pi_id}) does not have a successful charge to refund.",
                                 code="charge_not_refundable" if pi["latest_charge"] else None,
                                 param="payment_intent")
        charge_id = pi["latest_charge"]
    if not charge_id:
        raise StripeApiError("One of the following params should be provided for this request: payment_intent or "
                             "charge.", code="parameter_missing", param="charge")
    return store.ref("charge", charge_id, account=account, param="charge", for_update=True)


def _fmt(cents: int) -> str:
    return f"${cents / 100:,.2f}"


@route("POST", r"/v1/refunds")
def refund_create(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, ("charge", "payment_intent", "amount", "reason", "metadata", "instructions_email",
                            "refund_application_fee", "reverse_transfer"))
    charge = _charge_for(p, req.stripe_account)
    if charge["status"] != "succeeded":
        raise StripeApiError(f"Charge {charge['id']} cannot be refunded: its status is {charge['status']}.",
                             code="charge_not_refundable", param="charge")
    remaining = charge["amount_captured"] - charge["amount_refunded"]
    if remaining <= 0:
        raise StripeApiError(f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded",
                             param="charge")
    amount = p.integer("amount", minimum=1)
    if amount is None:
        amount = remaining
    if amount > remaining:
        raise StripeApiError(f"Refund amount ({_fmt(amount)}) is greater than unrefunded amount on charge "
                             f"({_fmt(remaining)})", code="amount_too_large", param="amount")
    refund = _refund_object(charge, amount, p)
    _apply(charge, refund, req.stripe_account)
    return refund


def _refund_object(charge: dict[str, Any], amount: int, p: Params) -> dict[str, Any]:
    method_type = charge["payment_method_details"]["type"]
    return {
        "id": store.new_id("re"), "object": "refund", "amount": amount, "balance_transaction": None,
        "charge": charge["id"], "created": clock.now(), "currency": charge["currency"],
        "customer": charge["customer"], "customer_account": None,
        "destination_details": {"type": method_type,
                                method_type: {"type": "refund"} if method_type == "card" else {}},
        "metadata": merge_metadata({}, p.metadata()), "payment_intent": charge["payment_intent"],
        "payment_method": charge["payment_method"], "reason": p.string("reason", choices=REASONS),
        "receipt_number": None, "source_transfer_reversal": None, "status": "succeeded",
        "transfer_reversal": None,
    }


def _apply(charge: dict[str, Any], refund: dict[str, Any], account: str | None) -> None:
    txn = balance.balance_transaction_create(
        amount=-refund["amount"], currency=refund["currency"], fee=0, source=refund["id"], type="refund",
        reporting_category="refund", description="REFUND FOR CHARGE", available_days=0, account=account)
    refund["balance_transaction"] = txn["id"]
    store.create(refund, account=account)
    previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
    charge["amount_refunded"] += refund["amount"]
    charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
    charge["refunds"]["data"].insert(0, refund)
    charge["refunds"]["data"] = charge["refunds"]["data"][:10]
    store.save(charge)
    events.emit("refund.created", refund, account=account)
    events.emit("charge.refunded", charge, account=account, previous_attributes=previous)


@route("GET", r"/v1/refunds/(?P<refund_id>[^/]+)")
def refund_retrieve(req: SandboxRequest, refund_id: str) -> dict[str, Any]:
    Params(req.params, ())
    return store.get("refund", refund_id, account=req.stripe_account)


@route("POST", r"/v1/refunds/(?P<refund_id>[^/]+)")
def refund_update(req: SandboxRequest, refund_id: str) -> dict[str, Any]:
    p = Params(req.params, ("metadata",))
    refund = store.get("refund", refund_id, account=req.stripe_account, for_update=True)
    refund["metadata"] = merge_metadata(refund["metadata"], p.metadata())
    return store.save(refund)


FAILURE_REASONS = ("expired_or_canceled_card", "lost_or_stolen_card", "unknown")


@route("POST", r"/v1/test_helpers/refunds/(?P<refund_id>[^/]+)/fail")
def refund_fail(req: SandboxRequest, refund_id: str) -> dict[str, Any]:
    """The money comes back to the balance and the charge's amount is refundable again."""
    p = Params(req.params, ("failure_reason",))
    refund = store.get("refund", refund_id, account=req.stripe_account, for_update=True)
    if refund["status"] != "succeeded":
        raise StripeApiError(f"Only a succeeded refund can fail; this one is {refund['status']}.",
                             code="refund_not_failable", param="refund")
    charge = store.get("charge", refund["charge"], account=req.stripe_account, for_update=True)
    txn = balance.balance_transaction_create(
        amount=refund["amount"], currency=refund["currency"], fee=0, source=refund["id"], type="refund_failure",
        reporting_category="refund_failure", description="REFUND FAILURE", available_days=0,
        account=req.stripe_account)
    refund.update(status="failed", failure_balance_transaction=txn["id"],
                  failure_reason=p.string("failure_reason", choices=FAILURE_REASONS) or "expired_or_canceled_card")
    store.save(refund)
    charge["amount_refunded"] -= refund["amount"]
    charge["refunded"] = False
    charge["refunds"]["data"] = [refund if r["id"] == refund["id"] else r for r in charge["refunds"]["data"]]
    store.save(charge)
    events.emit("refund.updated", refund, account=req.stripe_account, previous_attributes={"status": "succeeded"})
    events.emit("refund.failed", refund, account=req.stripe_account, previous_attributes={"status": "succeeded"})
    return refund


@route("GET", r"/v1/refunds")
def refund_list(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, (*store.LIST_PARAMS, "charge", "payment_intent"))
    filters = {f"data__{k}": v for k in ("charge", "payment_intent") if (v := p.string(k))}
    rows = store.query("refund", account=req.stripe_account, **filters)
    return store.list_page(p, rows, url="/v1/refunds", object_type="refund", account=req.stripe_account)


@route("GET", r"/v1/charges/(?P<charge_id>[^/]+)/refunds")
def charge_refund_list(req: SandboxRequest, charge_id: str) -> dict[str, Any]:
    p = Params(req.params, store.LIST_PARAMS)
    store.get("charge", charge_id, account=req.stripe_account)
    rows = store.query("refund", account=req.stripe_account, data__charge=charge_id)
    return store.list_page(p, rows, url=f"/v1/charges/{charge_id}/refunds", object_type="refund",
                           account=req.stripe_account)
