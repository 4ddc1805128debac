"""Stripe's idempotency: the same `Idempotency-Key` (per account) with the same method, path and
parameters replays the first response; anything else under that key is `idempotency_error`.

The key row is inserted in the request's own transaction: a concurrent request with the same key
blocks on the unique index until the first commits, then replays its stored answer, so a retry
racing the original can never run the work twice. A request that fails validation rolls the key
back with everything else (Stripe saves no result for it)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from stripe_sandbox import DB
from stripe_sandbox.errors import StripeApiError
from stripe_sandbox.models import SandboxIdempotencyKey

MUTATING = ("POST", "DELETE")
KEY_TTL_SECONDS = 24 * 3600


@dataclass
class Claim:
    row: SandboxIdempotencyKey | None
    replay: tuple[int, dict[str, Any]] | None = None


def claim(request) -> Claim:
    from stripe_sandbox import clock

    if request.method not in MUTATING or not request.idempotency_key:
        return Claim(None)
    key = request.idempotency_key
    if len(key) > 255:
        raise StripeApiError("Idempotency-Key must be at most 255 characters.", param="Idempotency-Key")
    digest = hashlib.sha256(json.dumps([request.method, request.path, request.params],
                                       sort_keys=True).encode()).hexdigest()
    account = request.stripe_account or ""
    try:
        with transaction.atomic(using=DB):
            row = SandboxIdempotencyKey.objects.using(DB).create(
                key=key, account=account, method=request.method, path=request.path,
                params_hash=digest, created=clock.now())
        return Claim(row)
    except IntegrityError:
        row = SandboxIdempotencyKey.objects.using(DB).get(key=key, account=account)
    if row.created < clock.now() - KEY_TTL_SECONDS:
        # Stripe forgets keys after 24 hours: the old answer goes, this request runs afresh.
        SandboxIdempotencyKey.objects.using(DB).filter(pk=row.pk).delete()
        return claim(request)
    if row.params_hash != digest:
        raise StripeApiError(
            "Keys for idempotent requests can only be used with the same parameters they were first used "
            f"with. Try using a key other than '{key}' if you meant to execute a different request.",
            type="idempotency_error", http_status=400)
    return Claim(row, replay=(row.status, row.body))


def store(claim_: Claim, status: int, body: dict[str, Any]) -> None:
    if claim_.row is not None:
        SandboxIdempotencyKey.objects.using(DB).filter(pk=claim_.row.pk).update(status=status, body=body)
