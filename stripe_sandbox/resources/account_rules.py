"""What a Connect custom account still owes, and how far its identity verification has got.

Pure functions over the account's JSON (no storage), so the same rules run when the account is
written and when the clock fires its verification transition.

Identity outcomes follow DESIGN §9's reading of Stripe's test dates of birth: 1901-01-01 verifies at
once, 1902-01-01 is rejected, any other complete identity verifies once the sandbox clock has passed
one day after the account was created."""

from __future__ import annotations

import datetime as dt
from typing import Any

DAY = 86_400
VERIFIED_AT_ONCE = (1901, 1, 1)
REJECTED = (1902, 1, 1)

# What Stripe asks of a US individual that will receive transfers (capability `transfers`).
IDENTITY_FIELDS = (
    "individual.address.city", "individual.address.line1", "individual.address.postal_code",
    "individual.address.state", "individual.dob.day", "individual.dob.month", "individual.dob.year",
    "individual.email", "individual.first_name", "individual.last_name", "individual.phone",
    "individual.ssn_last_4",
)
PROFILE_FIELDS = ("business_profile.mcc", "business_profile.url")
OTHER_FIELDS = ("external_account", "tos_acceptance.date", "tos_acceptance.ip")
UNDER_VERIFICATION = ("individual.dob.day", "individual.dob.month", "individual.dob.year",
                      "individual.first_name", "individual.last_name", "individual.ssn_last_4")
REJECTION_ERROR = {
    "code": "verification_failed_other",
    "reason": "The identity information you entered cannot be verified. Please correct any errors "
              "or upload a document that matches the identity fields (e.g., name and date of "
              "birth) that you entered.",
    "requirement": "individual.verification.document",
}


def _get(data: dict, path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _provided(account: dict, field: str) -> bool:
    if field == "external_account":
        return bool(account["external_accounts"]["data"])
    if field == "individual.ssn_last_4":
        return bool(_get(account, "individual.ssn_last_4_provided"))
    if field == "business_profile.url":
        # Stripe accepts a product description instead of a website (requirements.alternatives).
        return bool(_get(account, "business_profile.url") or
                    _get(account, "business_profile.product_description"))
    if field == "business_type":
        return bool(account.get("business_type"))
    return _get(account, field) not in (None, "")


def missing_fields(account: dict) -> list[str]:
    if not account.get("business_type"):
        fields = ("business_type", *PROFILE_FIELDS, *OTHER_FIELDS)
    else:
        fields = (*PROFILE_FIELDS, *OTHER_FIELDS, *IDENTITY_FIELDS)
    return sorted(f for f in fields if not _provided(account, f))


def dob_of(account: dict) -> tuple[int, int, int] | None:
    dob = _get(account, "individual.dob") or {}
    if None in (dob.get("year"), dob.get("month"), dob.get("day")):
        return None
    return (dob["year"], dob["month"], dob["day"])


def identity_status(account: dict, *, now: int) -> str:
    """`unverified` (incomplete), `rejected`, `pending` or `verified`."""
    if _get(account, "requirements.disabled_reason") == "rejected.other":
        return "rejected"  # Stripe's rejection is final
    if any(f.startswith("individual.") for f in missing_fields(account)) or not account.get("business_type"):
        return "unverified"
    dob = dob_of(account)
    if dob == REJECTED:
        return "rejected"
    if dob == VERIFIED_AT_ONCE or now >= verification_due_at(account):
        return "verified"
    return "pending"


def verification_due_at(account: dict) -> int:
    return account["created"] + DAY


def evaluate(account: dict, *, now: int) -> dict:
    """The account with requirements, capabilities and the enabled flags recomputed."""
    status = identity_status(account, now=now)
    missing = missing_fields(account)
    if status == "rejected":
        missing = sorted({*missing, "individual.verification.document"})
    pending = list(UNDER_VERIFICATION) if status == "pending" else []
    if status == "rejected":
        reason = "rejected.other"
    elif missing:
        reason = "requirements.past_due"
    elif pending:
        reason = "requirements.pending_verification"
    else:
        reason = None
    req = account["requirements"]
    req.update({
        "alternatives": _alternatives(missing), "currently_due": missing, "eventually_due": missing,
        "past_due": missing, "pending_verification": pending, "disabled_reason": reason,
        "errors": [dict(REJECTION_ERROR)] if status == "rejected" else [],
    })
    _set_individual_verification(account, status)
    capability = "active" if reason is None else ("pending" if reason.endswith("pending_verification") else "inactive")
    account["capabilities"] = {name: capability for name in account["capabilities"]}
    account["payouts_enabled"] = account["capabilities"].get("transfers") == "active"
    account["charges_enabled"] = account["capabilities"].get("card_payments") == "active"
    account["details_submitted"] = not missing_fields(account)
    return account


def _alternatives(missing: list[str]) -> list[dict]:
    if "business_profile.url" not in missing:
        return []
    return [{"alternative_fields_due": ["business_profile.product_description"],
             "original_fields_due": ["business_profile.url"]}]


def _set_individual_verification(account: dict, status: str) -> None:
    person = account.get("individual")
    if not person:
        return
    verification = person["verification"]
    verification["status"] = {"verified": "verified", "pending": "pending"}.get(status, "unverified")
    verification["details_code"] = "failed_other" if status == "rejected" else None
    verification["details"] = REJECTION_ERROR["reason"] if status == "rejected" else None
    person_req = person["requirements"]
    for key in ("currently_due", "eventually_due", "past_due"):
        person_req[key] = [f.removeprefix("individual.") for f in account["requirements"][key]
                           if f.startswith("individual.")]
    person_req["pending_verification"] = [f.removeprefix("individual.")
                                          for f in account["requirements"]["pending_verification"]]
    person_req["errors"] = [dict(REJECTION_ERROR, requirement="verification.document")] \
        if status == "rejected" else []


def check_dob(dob: dict, *, today: dt.date) -> tuple[str, str] | None:
    """(param, message) when the date of birth cannot be a real adult's, else None."""
    try:
        born = dt.date(int(dob["year"]), int(dob["month"]), int(dob["day"]))
    except (KeyError, TypeError, ValueError):
        return "individual[dob]", "Invalid date of birth: it must be a real calendar date."
    if born.year < 1900:
        return "individual[dob][year]", "Date of birth year must be 1900 or later."
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < 13:
        return "individual[dob][year]", "You must be at least 13 years of age to use Stripe."
    return None
