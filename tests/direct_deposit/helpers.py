from __future__ import annotations

from tests.helpers import sandbox_count


def transfers_to(account_id: str) -> int:
    return sandbox_count("transfer", data__destination=account_id)


def payouts_of(account_id: str) -> int:
    return sandbox_count("payout", account=account_id)
