"""Payouts from a connected account to its bank account (`/v1/payouts` with `Stripe-Account`).

A payout leaves the account's available balance at once (balance transaction `payout`), is
`pending` on its creation day, `in_transit` from the next day, and on `arrival_date` (two
business days later, midnight UTC) becomes `paid`, or `failed` with the failure code that
Stripe's test account number of the destination bank account produces (the money comes back as
a `payout_failure` balance transaction and the bank account turns `errored`). Only a pending
payout can be canceled (`payout_cancel` gives the money back). Each payout costs the platform
the standard payout fee (DESIGN §9) as a `stripe_fee` balance transaction on the platform."""

from __future__ import annotations

import copy
import datetime as dt
import secrets
from typing import Any

from stripe_sandbox import clock, events, store, transitions
from stripe_sandbox.errors import StripeApiError
from stripe_sandbox.models import SandboxTransition
from stripe_sandbox.params import Params, merge_metadata
from stripe_sandbox.resources import _funds, external_accounts
from stripe_sandbox.resources._connect_shapes import template
from stripe_sandbox.resources.accounts import connected
from stripe_sandbox.router import SandboxRequest, route

IN_TRANSIT = "payout_in_transit"
ARRIVE = "payout_arrive"
BUSINESS_DAYS = 2
FAILURE_MESSAGES = {
    "no_account": "The bank account details on file are probably incorrect. No bank account could be located "
                  "with those details.",
    "account_closed": "The bank account has been closed.",
    "insufficient_funds": "Your Stripe account has insufficient funds to cover the payout.",
    "debit_not_authorized": "Debit transactions are not approved on the bank account. (Stripe requires bank "
                            "accounts to be set up for both credit and debit payouts.)",
    "invalid_currency": "The bank was unable to process this payout because of its currency. This is probably "
                        "because the bank account cannot accept payments in that currency.",
}
INSUFFICIENT = ("You have insufficient funds in your Stripe account for this transfer. Your card balance is too low. "
                "You can use the /v1/balance endpoint to view your Stripe balance (for more details, see "
                "stripe.com/docs/api#balance).")


def _account_of(req: SandboxRequest) -> dict[str, Any]:
    if not req.stripe_account:
        raise StripeApiError("The sandbox pays out connected accounts only: send the Stripe-Account header naming "
                             "the connected account.", param="stripe_account")
    return connected(req.stripe_account)


@route("POST", r"/v1/payouts")
def payout_create(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, ("amount", "currency", "description", "destination", "metadata", "method",
                            "source_type", "statement_descriptor"))
    account = _account_of(req)
    amount = p.integer("amount", required=True, minimum=1, maximum=99_999_999)
    currency = p.string("currency", required=True).lower()
    method = p.string("method", choices=("standard", "instant")) or "standard"
    if method == "instant":
        raise StripeApiError("Instant Payouts are not supported for this bank account; use method=standard.",
                             code="instant_payouts_unsupported", param="method")
    if not account["payouts_enabled"]:
        raise StripeApiError("Payouts have been disabled on the connected account. Check the connected account's "
                             "status to see if any additional information needs to be provided.",
                             code="payouts_not_allowed")
    bank = _destination(account["id"], p.string("destination"), currency)
    _funds.lock_balance(account["id"])
    _funds.require_available(account["id"], currency, amount, message=INSUFFICIENT)

    now = clock.now()
    payout = template("payout")
    payout.update(
        id=store.new_id("po"), amount=amount, application_fee=None, application_fee_amount=None,
        arrival_date=clock.timestamp(clock.add_business_days(clock.today(), BUSINESS_DAYS)), automatic=False,
        created=now, currency=currency, description=p.string("description", max_length=1000),
        destination=bank["id"], failure_balance_transaction=None, failure_code=None, failure_message=None,
        livemode=False, metadata=merge_metadata({}, p.metadata()), method="standard", original_payout=None,
        reconciliation_status="not_applicable", reversed_by=None,
        source_type=p.string("source_type", choices=("bank_account", "card", "fpx")) or "card",
        statement_descriptor=p.string("statement_descriptor", max_length=22), status="pending",
        type="bank_account", trace_id={"status": "pending", "value": None}, payout_method=None)
    txn = _funds.balance_transaction(account=account["id"], amount=-amount, currency=currency, type="payout",
                                     reporting_category="payout", source=payout["id"],
                                     description=payout["description"] or "STRIPE PAYOUT")
    payout["balance_transaction"] = txn["id"]
    _funds.balance_transaction(account=None, amount=-_funds.PAYOUT_FEE, currency=currency, type="stripe_fee",
                               reporting_category="fee", source=payout["id"],
                               description=f"Payout fee ({payout['id']} on {account['id']})")
    store.create(payout, account=account["id"])
    tomorrow = clock.timestamp(clock.today() + dt.timedelta(days=1))
    transitions.schedule(IN_TRANSIT, payout["id"], due_at=tomorrow, params={"account": account["id"]})
    transitions.schedule(ARRIVE, payout["id"], due_at=payout["arrival_date"], params={"account": account["id"]})
    events.emit("payout.created", payout, account=account["id"])
    return payout


