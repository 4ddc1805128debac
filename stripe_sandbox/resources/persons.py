"""Persons of a connected account: `/v1/accounts/{id}/persons`, and the person fields shared with
`individual[...]` on the account.

The sandbox's accounts are individuals (business_type=individual), whose one person is the
`individual` hash: it can be read and updated here (which re-evaluates the account, as Stripe
does), but not added to or deleted."""

from __future__ import annotations

import copy
import re
from typing import Any

from stripe_sandbox import clock, events, store
from stripe_sandbox.errors import StripeApiError, invalid
from stripe_sandbox.params import Params, merge_metadata
from stripe_sandbox.resources import account_rules
from stripe_sandbox.router import SandboxRequest, route

INDIVIDUAL_KEYS = ("first_name", "last_name", "email", "phone", "dob", "ssn_last_4", "id_number",
                   "address", "metadata")
ADDRESS_KEYS = ("line1", "line2", "city", "state", "postal_code", "country")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ().-]{10,20}$")


def person_update(person: dict, ind: Params) -> None:
    """Apply `individual[...]` (or a persons update) to the person hash. Stripe never echoes an SSN:
    only `ssn_last_4_provided` / `id_number_provided` say it was given."""
    for key in ("first_name", "last_name"):
        if ind.has(key):
            person[key] = ind.string(key, max_length=100) or None
    if ind.has("email"):
        person["email"] = email(ind, "email")
    if ind.has("phone"):
        person["phone"] = phone(ind, "phone")
    if ind.has("dob"):
        _dob(person, ind)
    if ind.has("ssn_last_4"):
        if not re.fullmatch(r"\d{4}", ind.string("ssn_last_4") or ""):
            raise invalid(ind.name("ssn_last_4"), "Invalid ssn_last_4: it must be the last 4 digits of the SSN.")
        person["ssn_last_4_provided"] = True
    if ind.has("id_number"):
        if not re.fullmatch(r"\d{9}", (ind.string("id_number") or "").replace("-", "")):
            raise invalid(ind.name("id_number"), "Invalid id_number: a US SSN has 9 digits.")
        person["id_number_provided"] = person["ssn_last_4_provided"] = True
    if ind.has("address"):
        _address(person, ind)
    person["metadata"] = merge_metadata(person.get("metadata", {}), ind.metadata())


def _dob(person: dict, ind: Params) -> None:
    dob = ind.sub("dob", ("day", "month", "year"))
    if dob is None:  # dob="" unsets it
        person["dob"] = {"day": None, "month": None, "year": None}
        return
    value = {k: dob.integer(k, required=True) for k in ("day", "month", "year")}
    problem = account_rules.check_dob(value, today=clock.today())
    if problem:
        raise invalid(f"{ind.name('dob')}{problem[0].removeprefix('individual[dob]')}", problem[1])
    person["dob"] = value


def _address(person: dict, ind: Params) -> None:
    addr = ind.sub("address", ADDRESS_KEYS)
    merged = dict(person.get("address") or blank_address())
    if addr is not None:
        for key in ADDRESS_KEYS:
            if addr.has(key):
                merged[key] = addr.string(key, max_length=200, nullable=True) or None
    country = (merged.get("country") or "US").upper()
    if country != "US":
        raise invalid(addr.name("country"), "The individual's address must be in the US.")
    merged["country"] = "US"
    if merged.get("state") and not re.fullmatch(r"[A-Za-z]{2}", merged["state"]):
        raise invalid(addr.name("state"), "Invalid US state: use the two-letter code, e.g. CA.")
    if merged.get("postal_code") and not re.fullmatch(r"\d{5}(-\d{4})?", merged["postal_code"]):
        raise invalid(addr.name("postal_code"), "Invalid US postal code: use 5 digits or ZIP+4.")
    merged["state"] = merged["state"].upper() if merged.get("state") else None
    person["address"] = merged


