"""Stripe's documented test-mode values (issue 4's table): cards by number, `tok_…` and `pm_card_…`
forms, and ACH account numbers under routing 110000000. Outcomes are looked up by fingerprint, as
Stripe's fingerprints identify a card or bank account number."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Decline:
    code: str
    decline_code: str
    message: str
    param: str | None = None


GENERIC = Decline("card_declined", "generic_decline", "Your card was declined.")
DECLINES = {
    "4000000000000002": GENERIC,
    "4000000000009995": Decline("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    "4000000000000069": Decline("expired_card", "expired_card", "Your card has expired.", "exp_month"),
    "4000000000000127": Decline("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect.", "cvc"),
    "4000000000000119": Decline("processing_error", "processing_error",
                                "An error occurred while processing your card. Try again in a little bit."),
    "4000000000009987": Decline("card_declined", "lost_card", "Your card was declined."),
    "4000000000009979": Decline("card_declined", "stolen_card", "Your card was declined."),
}

# suffix of tok_… / pm_card_… -> card number
TOKENS = {
    "visa": "4242424242424242", "visa_debit": "4000056655665556", "mastercard": "5555555555554444",
    "amex": "378282246310005", "discover": "6011111111111117",
    "chargeDeclined": "4000000000000002", "chargeDeclinedInsufficientFunds": "4000000000009995",
    "chargeDeclinedExpiredCard": "4000000000000069", "chargeDeclinedIncorrectCvc": "4000000000000127",
    "chargeDeclinedProcessingError": "4000000000000119", "chargeDeclinedLostCard": "4000000000009987",
    "chargeDeclinedStolenCard": "4000000000009979",
}

TEST_ROUTING = "110000000"
# account number -> charge failure code (None: settles); "never" stays processing.
ACH_OUTCOMES = {
    "000123456789": None, "000111111116": "no_account", "000111111113": "account_closed",
    "000222222227": "insufficient_funds", "000333333335": "debit_not_authorized",
    "000444444440": "invalid_currency", "000000000009": "never",
}
ACH_FAILURE_MESSAGES = {
    "no_account": "The customer's bank account could not be located.",
    "account_closed": "The customer's bank account has been closed.",
    "insufficient_funds": "The customer's account has insufficient funds to cover this payment.",
    "debit_not_authorized": "The customer has notified their bank that this payment was unauthorized.",
    "invalid_currency": "The bank was unable to process this payment because of its currency.",
}


def fingerprint(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


CARD_BY_FINGERPRINT = {fingerprint("card", n): n for n in {*DECLINES, *TOKENS.values()}}
ACH_BY_FINGERPRINT = {fingerprint("ach", TEST_ROUTING, n): outcome for n, outcome in ACH_OUTCOMES.items()}


def decline_for(card_fingerprint: str) -> Decline | None:
    return DECLINES.get(CARD_BY_FINGERPRINT.get(card_fingerprint, ""))


def ach_outcome(bank_fingerprint: str) -> str | None:
    """None settles; a failure code fails; "never" stays processing. Unknown accounts settle."""
    return ACH_BY_FINGERPRINT.get(bank_fingerprint)


def brand(number: str) -> tuple[str, str]:
    """(brand, funding) by prefix."""
    if number.startswith(("34", "37")):
        return "amex", "credit"
    if number.startswith(("51", "52", "53", "54", "55", "2")):
        return "mastercard", "credit"
    if number.startswith(("6011", "65", "644")):
        return "discover", "credit"
    if number == "4000056655665556":
        return "visa", "debit"
    if number.startswith("4"):
        return "visa", "credit"
    return "unknown", "unknown"


def luhn_ok(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def aba_ok(routing: str) -> bool:
    if len(routing) != 9 or not routing.isdigit():
        return False
    d = [int(c) for c in routing]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0
