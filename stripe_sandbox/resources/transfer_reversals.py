"""Transfer reversals (`/v1/transfers/{id}/reversals`): money goes back from the connected account
to the platform, e.g. net pay whose payout failed. A reversal takes the connected account's
available balance (Stripe's `balance_insufficient` otherwise) and never more than the transfer
has left; the transfer row is locked, so concurrent reversals cannot exceed it."""

from __future__ import annotations

import copy
from typing import Any

from stripe_sandbox import clock, events, store
from stripe_sandbox.errors import StripeApiError
from stripe_sandbox.params import Params, merge_metadata
from stripe_sandbox.resources import _funds
from stripe_sandbox.resources._connect_shapes import template
from stripe_sandbox.router import SandboxRequest, route

OBJECT = "transfer_reversal"
_TRANSFER = r"/v1/transfers/(?P<transfer_id>[^/]+)/reversals"
INSUFFICIENT = ("Insufficient funds in the connected account's available balance to reverse this transfer "
                "(it may have been paid out).")


@route("POST", _TRANSFER)
def transfer_reversal_create(req: SandboxRequest, transfer_id: str) -> dict[str, Any]:
    p = Params(req.params, ("amount", "description", "metadata", "refund_application_fee"))
    transfer = store.get("transfer", transfer_id, for_update=True)
    remaining = transfer["amount"] - transfer["amount_reversed"]
    amount = p.integer("amount", minimum=1)
    amount = remaining if amount is None else amount
    if amount > remaining or remaining == 0:
        raise StripeApiError(f"Transfer {transfer_id} has {remaining} left to reverse; {amount} requested.",
                             param="amount")
    p.boolean("refund_application_fee")
    destination = transfer["destination"]
    _funds.lock_balance(destination)
    _funds.require_available(destination, transfer["currency"], amount, message=INSUFFICIENT)

    reversal = template(OBJECT)
    reversal.update(id=store.new_id("trr"), amount=amount, created=clock.now(), currency=transfer["currency"],
                    destination_payment_refund=store.new_id("pyr"), metadata=merge_metadata({}, p.metadata()),
                    source_refund=None, transfer=transfer_id)
    back = _funds.balance_transaction(account=None, amount=amount, currency=transfer["currency"],
                                      type="transfer_refund", reporting_category="transfer_reversal",
                                      source=reversal["id"], description=p.string("description"))
    _funds.balance_transaction(account=destination, amount=-amount, currency=transfer["currency"],
                               type="payment_refund", reporting_category="refund",
                               source=reversal["destination_payment_refund"])
    reversal["balance_transaction"] = back["id"]
    store.create(reversal)

    before = copy.deepcopy(transfer)
    transfer["amount_reversed"] += amount
    transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
    rows = store.query(OBJECT, data__transfer=transfer_id)
    transfer["reversals"].update(data=[row.data for row in rows[:10]], has_more=rows.count() > 10)
    store.save(transfer)
    events.emit("transfer.reversed", transfer,
                previous_attributes={k: v for k, v in before.items() if transfer[k] != v})
    return reversal


@route("GET", _TRANSFER)
def transfer_reversal_list(req: SandboxRequest, transfer_id: str) -> dict[str, Any]:
    p = Params(req.params, store.LIST_PARAMS)
    store.get("transfer", transfer_id)
    return store.list_page(p, store.query(OBJECT, data__transfer=transfer_id),
                           url=f"/v1/transfers/{transfer_id}/reversals", object_type=OBJECT)


@route("GET", _TRANSFER + r"/(?P<reversal_id>[^/]+)")
def transfer_reversal_retrieve(req: SandboxRequest, transfer_id: str, reversal_id: str) -> dict[str, Any]:
    Params(req.params, ())
    reversal = store.get(OBJECT, reversal_id, label="transfer reversal")
    if reversal["transfer"] != transfer_id:
        raise StripeApiError(f"No such transfer reversal: '{reversal_id}'", code="resource_missing",
                             param="id", http_status=404)
    return reversal
