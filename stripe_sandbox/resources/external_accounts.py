"""External bank accounts of connected accounts: `/v1/accounts/{id}/external_accounts`.

The account number is never kept: the object shows `last4`, and `fingerprint` is an HMAC of
routing and account number (keyed by SECRET_KEY, so it cannot be reversed by trying every number).
A payout's outcome is found by comparing that fingerprint with the fingerprints of Stripe's test
account numbers, which is all the sandbox needs to remember."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import re
from functools import cache
from typing import Any

from django.conf import settings

from stripe_sandbox import events, store
from stripe_sandbox.errors import StripeApiError, invalid, missing
from stripe_sandbox.params import Params, merge_metadata
from stripe_sandbox.resources._connect_shapes import template
from stripe_sandbox.router import route

TEST_ROUTING = "110000000"
# Stripe's Connect test account numbers (docs: connect/testing, "Bank account numbers") and the
# payout failure code each one produces; None pays out.
PAYOUT_OUTCOMES: dict[str, str | None] = {
    "000123456789": None,
    "000111111116": "no_account",
    "000111111113": "account_closed",
    "000222222227": "insufficient_funds",
    "000333333335": "debit_not_authorized",
    "000444444440": "invalid_currency",
    # Stripe documents this one for ACH debits ("stays processing"); for payouts it has no special
    # meaning in Stripe's docs, so payouts to it pay out normally.
    "000000000009": None,
}
# Stripe's bank-account test tokens, equivalent to the numbers above.
TEST_TOKENS = {
    "btok_us_verified": "000123456789",
    "btok_us_verified_noAccount": "000111111116",
    "btok_us_verified_accountClosed": "000111111113",
    "btok_us_verified_insufficientFunds": "000222222227",
    "btok_us_verified_debitNotAuthorized": "000333333335",
    "btok_us_verified_invalidCurrency": "000444444440",
}
TEST_NUMBER_MESSAGE = ("You must use a test bank account number in test mode. Try 000123456789 or see more "
                       "options at https://stripe.com/docs/connect/testing#account-numbers.")
_BANK_KEYS = ("object", "country", "currency", "routing_number", "account_number", "account_holder_name",
              "account_holder_type", "account_type", "metadata", "default_for_currency")


def aba_valid(routing: str) -> bool:
    if not re.fullmatch(r"\d{9}", routing):
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(routing, weights, strict=True)) % 10 == 0


def fingerprint(routing: str, number: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"bank:{routing}:{number}".encode(), hashlib.sha256).digest()
    return re.sub(r"[^A-Za-z0-9]", "", base64.b64encode(digest).decode())[:16]


@cache
def _outcomes_by_fingerprint() -> dict[str, str | None]:
    return {fingerprint(TEST_ROUTING, number): code for number, code in PAYOUT_OUTCOMES.items()}


def payout_failure_code(bank_account: dict) -> str | None:
    return _outcomes_by_fingerprint().get(bank_account["fingerprint"])


def default_for(account_id: str, currency: str) -> dict[str, Any] | None:
    row = store.query("bank_account", account=account_id, data__currency=currency,
                      data__default_for_currency=True).first()
    return row.data if row else None


def attach(account: dict, value: Any, *, param: str, replace_default: bool,
           make_default: bool | None = None) -> dict[str, Any]:
    """Create a bank account on `account` from a `btok_…` test token or a `bank_account` hash.
    Through the account's own `external_account` parameter it becomes the default for its currency
    and the previous default is deleted, as Stripe documents."""
    bank = _build(account["id"], value, param=param)
    current = default_for(account["id"], bank["currency"])
    bank["default_for_currency"] = bool(replace_default or make_default or current is None)
    if bank["default_for_currency"] and current is not None:
        if replace_default:
            store.mark_deleted(current["id"])
        else:
            current["default_for_currency"] = False
            store.save(current)
    store.create(bank, account=account["id"])
    return bank


def _build(account_id: str, value: Any, *, param: str) -> dict[str, Any]:
    if isinstance(value, str):
        if value not in TEST_TOKENS:
            raise StripeApiError(f"No such token: '{value}'", code="resource_missing", param=param,
                                 http_status=400)
        fields = {"country": "US", "currency": "usd", "routing_number": TEST_ROUTING,
                  "account_number": TEST_TOKENS[value], "account_holder_type": "individual"}
        p = Params(fields, _BANK_KEYS, param)
    else:
        p = Params(value, _BANK_KEYS, param)
        if p.string("object", required=True) != "bank_account":
            raise invalid(p.name("object"), "Invalid external_account object: must be `bank_account` (the sandbox "
                                            "does not take debit cards as external accounts).")
    country = p.string("country", required=True).upper()
    if country != "US":
        raise invalid(p.name("country"), f"The sandbox supports US bank accounts only, not {country}.")
    currency = p.string("currency", required=True).lower()
    if currency != "usd":
        raise invalid(p.name("currency"), f"Currency {currency} is not supported for bank accounts in US; use usd.")
    routing = p.string("routing_number", required=True)
    if not aba_valid(routing):
        raise invalid(p.name("routing_number"), f"Routing number {routing} is not a valid US routing number.",
                      code="routing_number_invalid")
    number = p.string("account_number", required=True)
    if not re.fullmatch(r"\d{4,17}", number):
        raise invalid(p.name("account_number"), "The account number must be 4 to 17 digits.",
                      code="account_number_invalid")
    if number not in PAYOUT_OUTCOMES:
        raise invalid(p.name("account_number"), TEST_NUMBER_MESSAGE, code="account_number_invalid")
    bank = template("bank_account")
    bank.update(
        id=store.new_id("ba"), account=account_id, country="US", currency="usd", routing_number=routing,
        last4=number[-4:], fingerprint=fingerprint(routing, number), status="new", customer=None,
        bank_name="STRIPE TEST BANK" if routing == TEST_ROUTING else None, metadata=p.metadata() or {},
        account_holder_name=p.string("account_holder_name", max_length=200) or None,
        account_holder_type=p.string("account_holder_type", choices=("individual", "company")),
        account_type=p.string("account_type", choices=("checking", "savings")),
        available_payout_methods=["standard"], default_for_currency=False,
    )
    return bank


def _account(account_id: str) -> dict[str, Any]:
    return store.get("account", account_id, for_update=True)


@route("POST", r"/v1/accounts/(?P<account_id>[^/]+)/external_accounts")
def external_account_create(req, account_id: str) -> dict[str, Any]:
    from stripe_sandbox.resources import accounts

    p = Params(req.params, ("external_account", "default_for_currency", "metadata", "expand"))
    account = _account(account_id)
    if not p.has("external_account"):
        raise missing("external_account")
    bank = attach(account, p.raw("external_account"), param="external_account", replace_default=False,
                  make_default=p.boolean("default_for_currency"))
    if p.has("metadata"):
        bank["metadata"] = p.metadata() or {}
        store.save(bank)
    events.emit("account.external_account.created", bank, account=account_id)
    accounts.refresh(account_id)
    return bank


@route("GET", r"/v1/accounts/(?P<account_id>[^/]+)/external_accounts/(?P<ba_id>[^/]+)")
def external_account_retrieve(req, account_id: str, ba_id: str) -> dict[str, Any]:
    Params(req.params, ("expand",))
    store.get("account", account_id)
    return store.get("bank_account", ba_id, account=account_id, label="external account")


@route("GET", r"/v1/accounts/(?P<account_id>[^/]+)/external_accounts")
def external_account_list(req, account_id: str) -> dict[str, Any]:
    p = Params(req.params, (*store.LIST_PARAMS, "object", "expand"))
    store.get("account", account_id)
    if p.has("object"):
        p.string("object", choices=("bank_account", "card"))
    rows = store.query("bank_account", account=account_id)
    if p.string("object") == "card":
        rows = rows.none()
    return store.list_page(p, rows, url=f"/v1/accounts/{account_id}/external_accounts",
                           object_type="bank_account", account=account_id)


@route("POST", r"/v1/accounts/(?P<account_id>[^/]+)/external_accounts/(?P<ba_id>[^/]+)")
def external_account_update(req, account_id: str, ba_id: str) -> dict[str, Any]:
    from stripe_sandbox.resources import accounts

    p = Params(req.params, ("default_for_currency", "account_holder_name", "account_holder_type", "metadata",
                            "expand"))
    _account(account_id)
    bank = store.get("bank_account", ba_id, account=account_id, for_update=True, label="external account")
    before = copy.deepcopy(bank)
    if p.has("account_holder_name"):
        bank["account_holder_name"] = p.string("account_holder_name", nullable=True, max_length=200) or None
    if p.has("account_holder_type"):
        bank["account_holder_type"] = p.string("account_holder_type", choices=("individual", "company"))
    bank["metadata"] = merge_metadata(bank["metadata"], p.metadata())
    make_default = p.boolean("default_for_currency")
    if make_default is False and bank["default_for_currency"]:
        raise invalid("default_for_currency", "You cannot unset the default external account for a currency; make "
                                              "another account the default instead.")
    if make_default and not bank["default_for_currency"]:
        current = default_for(account_id, bank["currency"])
        if current is not None:
            current["default_for_currency"] = False
            store.save(current)
        bank["default_for_currency"] = True
    store.save(bank)
    if bank != before:
        changed = {k: v for k, v in before.items() if bank.get(k) != v}
        events.emit("account.external_account.updated", bank, account=account_id, previous_attributes=changed)
        accounts.refresh(account_id)
    return bank


@route("DELETE", r"/v1/accounts/(?P<account_id>[^/]+)/external_accounts/(?P<ba_id>[^/]+)")
def external_account_delete(req, account_id: str, ba_id: str) -> dict[str, Any]:
    from stripe_sandbox.resources import accounts

    Params(req.params, ())
    _account(account_id)
    bank = store.get("bank_account", ba_id, account=account_id, for_update=True, label="external account")
    if bank["default_for_currency"]:
        raise StripeApiError(
            "You cannot delete the default external account for your default currency. Please make another "
            "external account the default using the `default_for_currency` param, and then delete this one.",
            param="id")
    store.mark_deleted(ba_id)
    events.emit("account.external_account.deleted", bank, account=account_id)
    accounts.refresh(account_id)
    return {"id": ba_id, "object": "bank_account", "deleted": True}


def mark_errored(bank_id: str, account_id: str) -> None:
    """Stripe sets a bank account to `errored` when a payout to it fails."""
    bank = store.find(bank_id, account=account_id, object_type="bank_account", for_update=True)
    if bank is None or bank["status"] == "errored":
        return
    bank["status"] = "errored"
    store.save(bank)
    events.emit("account.external_account.updated", bank, account=account_id,
                previous_attributes={"status": "new"})
