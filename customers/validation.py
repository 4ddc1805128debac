"""Field rules of DESIGN §8 that need more than a type: phone, country, US state and ZIP,
Stripe's metadata limits, ABA routing numbers. Each returns the normalised value or raises
`FieldInvalid` with the reason the API reports in `details`."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
import pycountry

US_ZIP = re.compile(r"\d{5}(-\d{4})?")
ROUTING_NUMBER = re.compile(r"\d{9}")
ACCOUNT_NUMBER = re.compile(r"\d{4,17}")
E164_DIGITS = re.compile(r"\+[1-9]\d{6,14}")

METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500

COUNTRIES = frozenset(country.alpha_2 for country in pycountry.countries)
# The 50 states, DC and the territories (ISO 3166-2:US), plus the USPS military "states".
US_STATES = frozenset(sub.code.split("-", 1)[1] for sub in pycountry.subdivisions.get(country_code="US")) | {
    "AA", "AE", "AP"}


class FieldInvalid(ValueError):
    """`reason` is what the API reports for the field."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def normalize_phone(raw: str) -> str:
    """E.164 (`+` and 7 to 15 digits behind a country calling code that exists). Spaces, dashes and
    parentheses are accepted and removed. We do not require the number to be assigned in its
    numbering plan (`is_valid_number`): the guide's own test customer uses +1234567890."""
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        raise FieldInvalid("Invalid phone number format") from None
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    known_code = phonenumbers.region_code_for_country_code(number.country_code) != phonenumbers.UNKNOWN_REGION
    if not raw.strip().startswith("+") or not E164_DIGITS.fullmatch(formatted) or not known_code:
        raise FieldInvalid("Invalid phone number format")
    return formatted


def validate_country(code: str) -> str:
    if code not in COUNTRIES:
        raise FieldInvalid("Must be an ISO 3166-1 alpha-2 country code (e.g. US)")
    return code


def validate_us_state(state: str) -> str:
    if state.upper() not in US_STATES:
        raise FieldInvalid("Must be a US state code (e.g. CA)")
    return state.upper()


def validate_us_zip(postal_code: str) -> str:
    if not US_ZIP.fullmatch(postal_code):
        raise FieldInvalid("Must be a US ZIP code (12345 or 12345-6789)")
    return postal_code


def metadata_problems(metadata: dict[str, Any]) -> list[tuple[str, str]]:
    """(field suffix, reason) for every way `metadata` breaks Stripe's limits."""
    problems: list[tuple[str, str]] = []
    if len(metadata) > METADATA_MAX_KEYS:
        problems.append(("", f"At most {METADATA_MAX_KEYS} keys"))
    for key, value in metadata.items():
        if not key or len(key) > METADATA_MAX_KEY_LENGTH:
            problems.append((f".{key}", f"Keys must be 1 to {METADATA_MAX_KEY_LENGTH} characters"))
        elif "[" in key or "]" in key:
            problems.append((f".{key}", "Keys cannot contain square brackets"))
        if value is not None and not isinstance(value, (str, int, float, bool)):
            problems.append((f".{key}", "Values must be strings"))
        elif value is not None and len(str(value)) > METADATA_MAX_VALUE_LENGTH:
            problems.append((f".{key}", f"Values must be at most {METADATA_MAX_VALUE_LENGTH} characters"))
    return problems


def routing_number_valid(number: str) -> bool:
    """The ABA checksum: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) is a multiple of 10."""
    if not ROUTING_NUMBER.fullmatch(number):
        return False
    d = [int(c) for c in number]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0
