"""Failure injection (issue 4 item 7): the next N calls fail as Stripe can fail.

`timeout`: the sandbox does the work and commits, then the answer is lost (the SDK sees a
connection error and retries with the same Idempotency-Key, which replays the stored response).
`connection`: nothing reaches the sandbox. `500` / `429`: Stripe's `api_error` / `rate_limit`."""

from __future__ import annotations

from django.db import transaction

from stripe_sandbox import DB
from stripe_sandbox.errors import StripeApiError
from stripe_sandbox.models import SandboxFailure

TIMEOUT, CONNECTION, SERVER_ERROR, RATE_LIMIT = "timeout", "connection", "500", "429"
KINDS = (TIMEOUT, CONNECTION, SERVER_ERROR, RATE_LIMIT)


def inject(kind: str, *, count: int = 1, path_prefix: str = "") -> SandboxFailure:
    """Make the next `count` calls (whose path starts with `path_prefix`, e.g. "/v1/payment_intents")
    fail with `kind`. Committed at once, so other processes see it too."""
    from stripe_sandbox import clock

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    with transaction.atomic(using=DB):
        return SandboxFailure.objects.using(DB).create(kind=kind, remaining=count, path_prefix=path_prefix,
                                                       created=clock.now())


def clear() -> None:
    SandboxFailure.objects.using(DB).all().delete()


def consume(path: str) -> SandboxFailure | None:
    """Take one failure due for `path` (committed separately: a failed call still counts)."""
    with transaction.atomic(using=DB):
        for failure in (SandboxFailure.objects.using(DB).select_for_update(skip_locked=True)
                        .filter(remaining__gt=0).order_by("id")):
            if path.startswith(failure.path_prefix):
                failure.remaining -= 1
                if failure.remaining:
                    failure.save(update_fields=["remaining"])
                else:
                    failure.delete()
                return failure
    return None


def response(kind: str, headers: dict[str, str]):
    from stripe_sandbox.router import SandboxResponse

    if kind == CONNECTION:
        return SandboxResponse(503, {}, headers, lost=True)
    if kind == RATE_LIMIT:
        error = StripeApiError("Request rate limit exceeded. You can learn more about rate limits here "
                               "https://stripe.com/docs/rate-limits.", type="invalid_request_error",
                               code="rate_limit", http_status=429)
    else:
        error = StripeApiError("An unknown error occurred", type="api_error", http_status=500)
    return SandboxResponse(error.http_status, error.body(), headers)