def _destination(account_id: str, destination: str | None, currency: str) -> dict[str, Any]:
    if destination:
        bank = store.find(destination, account=account_id, object_type="bank_account")
        if bank is None:
            raise StripeApiError(f"No such external account: '{destination}'", code="resource_missing",
                                 param="destination", http_status=404)
    else:
        bank = external_accounts.default_for(account_id, currency)
        if bank is None:
            raise StripeApiError(f"This account has no default external account for currency {currency}.",
                                 param="currency")
    if bank["currency"] != currency:
        raise StripeApiError(f"The bank account {bank['id']} takes {bank['currency']}, not {currency}.", param="currency")
    return bank


@route("GET", r"/v1/payouts/(?P<payout_id>[^/]+)")
def payout_retrieve(req: SandboxRequest, payout_id: str) -> dict[str, Any]:
    Params(req.params, ())
    return store.get("payout", payout_id, account=_account_of(req)["id"])


@route("POST", r"/v1/payouts/(?P<payout_id>[^/]+)")
def payout_update(req: SandboxRequest, payout_id: str) -> dict[str, Any]:
    p = Params(req.params, ("metadata",))
    account_id = _account_of(req)["id"]
    payout = store.get("payout", payout_id, account=account_id, for_update=True)
    before = copy.deepcopy(payout)
    payout["metadata"] = merge_metadata(payout["metadata"], p.metadata())
    if payout != before:
        store.save(payout)
        events.emit("payout.updated", payout, account=account_id, previous_attributes={"metadata": before["metadata"]})
    return payout


@route("GET", r"/v1/payouts")
def payout_list(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, (*store.LIST_PARAMS, "status", "destination", "arrival_date"))
    account_id = _account_of(req)["id"]
    rows = store.query("payout", account=account_id)
    if p.has("status"):
        rows = rows.filter(data__status=p.string("status", choices=("pending", "paid", "failed", "canceled",
                                                                    "in_transit")))
    if p.has("destination"):
        rows = rows.filter(data__destination=p.string("destination"))
    if p.has("arrival_date"):
        rows = rows.filter(data__arrival_date=p.integer("arrival_date"))
    return store.list_page(p, rows, url="/v1/payouts", object_type="payout", account=account_id)


@route("POST", r"/v1/payouts/(?P<payout_id>[^/]+)/cancel")
def payout_cancel(req: SandboxRequest, payout_id: str) -> dict[str, Any]:
    Params(req.params, ("expand",))
    account_id = _account_of(req)["id"]
    payout = store.get("payout", payout_id, account=account_id, for_update=True)
    if payout["status"] != "pending":
        raise StripeApiError(f"This payout is {payout['status']}: only a pending payout can be canceled.",
                             param="payout")
    before = copy.deepcopy(payout)
    back = _funds.balance_transaction(account=account_id, amount=payout["amount"], currency=payout["currency"],
                                      type="payout_cancel", reporting_category="payout_reversal", source=payout_id,
                                      description=f"Payout {payout_id} canceled")
    payout.update(status="canceled", failure_balance_transaction=back["id"],
                  trace_id={"status": "unsupported", "value": None})
    store.save(payout)
    events.emit("payout.canceled", payout, account=account_id)
    events.emit("payout.updated", payout, account=account_id, previous_attributes=_changed(before, payout))
    return payout


def _changed(before: dict, after: dict) -> dict:
    return {k: v for k, v in before.items() if after.get(k) != v}


def _locked(row: SandboxTransition) -> tuple[dict[str, Any], str]:
    account_id = row.params["account"]
    return store.get("payout", row.object_id, account=account_id, for_update=True), account_id


@transitions.transition(IN_TRANSIT)
def _in_transit(row: SandboxTransition) -> None:
    payout, account_id = _locked(row)
    if payout["status"] != "pending":
        return  # canceled meanwhile
    before = copy.deepcopy(payout)
    payout["status"] = "in_transit"
    store.save(payout)
    events.emit("payout.updated", payout, account=account_id, previous_attributes=_changed(before, payout))


@transitions.transition(ARRIVE)
def _arrive(row: SandboxTransition) -> None:
    payout, account_id = _locked(row)
    if payout["status"] not in ("pending", "in_transit"):
        return
    before = copy.deepcopy(payout)
    bank = store.find(payout["destination"], account=account_id, object_type="bank_account", include_deleted=True)
    code = external_accounts.payout_failure_code(bank) if bank else "no_account"
    if code is None:
        payout.update(status="paid", trace_id={"status": "supported", "value": _trace_number()})
        store.save(payout)
        events.emit("payout.updated", payout, account=account_id, previous_attributes=_changed(before, payout))
        events.emit("payout.paid", payout, account=account_id)
        return
    back = _funds.balance_transaction(account=account_id, amount=payout["amount"], currency=payout["currency"],
                                      type="payout_failure", reporting_category="payout_reversal",
                                      source=payout["id"], description=f"Payout {payout['id']} failed: {code}")
    payout.update(status="failed", failure_code=code, failure_message=FAILURE_MESSAGES[code],
                  failure_balance_transaction=back["id"], trace_id={"status": "unsupported", "value": None})
    store.save(payout)
    external_accounts.mark_errored(payout["destination"], account_id)
    events.emit("payout.updated", payout, account=account_id, previous_attributes=_changed(before, payout))
    events.emit("payout.failed", payout, account=account_id)


def _trace_number() -> str:
    # An ACH trace number: the ODFI's 8-digit routing prefix and a 7-digit sequence.
    return "11000000" + f"{secrets.randbelow(10**7):07d}"
