"""NACHA return reason codes (the Nacha Operating Rules' return table, R01-R85), what each means
for us, and Stripe's `us_bank_account` failure codes mapped onto them.

Stripe does not expose the raw R-code: a failed ACH charge carries one of its own `failure_code`
values, each standing for one or more R-codes (Stripe's ACH docs: insufficient_funds R01/R09,
account_closed R02, no_account R03, invalid_account_number R04, debit_not_authorized
R05/R07/R10/R29/R51, account_frozen / bank_account_restricted R16, ...). We record the
representative code of each group; the Stripe code is kept beside it on the return."""

from __future__ import annotations

from dataclasses import dataclass

ADMINISTRATIVE, UNAUTHORIZED, NSF, CLOSED, INVALID, DISHONORED, CONTESTED, OTHER = (
    "administrative", "unauthorized", "nsf", "closed", "invalid_account", "dishonored", "contested_dishonored",
    "other")


@dataclass(frozen=True)
class ReturnCode:
    code: str
    reason: str
    category: str


_TABLE = [
    ("R01", "Insufficient funds", NSF),
    ("R02", "Account closed", CLOSED),
    ("R03", "No account/unable to locate account", INVALID),
    ("R04", "Invalid account number structure", INVALID),
    ("R05", "Unauthorized debit to consumer account using corporate SEC code", UNAUTHORIZED),
    ("R06", "Returned per ODFI's request", ADMINISTRATIVE),
    ("R07", "Authorization revoked by customer", UNAUTHORIZED),
    ("R08", "Payment stopped", ADMINISTRATIVE),
    ("R09", "Uncollected funds", NSF),
    ("R10", "Customer advises originator is not known to receiver and/or is not authorized by receiver to "
            "debit receiver's account", UNAUTHORIZED),
    ("R11", "Customer advises entry not in accordance with the terms of the authorization", UNAUTHORIZED),
    ("R12", "Account sold to another DFI", ADMINISTRATIVE),
    ("R13", "Invalid ACH routing number", INVALID),
    ("R14", "Representative payee deceased or unable to continue in that capacity", CLOSED),
    ("R15", "Beneficiary or account holder (other than a representative payee) deceased", CLOSED),
    ("R16", "Account frozen/entry returned per OFAC instruction", CLOSED),
    ("R17", "File record edit criteria / entry with invalid account number initiated under questionable "
            "circumstances", ADMINISTRATIVE),
    ("R18", "Improper effective entry date", ADMINISTRATIVE),
    ("R19", "Amount field error", ADMINISTRATIVE),
    ("R20", "Non-transaction account", INVALID),
    ("R21", "Invalid company identification", ADMINISTRATIVE),
    ("R22", "Invalid individual ID number", ADMINISTRATIVE),
    ("R23", "Credit entry refused by receiver", ADMINISTRATIVE),
    ("R24", "Duplicate entry", ADMINISTRATIVE),
    ("R25", "Addenda error", ADMINISTRATIVE),
    ("R26", "Mandatory field error", ADMINISTRATIVE),
    ("R27", "Trace number error", ADMINISTRATIVE),
    ("R28", "Routing number check digit error", INVALID),
    ("R29", "Corporate customer advises not authorized", UNAUTHORIZED),
    ("R30", "RDFI not participant in check truncation program", ADMINISTRATIVE),
    ("R31", "Permissible return entry (CCD and CTX only)", ADMINISTRATIVE),
    ("R32", "RDFI non-settlement", ADMINISTRATIVE),
    ("R33", "Return of XCK entry", ADMINISTRATIVE),
    ("R34", "Limited participation DFI", ADMINISTRATIVE),
    ("R35", "Return of improper debit entry", ADMINISTRATIVE),
    ("R36", "Return of improper credit entry", ADMINISTRATIVE),
    ("R37", "Source document presented for payment", ADMINISTRATIVE),
    ("R38", "Stop payment on source document", ADMINISTRATIVE),
    ("R39", "Improper source document/source document presented for payment", ADMINISTRATIVE),
    ("R40", "Return of ENR entry by federal government agency", ADMINISTRATIVE),
    ("R41", "Invalid transaction code (ENR)", ADMINISTRATIVE),
    ("R42", "Routing number/check digit error (ENR)", ADMINISTRATIVE),
    ("R43", "Invalid DFI account number (ENR)", ADMINISTRATIVE),
    ("R44", "Invalid individual ID number/identification number (ENR)", ADMINISTRATIVE),
    ("R45", "Invalid individual name/company name (ENR)", ADMINISTRATIVE),
    ("R46", "Invalid representative payee indicator (ENR)", ADMINISTRATIVE),
    ("R47", "Duplicate enrollment (ENR)", ADMINISTRATIVE),
    ("R50", "State law affecting RCK acceptance", ADMINISTRATIVE),
    ("R51", "Item related to RCK entry is ineligible or RCK entry is improper", UNAUTHORIZED),
    ("R52", "Stop payment on item related to RCK entry", ADMINISTRATIVE),
    ("R53", "Item and RCK entry presented for payment", ADMINISTRATIVE),
    ("R61", "Misrouted return", DISHONORED),
    ("R62", "Return of erroneous or reversing debit", DISHONORED),
    ("R67", "Duplicate return", DISHONORED),
    ("R68", "Untimely return", DISHONORED),
    ("R69", "Field error(s)", DISHONORED),
    ("R70", "Permissible return entry not accepted/return not requested by ODFI", DISHONORED),
    ("R71", "Misrouted dishonored return", CONTESTED),
    ("R72", "Untimely dishonored return", CONTESTED),
    ("R73", "Timely original return", CONTESTED),
    ("R74", "Corrected return", CONTESTED),
    ("R75", "Return not a duplicate", CONTESTED),
    ("R76", "No errors found", CONTESTED),
    ("R77", "Non-acceptance of R62 dishonored return", CONTESTED),
    ("R80", "IAT entry coding error", ADMINISTRATIVE),
    ("R81", "Non-participant in IAT program", ADMINISTRATIVE),
    ("R82", "Invalid foreign receiving DFI identification", ADMINISTRATIVE),
    ("R83", "Foreign receiving DFI unable to settle", ADMINISTRATIVE),
    ("R84", "Entry not processed by gateway", ADMINISTRATIVE),
    ("R85", "Incorrectly coded outbound international payment", ADMINISTRATIVE),
]
RETURN_CODES: dict[str, ReturnCode] = {code: ReturnCode(code, reason, category) for code, reason, category in _TABLE}

