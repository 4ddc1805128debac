"""Errors of the webhook endpoint and of event processing."""

from __future__ import annotations

from oracle_ledger.errors import DomainError, InvalidRequestError


class WebhookSignatureInvalidError(DomainError):
    """DESIGN §9: a bad signature, timestamp or header is 400 WEBHOOK_SIGNATURE_INVALID."""

    code, http_status, default_message = "WEBHOOK_SIGNATURE_INVALID", 400, "Invalid webhook signature."


class WebhookPayloadInvalidError(InvalidRequestError):
    """Signed correctly (or too large / empty to check) but not a readable Stripe event."""


class EventIgnored(Exception):  # noqa: N818 - an outcome, not a failure
    """Raised by a handler: nothing to do for this event (recorded as `ignored` with the reason)."""


class EventRetryable(Exception):  # noqa: N818
    """Raised by a handler for a transient condition (e.g. the object is still being created
    locally): the task retries with backoff."""
