"""`Idempotency-Key` for POSTs (DESIGN §5). Decorate a DRF view method with `@idempotent`:

- no header: the request runs as usual;
- a key over 255 characters: 400 INVALID_REQUEST;
- first use of (caller, key): an in-flight row is committed BEFORE the work, then the outcome
  (status and data) is stored; a 5xx outcome deletes the row instead, so a retry redoes the work;
- same key and same request again: the stored status and data, with `Idempotent-Replayed: true`;
- same key, another request (method, path or body): 422 IDEMPOTENCY_KEY_REUSED;
- same key while the first is still running: 409 IDEMPOTENCY_CONFLICT.

The unique (caller, key) constraint in PostgreSQL is what decides between concurrent requests, so
it holds across every web process. Keys live IDEMPOTENCY_TTL (24 h); a beat task purges them."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from oracle_ledger import errors
from oracle_ledger.api.errors import _drf_to_domain, error_response
from oracle_ledger.errors import DomainError, InvalidRequestError, ResourceAlreadyExistsError

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"


class IdempotencyConflictError(ResourceAlreadyExistsError):
    code, http_status, default_message = (
        "IDEMPOTENCY_CONFLICT", 409, "A request with this Idempotency-Key is still being processed.")
    suggestion = "Retry after the first request has finished."


class IdempotencyKeyReusedError(errors.IdempotencyKeyReusedError):
    suggestion = "Use a new Idempotency-Key for a new request."


def idempotent(view_method):
    """Make a DRF view method (post) honour Idempotency-Key. The view must require an actor."""

    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(view, request, *args, **kwargs)
        _check_key(key)
        caller = _caller(request)
        record, replay = claim(caller=caller, key=key, fingerprint=fingerprint(caller, request),
                               method=request.method, path=request.path)
        if replay is not None:
            return replay
        return _run_and_store(record, view_method, view, request, *args, **kwargs)

    return wrapper


def _check_key(key: str) -> None:
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise InvalidRequestError(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters.",
            details=[{"field": HEADER, "reason": f"Must be 1 to {MAX_KEY_LENGTH} characters.", "value": len(key)}])


def _caller(request) -> str:
    actor = getattr(request, "actor", None)
    if actor is None:  # the views that opt in all require authentication; be explicit if not
        raise InvalidRequestError(f"{HEADER} needs an authenticated caller.")
    return f"{actor.type}:{actor.id}"


def fingerprint(caller: str, request) -> str:
    """Caller, method, path and the parsed body in canonical form (key order and whitespace do
    not make two requests different)."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256("\n".join([caller, request.method, request.path, body]).encode()).hexdigest()


def claim(*, caller: str, key: str, fingerprint: str, method: str, path: str):
    """(record, None) when this request owns the key and must do the work, or (None, response)
    when an earlier request's outcome answers it."""
    from identity.models import IdempotencyRecord

    for _ in range(3):  # a row deleted between our insert and our read: try again
        now = timezone.now()
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    caller=caller, key=key, fingerprint=fingerprint, method=method, path=path[:500],
                    locked_at=now, created_at=now, expires_at=now + settings.IDEMPOTENCY_TTL), None
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
        if existing is None:
            continue
        if existing.expires_at <= now:
            IdempotencyRecord.objects.filter(pk=existing.pk, expires_at__lte=now).delete()
            continue
        if existing.fingerprint != fingerprint:
            raise IdempotencyKeyReusedError(details={"idempotencyKey": key})
        if existing.state == IdempotencyRecord.State.DONE:
            return None, _replay(existing)
        if _take_over_stale(existing, now):
            return existing, None
        raise IdempotencyConflictError(details={"idempotencyKey": key})
    raise IdempotencyConflictError(details={"idempotencyKey": key})


def _take_over_stale(record, now) -> bool:
    """An in-flight row older than IDEMPOTENCY_LOCK_TIMEOUT belongs to a request that died; one
    retry (compare-and-set on locked_at) may redo the work."""
    from identity.models import IdempotencyRecord

    if record.locked_at > now - settings.IDEMPOTENCY_LOCK_TIMEOUT:
        return False
    taken = IdempotencyRecord.objects.filter(
        pk=record.pk, state=IdempotencyRecord.State.IN_PROGRESS, locked_at=record.locked_at).update(locked_at=now)
    record.locked_at = now
    return taken == 1


def _replay(record) -> Response:
    body: dict[str, Any] = record.response_body or {}
    if "error" in body:
        error = DomainError(body["error"].get("message", ""), details=body["error"].get("details"))
        error.code, error.http_status = body["error"]["code"], record.response_status
        response = error_response(error)
    else:
        response = Response(body.get("data"), status=record.response_status)
    response[REPLAYED_HEADER] = "true"
    return response


def _run_and_store(record, view_method, view, request, *args, **kwargs):
    try:
        response = view_method(view, request, *args, **kwargs)
    except Exception as exc:
        error = _drf_to_domain(exc, None)  # classification only: DRF's handler reports it
        if error.http_status >= 500:
            record.delete()
        else:
            _store(record, error.http_status, {"error": {"code": error.code, "message": error.message,
                                                         "details": error.details}})
        raise
    if response.status_code >= 500:
        record.delete()
    else:
        _store(record, response.status_code, {"data": response.data})
    return response


def _store(record, status: int, body: dict) -> None:
    from identity.models import IdempotencyRecord

    record.state, record.response_status, record.response_body = IdempotencyRecord.State.DONE, status, body
    record.save(update_fields=["state", "response_status", "response_body"])


def request_key(request) -> tuple[str, str]:
    """(caller:key, fingerprint) of the request's Idempotency-Key, or ("", "") without one.
    A request that ended in a 5xx releases its key so that a retry can redo the work; a service that
    moves money stores this pair on its row, so the retry resumes that row (same Stripe keys)
    instead of paying a second time."""
    key = request.headers.get(HEADER)
    if not key:
        return "", ""
    caller = f"{request.actor.type}:{request.actor.id}"
    return f"{caller}:{key}", fingerprint(caller, request)
