"""Transfers from the platform to connected accounts (`/v1/transfers`), and top-ups that fund the
platform (`/v1/topups`).

A transfer spends the platform's *available* balance (Stripe's `balance_insufficient` otherwise)
and lands at once, available, on the connected account as a payment (`destination_payment`,
`py_…`); each side gets its balance transaction. In Stripe's test mode a platform funds its
balance with the 4000000000000077 card (available at once) or a top-up from its bank; here a
top-up is available at once, and card charges count once their funds are available."""

from __future__ import annotations

import copy
from typing import Any

from stripe_sandbox import clock, events, store
from stripe_sandbox.errors import StripeApiError, not_found
from stripe_sandbox.params import Params, merge_metadata
from stripe_sandbox.resources import _funds
from stripe_sandbox.resources._connect_shapes import template
from stripe_sandbox.router import SandboxRequest, route

INSUFFICIENT = ("You have insufficient available funds in your Stripe account. Try adding funds directly to your "
                "available balance by creating a top-up (POST /v1/topups) or charging the 4000000000000077 test "
                "card. See: https://stripe.com/docs/testing#available-balance")
NOT_CAPABLE = ("Your destination account needs to have at least one of the following capabilities enabled: "
               "transfers, crypto_transfers, legacy_payments")


@route("POST", r"/v1/transfers")
def transfer_create(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, ("amount", "currency", "destination", "description", "metadata", "transfer_group",
                            "source_type"))
    if req.stripe_account:
        raise StripeApiError("Transfers to connected accounts are made by the platform: do not send Stripe-Account.",
                             param="destination")
    amount = p.integer("amount", required=True, minimum=1, maximum=99_999_999)
    currency = p.string("currency", required=True).lower()
    if currency != "usd":
        raise StripeApiError(f"Invalid currency: {currency}. The sandbox's platform settles in usd.", param="currency")
    destination_id = p.string("destination", required=True)
    destination = store.find(destination_id, object_type="account")
    if destination is None:
        raise not_found("destination", destination_id, "destination")
    if destination["capabilities"].get("transfers") != "active":
        raise StripeApiError(NOT_CAPABLE, code="insufficient_capabilities_for_transfer", param="destination")
    source_type = p.string("source_type", choices=("card", "bank_account")) or "card"
    _funds.lock_balance(None)
    _funds.require_available(None, currency, amount, message=INSUFFICIENT)

    transfer = template("transfer")
    transfer.update(
        id=store.new_id("tr"), amount=amount, amount_reversed=0, created=clock.now(), currency=currency,
        description=p.string("description", max_length=1000), destination=destination_id,
        destination_payment=store.new_id("py"), livemode=False, metadata=merge_metadata({}, p.metadata()),
        reversed=False, source_transaction=None, source_type=source_type,
        transfer_group=p.string("transfer_group", max_length=5000))
    transfer["reversals"]["url"] = f"/v1/transfers/{transfer['id']}/reversals"
    debit = _funds.balance_transaction(account=None, amount=-amount, currency=currency, type="transfer",
                                       reporting_category="transfer", source=transfer["id"],
                                       description=transfer["description"])
    _funds.balance_transaction(account=destination_id, amount=amount, currency=currency, type="payment",
                               reporting_category="charge", source=transfer["destination_payment"])
    transfer["balance_transaction"] = debit["id"]
    store.create(transfer)
    events.emit("transfer.created", transfer)
    return transfer


@route("GET", r"/v1/transfers/(?P<transfer_id>[^/]+)")
def transfer_retrieve(req: SandboxRequest, transfer_id: str) -> dict[str, Any]:
    Params(req.params, ())
    return store.get("transfer", transfer_id)


@route("POST", r"/v1/transfers/(?P<transfer_id>[^/]+)")
def transfer_update(req: SandboxRequest, transfer_id: str) -> dict[str, Any]:
    p = Params(req.params, ("description", "metadata"))
    transfer = store.get("transfer", transfer_id, for_update=True)
    before = copy.deepcopy(transfer)
    if p.has("description"):
        transfer["description"] = p.string("description", nullable=True, max_length=1000) or None
    transfer["metadata"] = merge_metadata(transfer["metadata"], p.metadata())
    store.save(transfer)
    changed = {k: v for k, v in before.items() if transfer[k] != v}
    if changed:
        events.emit("transfer.updated", transfer, previous_attributes=changed)
    return transfer


@route("GET", r"/v1/transfers")
def transfer_list(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, (*store.LIST_PARAMS, "destination", "transfer_group"))
    rows = store.query("transfer")
    if p.has("destination"):
        rows = rows.filter(data__destination=p.string("destination"))
    if p.has("transfer_group"):
        rows = rows.filter(data__transfer_group=p.string("transfer_group"))
    return store.list_page(p, rows, url="/v1/transfers", object_type="transfer")


@route("POST", r"/v1/topups")
def topup_create(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, ("amount", "currency", "description", "metadata", "statement_descriptor",
                            "transfer_group", "source"))
    amount = p.integer("amount", required=True, minimum=1, maximum=99_999_999)
    currency = p.string("currency", required=True).lower()
    if currency != "usd":
        raise StripeApiError(f"Invalid currency: {currency}. Top-ups are in usd.", param="currency")
    if p.has("source"):
        raise StripeApiError("The sandbox tops up from the platform's test bank account; do not send `source`.",
                             param="source")
    now = clock.now()
    topup = template("topup")
    topup.update(id=store.new_id("tu"), amount=amount, created=now, currency=currency, livemode=False,
                 description=p.string("description", max_length=1000), expected_availability_date=now,
                 failure_code=None, failure_message=None, metadata=merge_metadata({}, p.metadata()),
                 source=None, statement_descriptor=p.string("statement_descriptor", max_length=15),
                 status="succeeded", transfer_group=p.string("transfer_group"), initiated_by=None)
    txn = _funds.balance_transaction(account=req.stripe_account, amount=amount, currency=currency, type="topup",
                                     reporting_category="topup", source=topup["id"], description=topup["description"])
    topup["balance_transaction"] = txn["id"]
    store.create(topup, account=req.stripe_account)
    events.emit("topup.created", topup, account=req.stripe_account)
    events.emit("topup.succeeded", topup, account=req.stripe_account)
    return topup


@route("GET", r"/v1/topups/(?P<topup_id>[^/]+)")
def topup_retrieve(req: SandboxRequest, topup_id: str) -> dict[str, Any]:
    Params(req.params, ())
    return store.get("topup", topup_id, account=req.stripe_account)


@route("GET", r"/v1/topups")
def topup_list(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, (*store.LIST_PARAMS, "status", "amount"))
    rows = store.query("topup", account=req.stripe_account)
    if p.has("status"):
        rows = rows.filter(data__status=p.string("status", choices=("canceled", "failed", "pending", "succeeded")))
    return store.list_page(p, rows, url="/v1/topups", object_type="topup", account=req.stripe_account)
