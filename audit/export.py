"""The audit log as CSV, streamed row by row: an export of millions of entries never sits in
memory, on the server or in the response."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import date

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from audit.models import AuditEntry
from oracle_ledger.api.envelope import utc_timestamp

COLUMNS = ["id", "timestamp", "actorType", "actorId", "actorEmail", "role", "organizationId", "action",
           "objectType", "objectId", "requestId", "ip", "outcome", "changes", "metadata", "prevHash", "hash"]
# A cell starting with one of these is a formula to a spreadsheet (CSV injection); audit values
# come from callers (emails, object ids, changed fields), so such cells get a leading quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(entry: AuditEntry) -> list[str]:
    values = [entry.public_id, utc_timestamp(entry.timestamp), entry.actor_type, entry.actor_id,
              entry.actor_email, entry.role, entry.organization_public_id, entry.action, entry.object_type,
              entry.object_id, entry.request_id, entry.ip, entry.outcome,
              json.dumps(entry.changes, sort_keys=True), json.dumps(entry.metadata, sort_keys=True),
              entry.prev_hash, entry.hash]
    return [_cell(value) for value in values]


def csv_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for entry in entries:
        yield writer.writerow(_row(entry))


def keyset_batches(entries: QuerySet[AuditEntry], *, size: int = 2000) -> Iterator[AuditEntry]:
    """`entries` (ordered newest first) in batches of `size`, each a short query continuing below
    the last id seen: no transaction or server-side cursor stays open while a client downloads."""
    last_id = None
    while True:
        batch = list((entries if last_id is None else entries.filter(id__lt=last_id))[:size])
        yield from batch
        if len(batch) < size:
            return
        last_id = batch[-1].id


def export_filename(start: date | None, end: date | None) -> str:
    first = start.isoformat() if start else "beginning"
    last = (end or timezone.now().date()).isoformat()
    return f"audit-log_{first}_to_{last}.csv"


def csv_response(entries: Iterable[AuditEntry], *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
