"""Walking the chain: recompute every row's hash and check every link, in id order, streaming."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from audit.chain import HASHED_FIELDS, entry_hash
from audit.models import GENESIS_HASH, AuditEntry


@dataclass(frozen=True)
class ChainBreak:
    public_id: str
    position: int  # 1-based position in the chain
    kind: str  # "hash mismatch" (the row's content was altered) | "prev_hash link broken" (a row is missing or was inserted)
    expected: str
    found: str

    def describe(self) -> str:
        what = ("the row's content no longer matches its hash (altered)" if self.kind == "hash mismatch"
                else "its prev_hash is not the previous row's hash (a row before it was removed or inserted)")
        return (f"broken at {self.public_id} (entry {self.position}): {self.kind}: {what}; "
                f"expected {self.expected}, found {self.found}")


@dataclass(frozen=True)
class ChainReport:
    count: int
    head_hash: str
    broken: ChainBreak | None


def audit_chain_verify(*, batch_size: int = 2000, on_row: Callable[[], None] | None = None) -> ChainReport:
    """Stop at the first broken row. Runs in one transaction so the server-side cursor streams in
    `batch_size` chunks (outside a transaction Django declares it WITH HOLD, and PostgreSQL then
    materialises the whole result) and the walk sees one snapshot, not rows appended meanwhile."""
    rows = AuditEntry.objects.order_by("id").values("id", "hash", *HASHED_FIELDS)
    previous, count = GENESIS_HASH, 0
    with transaction.atomic():
        for row in rows.iterator(chunk_size=batch_size):
            count += 1
            broken = _check(row, previous, count)
            if broken:
                return ChainReport(count=count, head_hash=previous, broken=broken)
            previous = row["hash"]
            if on_row:
                on_row()
    return ChainReport(count=count, head_hash=previous, broken=None)


def _check(row: dict, previous: str, position: int) -> ChainBreak | None:
    recomputed = entry_hash(row)
    if recomputed != row["hash"]:
        return ChainBreak(row["public_id"], position, "hash mismatch", recomputed, row["hash"])
    if row["prev_hash"] != previous:
        return ChainBreak(row["public_id"], position, "prev_hash link broken", previous, row["prev_hash"])
    return None
