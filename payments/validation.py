"""Card payment rules that are data (DESIGN §8): supported currencies with Stripe's minimum charge
amounts, the maximum, the statement descriptor's limits."""

from __future__ import annotations

# Stripe's minimum charge per currency (in the currency's smallest unit; jpy has none smaller than
# the yen), for the currencies the project and the sandbox support. Source: Stripe's "Minimum and
# maximum charge amounts" table.
MINIMUM_AMOUNT_CENTS: dict[str, int] = {
    "usd": 50, "eur": 50, "gbp": 30, "cad": 50, "aud": 50, "jpy": 50, "chf": 50, "sek": 300, "nok": 300,
    "dkk": 250, "nzd": 50, "sgd": 50, "hkd": 400, "mxn": 1000,
}
MAXIMUM_AMOUNT_CENTS = 99_999_999
STATEMENT_DESCRIPTOR_MAX = 22
STATEMENT_DESCRIPTOR_FORBIDDEN = "<>\\'\""
