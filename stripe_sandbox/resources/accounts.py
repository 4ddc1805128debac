"""Connect custom accounts: `/v1/accounts` create, retrieve, update, list (DESIGN §6, §9).

An account owes what `account_rules` says until it is complete; its identity then verifies by
Stripe's test dates of birth. Every change after creation is an `account.updated` event carrying
`previous_attributes`, as Stripe sends it to Connect webhook endpoints."""

from __future__ import annotations

import copy
import ipaddress
import re
from typing import Any

from stripe_sandbox import DB, clock, events, store, transitions
from stripe_sandbox.errors import StripeApiError, invalid, missing
from stripe_sandbox.models import SandboxObject, SandboxTransition
from stripe_sandbox.params import Params, merge_metadata
from stripe_sandbox.resources import account_rules, external_accounts, persons
from stripe_sandbox.resources._connect_shapes import template
from stripe_sandbox.router import SandboxRequest, route

VERIFY = "account_verify"
CAPABILITIES = ("transfers", "card_payments")
_PROFILE_KEYS = ("mcc", "url", "product_description", "name", "support_email", "support_phone", "support_url")
_COMMON = ("email", "business_type", "individual", "capabilities", "tos_acceptance", "external_account",
           "metadata", "business_profile", "default_currency", "expand")


@route("POST", r"/v1/accounts")
def account_create(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, ("type", "country", *_COMMON))
    kind = p.string("type", required=True, choices=("custom", "express", "standard"))
    if kind != "custom":
        raise invalid("type", "The sandbox creates Connect accounts of type `custom` only: express and "
                              "standard accounts onboard through Stripe-hosted pages.")
    country = (p.string("country") or "US").upper()
    if country != "US":
        raise invalid("country", f"The sandbox supports connected accounts in the US only, not {country}.")
    if not p.has("capabilities"):
        raise missing("capabilities")
    now = clock.now()
    account = template("account")
    account.update(id=store.new_id("acct"), type="custom", country=country, created=now,
                   controller={"type": "application"}, email=None, metadata={}, default_currency="usd",
                   capabilities={}, business_type=None)
    account["external_accounts"]["url"] = f"/v1/accounts/{account['id']}/external_accounts"
    account["settings"]["payouts"]["schedule"] = {"delay_days": 2, "interval": "manual"}
    account["settings"]["dashboard"]["display_name"] = None
    account["business_profile"]["support_address"] = None
    store.create(account)
    _apply(account, p, now=now)
    return commit(account, previous=None)


@route("POST", r"/v1/accounts/(?P<account_id>[^/]+)")
def account_update(req: SandboxRequest, account_id: str) -> dict[str, Any]:
    p = Params(req.params, _COMMON)
    account = store.get("account", account_id, for_update=True)
    before = copy.deepcopy(account)
    _apply(account, p, now=clock.now())
    return commit(account, previous=before)


@route("GET", r"/v1/accounts/(?P<account_id>[^/]+)")
def account_retrieve(req: SandboxRequest, account_id: str) -> dict[str, Any]:
    Params(req.params, ("expand",))
    return store.get("account", account_id)


@route("DELETE", r"/v1/accounts/(?P<account_id>[^/]+)")
def account_delete(req: SandboxRequest, account_id: str) -> dict[str, Any]:
    """Test-mode accounts can be deleted at any time (Stripe); its person and bank accounts go with
    it. Payouts already under way still complete."""
    Params(req.params, ())
    store.get("account", account_id, for_update=True)
    for row in SandboxObject.objects.using(DB).filter(account=account_id, object__in=("person", "bank_account")):
        store.mark_deleted(row.id)
    store.mark_deleted(account_id)
    return {"id": account_id, "object": "account", "deleted": True}


@route("GET", r"/v1/accounts")
def account_list(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, (*store.LIST_PARAMS, "expand"))
    return store.list_page(p, store.query("account"), url="/v1/accounts", object_type="account")


def refresh(account_id: str) -> dict[str, Any]:
    """Re-evaluate an account after something it depends on changed (its external accounts, its
    person, the clock). Emits `account.updated` when anything moved."""
    account = store.get("account", account_id, for_update=True)
    before = copy.deepcopy(account)
    return commit(account, previous=before)


@transitions.transition(VERIFY)
def _verify_when_due(transition) -> None:
    if store.find(transition.object_id, object_type="account") is not None:  # not deleted meanwhile
        refresh(transition.object_id)


def commit(account: dict, *, previous: dict | None) -> dict[str, Any]:
    now = clock.now()
    banks = store.query("bank_account", account=account["id"])
    account["external_accounts"].update(data=[row.data for row in banks[:10]], has_more=banks.count() > 10)
    account_rules.evaluate(account, now=now)
    if account.get("individual"):
        store.save(account["individual"])
    store.save(account)
    if account_rules.identity_status(account, now=now) == "pending":
        _schedule_verification(account)
    if previous is not None:
        changed = previous_attributes(previous, account)
        if changed:
            events.emit("account.updated", account, account=account["id"], previous_attributes=changed)
    return account


def _schedule_verification(account: dict) -> None:
    already = SandboxTransition.objects.using(DB).filter(
        kind=VERIFY, object_id=account["id"], status=SandboxTransition.Status.PENDING).exists()
    if not already:
        transitions.schedule(VERIFY, account["id"], due_at=account_rules.verification_due_at(account))


