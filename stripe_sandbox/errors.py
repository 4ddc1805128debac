"""Stripe-shaped errors: `{"error": {type, code, decline_code, param, message, doc_url, ...}}`."""

from __future__ import annotations

from typing import Any

DOCS = "https://stripe.com/docs/error-codes"


class StripeApiError(Exception):
    """Raised by handlers; the dispatcher turns it into Stripe's error body and status.

    `persist=True` keeps what the handler wrote (a declined confirmation stores the failed charge
    and the intent's `last_payment_error`, and the idempotency key remembers the 402), as Stripe
    does once an endpoint has started executing. Validation errors roll everything back."""

    def __init__(self, message: str, *, type: str = "invalid_request_error", code: str | None = None,
                 param: str | None = None, decline_code: str | None = None, http_status: int = 400,
                 extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                 persist: bool = False):
        super().__init__(message)
        self.message, self.type, self.code, self.param = message, type, code, param
        self.decline_code, self.http_status = decline_code, http_status
        self.extra, self.headers, self.persist = extra or {}, headers or {}, persist

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"{DOCS}/{self.code.replace('_', '-')}"
        if self.decline_code:
            error["decline_code"] = self.decline_code
        if self.param:
            error["param"] = self.param
        error.update(self.extra)
        return {"error": error}


def missing(param: str) -> StripeApiError:
    return StripeApiError(f"Missing required param: {param}.", code="parameter_missing", param=param)


def unknown(param: str) -> StripeApiError:
    return StripeApiError(f"Received unknown parameter: {param}", code="parameter_unknown", param=param)


def invalid(param: str, message: str, code: str | None = None) -> StripeApiError:
    return StripeApiError(message, code=code, param=param)


def not_found(kind: str, object_id: str, param: str = "id", http_status: int = 404) -> StripeApiError:
    """404 for the object named in the URL; Stripe answers 400 for one named by a body parameter
    (use `store.ref` for those)."""
    return StripeApiError(f"No such {kind}: '{object_id}'", code="resource_missing", param=param,
                          http_status=http_status)


def state(message: str, code: str = "payment_intent_unexpected_state", **extra: Any) -> StripeApiError:
    return StripeApiError(message, code=code, extra=extra)
