"""Rows that remember the API request that made them.

The idempotency layer releases a key after a 5xx so that a retry can redo the work; a service
that moves money stores the key (caller:key) and the request's fingerprint on its row, so the
retry finds that row and resumes it with the same Stripe keys instead of moving money again."""

from __future__ import annotations

from django.db.models import Model, QuerySet

from oracle_ledger.errors import IdempotencyKeyReusedError


def row_for_request(queryset: QuerySet, request_key: str, fingerprint: str, *, details_key: str) -> Model | None:
    """The row an earlier try of this request made, or None. The same key with another request is
    IDEMPOTENCY_KEY_REUSED, naming the row under `details_key`."""
    if not request_key:
        return None
    row = queryset.filter(request_key=request_key).first()
    if row is not None and row.request_fingerprint != fingerprint:
        raise IdempotencyKeyReusedError(details={details_key: row.public_id})
    return row
