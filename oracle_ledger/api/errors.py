"""Every failure becomes the guide's error envelope, here and only here.

Services raise `DomainError` subclasses and never import DRF; this module maps those, DRF's own
exceptions, Django's 404 and database failures to (code, HTTP status). Anything else is
INTERNAL_ERROR 500 with the request id: the details go to the log, never to the client."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response

from oracle_ledger.api.envelope import error_body
from oracle_ledger.errors import (
    AuthenticationRequiredError,
    DatabaseUnavailableError,
    DomainError,
    InsufficientPermissionsError,
    InternalError,
    InvalidRequestError,
    MethodNotAllowedError,
    RateLimitExceededError,
    ResourceNotFoundError,
    ValidationFailedError,
)

log = logging.getLogger(__name__)


# Field names whose values never appear in error details, logs or audit entries.
SENSITIVE_FIELD = re.compile(
    r"(password|secret|token|account_?number|accountnumber|ssn|card_?number|cvc|cvv|api_?key|authorization)",
    re.IGNORECASE,
)
REDACTED = "[REDACTED]"


def redact(field: str, value: Any) -> Any:
    if SENSITIVE_FIELD.search(field or ""):
        return REDACTED
    if isinstance(value, dict):
        return {k: redact(str(k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(field, v) for v in value]
    return value


def _lookup(data: Any, path: list[str]) -> Any:
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def validation_details(errors: Any, data: Any, prefix: str = "") -> list[dict[str, Any]]:
    """Flatten DRF's nested error structure into the guide's [{field, reason, value}], one entry
    per failing field, with the submitted value (redacted where sensitive)."""
    out: list[dict[str, Any]] = []
    if isinstance(errors, dict):
        for key, sub in errors.items():
            name = prefix if key == "non_field_errors" else (f"{prefix}.{key}" if prefix else str(key))
            out.extend(validation_details(sub, data, name))
    elif isinstance(errors, list) and errors and all(isinstance(e, (dict, list)) for e in errors):
        for i, sub in enumerate(errors):
            if sub:
                out.extend(validation_details(sub, data, f"{prefix}.{i}" if prefix else str(i)))
    else:
        reasons = [str(e) for e in (errors if isinstance(errors, list) else [errors])]
        field = prefix or "body"
        path = [p for p in prefix.split(".") if p]
        value = _lookup(data, path) if path else None
        out.append({"field": field, "reason": " ".join(reasons), "value": redact(field, value)})
    return out


def _drf_to_domain(exc: Exception, request_data: Any) -> DomainError:
    if isinstance(exc, DomainError):
        return exc
    if isinstance(exc, drf.ValidationError):
        return ValidationFailedError(details=validation_details(exc.detail, request_data))
    if isinstance(exc, (drf.ParseError, drf.UnsupportedMediaType)):
        return InvalidRequestError(str(exc.detail))
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        return AuthenticationRequiredError(str(exc.detail))
    if isinstance(exc, (drf.PermissionDenied, DjangoPermissionDenied)):
        return InsufficientPermissionsError()
    if isinstance(exc, (drf.NotFound, Http404)):
        return ResourceNotFoundError()
    if isinstance(exc, drf.MethodNotAllowed):
        return MethodNotAllowedError(str(exc.detail))
    if isinstance(exc, drf.Throttled):
        return RateLimitExceededError(details={"retryAfter": exc.wait})
    if isinstance(exc, (OperationalError, InterfaceError)):
        return DatabaseUnavailableError()
    if isinstance(exc, drf.APIException):
        # Remaining DRF errors are client errors with no code of their own in the guide.
        if 400 <= exc.status_code < 500:
            return InvalidRequestError(str(exc.detail))
    return InternalError()


def to_domain_error(exc: BaseException, request_data: Any = None) -> DomainError:
    """Map any exception to the DomainError that describes it to a client, logging the
    unexpected ones with their traceback (the only place their details go)."""
    error = _drf_to_domain(exc, request_data) if isinstance(exc, Exception) else InternalError()
    if isinstance(error, DatabaseUnavailableError) and not isinstance(exc, DomainError):
        log.error("database unavailable: %s", exc)
    elif isinstance(error, InternalError) and not isinstance(exc, DomainError):
        log.error("unhandled exception", exc_info=(type(exc), exc, exc.__traceback__))
    return error


def error_response(error: DomainError, *, headers: dict[str, str] | None = None) -> Response:
    body = error_body(error.code, error.message, error.details, error.suggestion)
    response = Response(body, status=error.http_status, headers=headers)
    response.exception = True
    return response


def exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's EXCEPTION_HANDLER: every exception raised in a DRF view ends here."""
    request = context.get("request")
    data = getattr(request, "_full_data", None) if request is not None else None
    error = to_domain_error(exc, data)
    headers = {}
    if isinstance(exc, drf.APIException):
        headers.update(getattr(exc, "auth_header", None) and {"WWW-Authenticate": exc.auth_header} or {})
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, drf.MethodNotAllowed) and "view" in context:
        headers["Allow"] = ", ".join(context["view"].allowed_methods)
    for key, value in getattr(exc, "headers", {}).items():
        headers[key] = value
    if isinstance(exc, (OperationalError, InterfaceError)):
        # A persistent connection that failed must not be handed to the next request.
        from django.db import connection

        if not connection.in_atomic_block:
            connection.close()
    return error_response(error, headers=headers)


def all_domain_errors() -> Iterable[type[DomainError]]:
    """Every DomainError subclass, for the test that walks each through the handler."""
    stack = [DomainError]
    while stack:
        cls = stack.pop()
        yield cls
        stack.extend(cls.__subclasses__())