# Stripe `failure_code` of a failed us_bank_account charge -> the R-code it stands for.
STRIPE_FAILURE_CODES: dict[str, str] = {
    "insufficient_funds": "R01",
    "account_closed": "R02",
    "no_account": "R03",
    "invalid_account_number": "R04",
    "debit_not_authorized": "R10",
    "account_frozen": "R16",
    "bank_account_restricted": "R16",
    "bank_account_blocked": "R16",
    "invalid_currency": "R17",  # Stripe's own refusal; NACHA has no currency code, R17 is "edit criteria"
    "could_not_process": "R17",
    "generic_could_not_process": "R17",
}

# DESIGN §8: what a return does to the bank account, by code.
REPRESENTABLE = frozenset({"R01", "R09"})
DISABLING = frozenset({"R02", "R03", "R04"})
UNAUTHORIZED_CODES = frozenset({"R05", "R07", "R10", "R29", "R51"})
MAX_REPRESENTMENTS = 2
REPRESENTMENT_WINDOW_DAYS = 180


def lookup(code: str) -> ReturnCode | None:
    return RETURN_CODES.get(code)


def from_stripe(failure_code: str | None, message: str = "") -> ReturnCode:
    """The return for Stripe's failure code; an unknown code keeps Stripe's words under R17."""
    code = STRIPE_FAILURE_CODES.get(failure_code or "")
    if code:
        return RETURN_CODES[code]
    return ReturnCode("R17", message or f"Stripe failure {failure_code or 'unknown'}", ADMINISTRATIVE)
