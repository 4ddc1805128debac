"""Money on the platform and on connected accounts, as balance transactions (Connect side).

A balance is the sum of the `net` of an account's balance transactions that are available
(`status` available, or `available_on` reached). Writers that check a balance first take a
transaction-scoped advisory lock on that account's balance, so two transfers or payouts racing
for the same money cannot both spend it."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import connections
from django.db.models import BigIntegerField, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from stripe_sandbox import DB, clock, store
from stripe_sandbox.errors import StripeApiError
from stripe_sandbox.resources.balance import balance_transaction_create

PAYOUT_FEE = 25  # DESIGN §9: standard payouts cost 25 cents each, billed to the platform


def lock_balance(account: str | None) -> None:
    """Serialise balance checks per account until the sandbox transaction ends."""
    key = int.from_bytes(hashlib.sha256(f"sandbox-balance:{account or 'platform'}".encode()).digest()[:8],
                         "big", signed=True)
    with connections[DB].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def available(account: str | None, currency: str) -> int:
    now = clock.now()
    rows = store.query("balance_transaction", account=account, data__currency=currency).filter(
        Q(data__status="available") | Q(data__available_on__lte=now))
    total = rows.aggregate(total=Sum(Cast(KeyTextTransform("net", "data"), BigIntegerField())))["total"]
    return total or 0


def require_available(account: str | None, currency: str, amount: int, *, message: str) -> None:
    if available(account, currency) < amount:
        raise StripeApiError(message, code="balance_insufficient")


def balance_transaction(*, account: str | None, amount: int, currency: str, type: str, source: str,
                        reporting_category: str, description: str | None = None) -> dict[str, Any]:
    """A balance transaction on `account` (None: the platform), available at once: transfers,
    payouts and their reversals move money that is already available."""
    return balance_transaction_create(amount=amount, currency=currency, fee=0, source=source, type=type,
                                      reporting_category=reporting_category, description=description,
                                      available_days=0, account=account)