def previous_attributes(before: Any, after: Any) -> dict | None:
    """The changed parts of `before` (Stripe's `data.previous_attributes`): nested hashes narrow down
    to what changed inside them; anything else is given whole."""
    diff = {}
    for key, old in before.items():
        new = after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict) and old.get("object") != "list":
            diff[key] = previous_attributes(old, new) or {}
        else:
            diff[key] = old
    for key in after.keys() - before.keys():
        diff[key] = None
    return diff


def _apply(account: dict, p: Params, *, now: int) -> None:
    if p.has("email"):
        account["email"] = persons.email(p, "email")
    if p.has("business_type"):
        _business_type(account, p)
    if p.has("individual"):
        _individual(account, p)
    if p.has("capabilities"):
        _capabilities(account, p)
    if p.has("tos_acceptance"):
        _tos(account, p, now=now)
    if p.has("business_profile"):
        _profile(account, p)
    if p.has("default_currency"):
        p.string("default_currency", choices=("usd",))
    account["metadata"] = merge_metadata(account["metadata"], p.metadata())
    if p.has("external_account"):
        external_accounts.attach(account, p.raw("external_account"), param="external_account", replace_default=True)


def _business_type(account: dict, p: Params) -> None:
    value = p.string("business_type", choices=("individual", "company", "non_profit", "government_entity"))
    if value != "individual":
        raise invalid("business_type", "The sandbox supports business_type `individual` only (direct-deposit "
                                       "recipients are people).")
    if account.get("business_type") == "individual":
        return
    account["business_type"] = "individual"
    person = template("person")
    person.update(id=store.new_id("person"), account=account["id"], created=account["created"],
                  email=None, phone=None, address=persons.blank_address(), ssn_last_4_provided=False,
                  id_number_provided=False)
    person["relationship"].update(representative=True, title=None)
    store.create(person, account=account["id"])
    account["individual"] = person


def _individual(account: dict, p: Params) -> None:
    if account.get("business_type") != "individual":
        raise invalid("individual", "You can only provide `individual` when `business_type` is `individual`.")
    ind = p.sub("individual", persons.INDIVIDUAL_KEYS)
    if ind is None:
        return
    persons.person_update(account["individual"], ind)


def _capabilities(account: dict, p: Params) -> None:
    caps = p.sub("capabilities", CAPABILITIES, required=True)
    requested = dict.fromkeys(account["capabilities"], True)
    for name in CAPABILITIES:
        one = caps.sub(name, ("requested",)) if caps.has(name) else None
        if one is not None and one.has("requested"):
            requested[name] = one.boolean("requested")
    wanted = [name for name in CAPABILITIES if requested.get(name)]
    if not wanted:
        raise invalid("capabilities", "You must request at least one capability for a custom account "
                                      "(e.g. capabilities[transfers][requested]=true).")
    if "card_payments" in wanted and "transfers" not in wanted:
        raise invalid("capabilities[card_payments]", "The `card_payments` capability cannot be requested "
                                                     "without the `transfers` capability.")
    account["capabilities"] = {name: account["capabilities"].get(name, "inactive") for name in wanted}


def _tos(account: dict, p: Params, *, now: int) -> None:
    tos = p.sub("tos_acceptance", ("date", "ip", "user_agent", "service_agreement"))
    if tos is None:
        return
    if tos.has("date"):
        date = tos.integer("date", minimum=0)
        if date > now + 300:
            raise invalid(tos.name("date"), "The terms of service acceptance date cannot be in the future.")
        account["tos_acceptance"]["date"] = date
    if tos.has("ip"):
        ip = tos.string("ip")
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise invalid(tos.name("ip"), f"Invalid IP address: {ip}") from None
        account["tos_acceptance"]["ip"] = ip
    if tos.has("user_agent"):
        account["tos_acceptance"]["user_agent"] = tos.string("user_agent", max_length=5000)
    if tos.has("service_agreement"):
        tos.string("service_agreement", choices=("full",))


def _profile(account: dict, p: Params) -> None:
    prof = p.sub("business_profile", _PROFILE_KEYS)
    if prof is None:
        return
    if prof.has("mcc") and not re.fullmatch(r"\d{4}", prof.string("mcc") or ""):
        raise invalid(prof.name("mcc"), "Invalid MCC: it must be a 4-digit merchant category code.")
    if prof.has("url") and not re.match(r"^https?://[^\s/]+\.[^\s]+$", prof.string("url") or ""):
        raise invalid(prof.name("url"), "Not a valid URL", code="url_invalid")
    for key in _PROFILE_KEYS:
        if prof.has(key):
            account["business_profile"][key] = prof.string(key, nullable=True) or None


def connected(account_id: str | None, *, param: str = "account") -> dict[str, Any]:
    """The connected account a `Stripe-Account` header names (Stripe: 403-ish permission error when
    the platform has no such account)."""
    if not account_id:
        raise StripeApiError("This request needs a connected account (the Stripe-Account header).",
                             param=param)
    found = store.find(account_id, object_type="account")
    if found is None:
        raise StripeApiError(
            f"The provided key does not have access to account '{account_id}' (or that account does not "
            "exist). Application access may have been revoked.", type="invalid_request_error",
            code="account_invalid", http_status=403)
    return found
