"""The ledger's JSON shapes (DESIGN §9): camelCase, money as integer cents, dates YYYY-MM-DD.
Plain functions over prefetched rows: serialising never queries."""

from __future__ import annotations

from typing import Any

from ledger.models import JournalEntry, JournalLine
from ledger.selectors import AccountBalance, TrialBalance
from ledger.services.reconciliation import Reconciliation
from oracle_ledger.api.envelope import utc_timestamp


def journal_line_output(line: JournalLine) -> dict[str, Any]:
    return {"accountCode": line.account.code, "accountName": line.account.name,
            "amount": line.amount_cents, "currency": line.currency}


def journal_entry_output(entry: JournalEntry) -> dict[str, Any]:
    return {
        "id": entry.public_id,
        "date": entry.date.isoformat(),
        "kind": entry.kind,
        "description": entry.description,
        "sourceType": entry.source_type,
        "sourceId": entry.source_id,
        "stripeReference": entry.stripe_reference or None,
        "reverses": entry.reverses.public_id if entry.reverses_id else None,
        "requestId": entry.request_id or None,
        "createdAt": utc_timestamp(entry.created_at),
        "lines": [journal_line_output(line) for line in entry.lines.all()],
    }


def account_balance_output(row: AccountBalance) -> dict[str, Any]:
    account = row.account
    return {"code": account.code, "name": account.name, "type": account.type,
            "normalBalance": account.normal_balance, "currency": account.currency,
            "debits": row.debits_cents, "credits": row.credits_cents, "balance": row.balance_cents}


def trial_balance_output(tb: TrialBalance) -> dict[str, Any]:
    return {
        "asOf": tb.as_of.isoformat(),
        "currency": tb.currency,
        "accounts": [{"code": row.account.code, "name": row.account.name,
                      "debit": max(row.balance_cents, 0), "credit": max(-row.balance_cents, 0),
                      "balance": row.balance_cents} for row in tb.rows],
        "totalDebits": tb.total_debits_cents,
        "totalCredits": tb.total_credits_cents,
        "balanced": tb.balanced,
    }


def reconciliation_output(result: Reconciliation) -> dict[str, Any]:
    return {
        "from": result.date_from.isoformat(),
        "to": result.date_to.isoformat(),
        "stripeCount": result.stripe_count,
        "ledgerCount": result.ledger_count,
        "differenceCount": len(result.differences),
        "reconciled": not result.differences,
        "differences": result.differences,
    }
