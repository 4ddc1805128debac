"""CSV exports of the journal and the trial balance, shared by the API and the admin. Rows are
streamed in chunks (one line query per chunk), so an export of a million lines stays flat in
memory."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from ledger.models import JournalEntry
from ledger.selectors import TrialBalance

ENTRY_COLUMNS = ["entryId", "date", "kind", "description", "sourceType", "sourceId", "stripeReference",
                 "reverses", "accountCode", "accountName", "amount", "currency"]
TRIAL_BALANCE_COLUMNS = ["code", "name", "debit", "credit", "balance"]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _safe(value):
    """Spreadsheets execute cells starting with = + - @ (CSV injection): quote such text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def journal_entry_rows(entries: QuerySet[JournalEntry]) -> Iterator[list]:
    yield ENTRY_COLUMNS
    for entry in entries.iterator(chunk_size=1000):
        for line in entry.lines.all():
            yield [entry.public_id, entry.date.isoformat(), entry.kind, _safe(entry.description), _safe(entry.source_type),
                   _safe(entry.source_id), _safe(entry.stripe_reference),
                   entry.reverses.public_id if entry.reverses_id else "", line.account.code, _safe(line.account.name),
                   line.amount_cents, line.currency]


def trial_balance_rows(tb: TrialBalance) -> Iterator[list]:
    yield [f"Trial balance as of {tb.as_of.isoformat()} ({tb.currency})"]
    yield TRIAL_BALANCE_COLUMNS
    for row in tb.rows:
        yield [row.account.code, _safe(row.account.name), max(row.balance_cents, 0), max(-row.balance_cents, 0),
               row.balance_cents]
    yield ["", "Total", tb.total_debits_cents, tb.total_credits_cents, tb.total_debits_cents - tb.total_credits_cents]


def csv_response(rows: Iterable[list], *, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
