from __future__ import annotations

import pytest


@pytest.fixture
def post(org):
    """post(source_id, amount, fee=0, date=None, org=None, kind="card") -> a posted entry."""
    from ledger.services import card_payment_post, refund_post

    def make(source_id: str, amount: int, fee: int = 0, *, date=None, organization=None, kind: str = "card",
             reference: str | None = None):
        common = {"organization": organization or org, "source_id": source_id, "amount_cents": amount,
                  "currency": "usd", "stripe_reference": reference or f"ch_{source_id}", "date": date}
        if kind == "refund":
            return refund_post(source_type="refund", **common)
        return card_payment_post(source_type="payment", fee_cents=fee, **common)

    return make
