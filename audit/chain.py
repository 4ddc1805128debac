"""The hash chain: what a row's hash covers, and how it is computed.

`hash = sha256(canonical JSON of the row's recorded fields, prev_hash included)`. Canonical means
sorted keys, no whitespace, UTF-8, and values exactly as PostgreSQL gives them back (the service
normalises JSON through the same encoder before storing), so `verify_audit_log` recomputes the same
bytes from a fetched row. The database id is not covered: ids may have gaps (a rolled-back write
consumes one) and the chain order is carried by prev_hash, not by the id."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

# The fields a hash covers; renaming or adding one changes every hash, so it needs a new
# chain version, not an edit here.
HASHED_FIELDS = (
    "public_id", "timestamp", "actor_type", "actor_id", "actor_email", "role", "organization_public_id",
    "action", "object_type", "object_id", "request_id", "ip", "outcome", "changes", "metadata", "prev_hash",
)


def _canonical_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    payload = {name: _canonical_value(fields[name]) for name in HASHED_FIELDS}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def entry_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()
