"""The domain's errors. Services raise these (and never import DRF); oracle_ledger.api.errors
maps each to the guide's envelope by its `code` and `http_status`."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain was broken; `code` and `http_status` are the guide's."""

    code, http_status, default_message = "INTERNAL_ERROR", 500, "Something went wrong."
    suggestion: str | None = None

    def __init__(self, message: str = "", *, details: Any = None, suggestion: str | None = None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.details = details if details is not None else []
        if suggestion:
            self.suggestion = suggestion


class InvalidRequestError(DomainError):
    code, http_status, default_message = "INVALID_REQUEST", 400, "The request could not be read."


class AuthenticationRequiredError(DomainError):
    code, http_status, default_message = "AUTHENTICATION_REQUIRED", 401, "Authentication required."


class InsufficientPermissionsError(DomainError):
    code, http_status, default_message = (
        "INSUFFICIENT_PERMISSIONS", 403, "You do not have permission to perform this action.")


class ResourceNotFoundError(DomainError):
    code, http_status, default_message = "RESOURCE_NOT_FOUND", 404, "Resource not found."


class MethodNotAllowedError(DomainError):
    code, http_status, default_message = "METHOD_NOT_ALLOWED", 405, "Method not allowed."


class ResourceAlreadyExistsError(DomainError):
    code, http_status, default_message = "RESOURCE_ALREADY_EXISTS", 409, "Resource already exists."


class ValidationFailedError(DomainError):
    """Raised by services for rules a serializer cannot see (uniqueness, state). `details` is
    a list of {field, reason, value}."""

    code, http_status, default_message = "VALIDATION_ERROR", 422, "The request contains invalid parameters."


class RateLimitExceededError(DomainError):
    code, http_status, default_message = "RATE_LIMIT_EXCEEDED", 429, "Rate limit exceeded."


class StripeError(DomainError):
    code, http_status, default_message = "STRIPE_ERROR", 502, "Stripe API error."


class DatabaseUnavailableError(DomainError):
    code, http_status, default_message = "DATABASE_ERROR", 503, "The database is unavailable."


class ExternalServiceError(DomainError):
    code, http_status, default_message = "EXTERNAL_SERVICE_ERROR", 503, "An external service is unavailable."


class InternalError(DomainError):
    code, http_status, default_message = "INTERNAL_ERROR", 500, "An unexpected error occurred."


class IdempotencyKeyReusedError(ValidationFailedError):
    """An Idempotency-Key came back with a different request."""

    code, default_message = "IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was already used for a different request."
