"""Balance and balance transactions, with the sandbox's fees (DESIGN §9): cards
round(2.9% × amount) + 30, ACH min(round(0.8% × amount), 500). A transaction is `pending` until
its `available_on` (sandbox clock), then `available`; the balance sums them that way."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from stripe_sandbox import clock, store
from stripe_sandbox.params import Params
from stripe_sandbox.router import SandboxRequest, route

ACH_DESCRIPTION = "ACH Direct Debit payment"  # BT description that marks bank-account funds
CARD_AVAILABLE_AFTER_DAYS = 2
ACH_AVAILABLE_AFTER_DAYS = 2


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def card_fee(amount: int) -> int:
    return _round(Decimal(amount) * Decimal("0.029")) + 30


def ach_fee(amount: int) -> int:
    return min(_round(Decimal(amount) * Decimal("0.008")), 500)


def available_on(days: int) -> int:
    """Midnight UTC `days` business days after today (sandbox clock), as Stripe rounds to days."""
    return clock.timestamp(clock.add_business_days(clock.today(), days))


def balance_transaction_create(*, amount: int, currency: str, fee: int, source: str, type: str,
                               reporting_category: str, description: str | None, available_days: int,
                               fee_description: str = "Stripe processing fees",
                               account: str | None = None) -> dict[str, Any]:
    """Record a money movement (engineer B uses this for transfers and payouts too)."""
    now = clock.now()
    txn = {
        "id": store.new_id("txn"), "object": "balance_transaction", "amount": amount,
        "available_on": available_on(available_days) if available_days else now, "balance_type": "payments",
        "created": now, "currency": currency, "description": description, "exchange_rate": None,
        "fee": fee, "fee_details": ([{"amount": fee, "application": None, "currency": currency,
                                      "description": fee_description, "type": "stripe_fee"}] if fee else []),
        "net": amount - fee, "reporting_category": reporting_category, "source": source,
        "status": "pending", "type": type,
    }
    return store.create(_with_status(txn, now), account=account)


def _with_status(txn: dict[str, Any], now: int) -> dict[str, Any]:
    txn["status"] = "available" if txn["available_on"] <= now else "pending"
    return txn


@route("GET", r"/v1/balance")
def balance_retrieve(req: SandboxRequest) -> dict[str, Any]:
    Params(req.params, ())
    now = clock.now()
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for row in store.query("balance_transaction", account=req.stripe_account):
        txn = row.data
        bucket = "available" if txn["available_on"] <= now else "pending"
        per_source = totals.setdefault((bucket, txn["currency"]), {})
        source_type = "bank_account" if txn["description"] == ACH_DESCRIPTION else "card"
        per_source[source_type] = per_source.get(source_type, 0) + txn["net"]
    currencies = sorted({c for _, c in totals} or {"usd"})

    def entries(bucket: str) -> list[dict[str, Any]]:
        out = []
        for currency in currencies:
            sources = totals.get((bucket, currency), {})
            source_types = {"card": sources.get("card", 0)}
            if sources.get("bank_account"):
                source_types["bank_account"] = sources["bank_account"]
            out.append({"amount": sum(sources.values()), "currency": currency, "source_types": source_types})
        return out

    return {"object": "balance", "available": entries("available"),
            "connect_reserved": [{"amount": 0, "currency": c} for c in currencies],
            "livemode": False, "pending": entries("pending")}


@route("GET", r"/v1/balance_transactions/(?P<txn_id>[^/]+)")
def balance_transaction_retrieve(req: SandboxRequest, txn_id: str) -> dict[str, Any]:
    Params(req.params, ())
    txn = store.get("balance_transaction", txn_id, account=req.stripe_account, label="balance transaction")
    return _with_status(txn, clock.now())


@route("GET", r"/v1/balance_transactions")
def balance_transaction_list(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, (*store.LIST_PARAMS, "type", "source", "currency", "payout"))
    filters = {f"data__{k}": v for k in ("type", "source", "currency") if (v := p.string(k))}
    p.string("payout")
    rows = store.query("balance_transaction", account=req.stripe_account, **filters)
    page = store.list_page(p, rows, url="/v1/balance_transactions", object_type="balance_transaction",
                           account=req.stripe_account)
    now = clock.now()
    page["data"] = [_with_status(t, now) for t in page["data"]]
    return page
