"""Writing the audit log. `audit_record` is the only way a row gets in.

Transaction choice: the row is written inside the CALLER's transaction, so a write that rolls back
leaves no audit row claiming it happened, and a committed write always has its row. The price is
that the chain lock (below) is held until the caller commits: callers keep their transactions
short, call `audit_record` as the last statement before commit, and never hold one open across a
network call (Stripe), or every other audited write in the system waits behind them."""

from __future__ import annotations

import ipaddress
import json
import math
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from audit.chain import entry_hash
from audit.models import GENESIS_HASH, AuditEntry
from audit.redaction import redact_value
from oracle_ledger.actors import Actor
from oracle_ledger.api.context import current_request_id

# pg_advisory_xact_lock key serialising appends: two writers reading the same last hash would fork
# the chain. Any constant works as long as nothing else in the project uses it ("AUDT").
CHAIN_LOCK_KEY = 0x41554454


def audit_record(*, actor: Actor | None, action: str, target_type: str = "", target_id: str = "",
                 outcome: str = "success", changes: dict | None = None, organization=None, request=None,
                 metadata: dict | None = None) -> AuditEntry:
    """Append one entry to the chain and return it.

    `actor` None means the system; `organization` defaults to the actor's. `request` (Django or
    DRF), when given, supplies the IP and the request id; otherwise the current request id and the
    actor's IP are used. `changes` and `metadata` are stored redacted. Side effect: takes the
    chain lock until the surrounding transaction ends."""
    actor = actor or Actor.system()
    if outcome not in AuditEntry.Outcome.values:
        raise ValueError(f"Unknown audit outcome {outcome!r}; expected one of {AuditEntry.Outcome.values}.")
    organization = organization if organization is not None else actor.organization
    entry = AuditEntry(
        actor_type=actor.type, actor_id=actor.id or "", actor_email=(actor.email or "").lower(),
        role=actor.role or "", organization=organization,
        organization_public_id=getattr(organization, "public_id", "") or "",
        action=action, object_type=target_type or "", object_id=str(target_id or ""),
        request_id=_request_id(request, actor), ip=_ip(request, actor), outcome=outcome,
        changes=_stored_json(changes), metadata=_stored_json(_with_forwarded_for(metadata, request)),
    )
    with transaction.atomic():
        _append(entry)
    return entry


def _append(entry: AuditEntry) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    # Read under the lock: the previous writer has committed (or rolled back) by now, and READ
    # COMMITTED (Django's default; a REPEATABLE READ caller would read a stale snapshot and fork
    # the chain) gives this statement a fresh snapshot. The id is drawn under the lock too, so id
    # order is chain order, which verify_audit_log walks.
    last_hash = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    entry.prev_hash = last_hash or GENESIS_HASH
    entry.timestamp = timezone.now()  # under the lock, so timestamps follow the chain order
    entry.hash = entry_hash(entry.__dict__)
    entry.save(force_insert=True)


def diff_changes(before: dict, after: dict) -> dict:
    """{field: {"from": old, "to": new}} for every field whose value differs (a field missing on
    one side counts as None), sensitive values redacted."""
    changed = {}
    for field in sorted(set(before) | set(after), key=str):
        old, new = before.get(field), after.get(field)
        if old != new:
            changed[field] = {"from": old, "to": new}
    return redact_value(_json_safe(changed))


def _json_safe(value: Any) -> Any:
    """Exactly what a JSONB round trip gives back, so the hash computed now equals the one
    recomputed from the stored row: Decimal and dates become strings, keys strings, and floats
    JSONB would hand back differently are normalised."""
    return _jsonb_exact(json.loads(json.dumps(value, cls=DjangoJSONEncoder, allow_nan=True)))


def _jsonb_exact(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonb_exact(sub) for key, sub in value.items()}
    if isinstance(value, list):
        return [_jsonb_exact(sub) for sub in value]
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)  # JSONB has no NaN or Infinity
        if value == 0:
            return 0.0  # numeric has no negative zero
        if "e" in repr(value) and value.is_integer():
            return int(value)  # 1e+20 comes back from JSONB as the integer 100000000000000000000
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "\ufffd")  # JSONB rejects NUL characters
    return value


def _stored_json(value: dict | None) -> dict:
    return redact_value(_json_safe(value or {}))


def _request_id(request, actor: Actor) -> str:
    request_id = getattr(request, "request_id", None) if request is not None else None
    return (request_id or current_request_id() or actor.request_id or "")[:128]


def _ip(request, actor: Actor) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is written by the client unless a proxy we trust rewrites
    # it, and an audit trail must not record an address the caller chose. Deployments behind a
    # proxy make the proxy set REMOTE_ADDR; the raw header is kept in metadata for forensics.
    raw = request.META.get("REMOTE_ADDR") if request is not None else actor.ip
    try:
        return str(ipaddress.ip_address((raw or "").strip()))
    except ValueError:
        return None


def _with_forwarded_for(metadata: dict | None, request) -> dict | None:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR") if request is not None else None
    if not forwarded:
        return metadata
    return {**(metadata or {}), "forwardedForUnverified": forwarded[:512]}


def audit_log_export_record(*, actor: Actor, request, filters) -> AuditEntry:
    """An export of the audit log is itself audited, with the filters it used."""
    from audit.filters import FILTER_PARAMETERS

    used = {name: filters.get(name) for name in FILTER_PARAMETERS if filters.get(name)}
    return audit_record(actor=actor, action="audit_log.exported", target_type="audit_log", request=request,
                        metadata={"filters": used, "format": "csv"})
