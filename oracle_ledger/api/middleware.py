"""Errors that happen outside DRF (URL not found, an exception in a plain Django view or in
middleware, the database down before a view runs) still answer the envelope under /api/."""

from __future__ import annotations

import json
import sys

from django.http import HttpResponse
from django.views import defaults

from oracle_ledger.api.envelope import error_body
from oracle_ledger.api.errors import to_domain_error
from oracle_ledger.errors import DomainError, ResourceNotFoundError


def is_api_path(request) -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


def envelope_response(error: DomainError) -> HttpResponse:
    body = error_body(error.code, error.message, error.details, error.suggestion)
    return HttpResponse(json.dumps(body), status=error.http_status, content_type="application/json")


class ApiErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_api_path(request):
            return None
        return envelope_response(to_domain_error(exception))


def handler404(request, exception=None):
    if is_api_path(request):
        return envelope_response(ResourceNotFoundError())
    return defaults.page_not_found(request, exception)


def handler500(request):
    # Django calls this inside its `except` block, so the exception is still at hand.
    if is_api_path(request):
        exc = sys.exc_info()[1]
        return envelope_response(to_domain_error(exc) if exc else to_domain_error(RuntimeError("unknown")))
    return defaults.server_error(request)


def handler400(request, exception=None):
    if is_api_path(request):
        from oracle_ledger.errors import InvalidRequestError

        return envelope_response(InvalidRequestError())
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    if is_api_path(request):
        from oracle_ledger.errors import InsufficientPermissionsError

        return envelope_response(InsufficientPermissionsError())
    return defaults.permission_denied(request, exception)