def email(p: Params, key: str) -> str | None:
    value = p.string(key, nullable=True, max_length=800)
    if value and not _EMAIL.match(value):
        raise invalid(p.name(key), f"Invalid email address: {value}", code="email_invalid")
    return value or None


def phone(p: Params, key: str) -> str | None:
    value = p.string(key, nullable=True)
    if not value:
        return None
    if not _PHONE.match(value):
        raise invalid(p.name(key), f"Invalid phone number: {value}", code="invalid_phone_number")
    digits = re.sub(r"\D", "", value)
    if len(digits) == 10:
        digits = "1" + digits
    if not (digits.startswith("1") and len(digits) == 11):
        raise invalid(p.name(key), f"Invalid US phone number: {value}", code="invalid_phone_number")
    return "+" + digits


def blank_address() -> dict[str, Any]:
    return dict.fromkeys(ADDRESS_KEYS)


def _account_with_person(account_id: str, person_id: str | None = None) -> dict[str, Any]:
    account = store.get("account", account_id, for_update=True)
    person = account.get("individual")
    if person_id is not None and (person is None or person["id"] != person_id):
        raise StripeApiError(f"No such person: '{person_id}'", code="resource_missing", param="person",
                             http_status=404)
    return account


@route("GET", r"/v1/accounts/(?P<account_id>[^/]+)/persons")
def person_list(req: SandboxRequest, account_id: str) -> dict[str, Any]:
    p = Params(req.params, (*store.LIST_PARAMS, "relationship", "expand"))
    store.get("account", account_id)
    p.sub("relationship", ("representative", "owner", "director", "executive", "legal_guardian", "authorizer"))
    return store.list_page(p, store.query("person", account=account_id), url=f"/v1/accounts/{account_id}/persons",
                           object_type="person", account=account_id)


@route("GET", r"/v1/accounts/(?P<account_id>[^/]+)/persons/(?P<person_id>[^/]+)")
def person_retrieve(req: SandboxRequest, account_id: str, person_id: str) -> dict[str, Any]:
    Params(req.params, ("expand",))
    store.get("account", account_id)
    return store.get("person", person_id, account=account_id)


@route("POST", r"/v1/accounts/(?P<account_id>[^/]+)/persons/(?P<person_id>[^/]+)")
def person_update_route(req: SandboxRequest, account_id: str, person_id: str) -> dict[str, Any]:
    from stripe_sandbox.resources import accounts

    p = Params(req.params, (*INDIVIDUAL_KEYS, "relationship", "expand"))
    account = _account_with_person(account_id, person_id)
    before, person_before = copy.deepcopy(account), copy.deepcopy(account["individual"])
    person_update(account["individual"], p)
    if p.has("relationship"):
        rel = p.sub("relationship", ("title",))
        if rel is not None and rel.has("title"):
            account["individual"]["relationship"]["title"] = rel.string("title", nullable=True) or None
    account = accounts.commit(account, previous=before)
    person = account["individual"]
    changed = accounts.previous_attributes(person_before, person)
    if changed:
        events.emit("person.updated", person, account=account_id, previous_attributes=changed)
    return person


@route("POST", r"/v1/accounts/(?P<account_id>[^/]+)/persons")
def person_create(req: SandboxRequest, account_id: str) -> dict[str, Any]:
    _account_with_person(account_id)
    raise StripeApiError(
        "This account's business_type is `individual`: its one person is `individual`. Update it with "
        "`individual[...]` on the account or through its person id; the sandbox does not model companies.",
        param="account")


@route("DELETE", r"/v1/accounts/(?P<account_id>[^/]+)/persons/(?P<person_id>[^/]+)")
def person_delete(req: SandboxRequest, account_id: str, person_id: str) -> dict[str, Any]:
    _account_with_person(account_id, person_id)
    raise StripeApiError("You cannot delete the individual of an account whose business_type is `individual`.",
                         param="person")
