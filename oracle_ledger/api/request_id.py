"""X-Request-ID: accepted when sane, otherwise generated; echoed, logged, and one access log line
per request with method, path, status, duration and caller."""

from __future__ import annotations

import logging
import time

from oracle_ledger.api.context import caller_var, request_id_var, sane_request_id

access_log = logging.getLogger("oracle_ledger.request")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = sane_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        rid_token = request_id_var.set(request_id)
        caller_token = caller_var.set(None)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            access_log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "caller": caller_var.get() or _client_ip(request),
                },
            )
            return response
        finally:
            request_id_var.reset(rid_token)
            caller_var.reset(caller_token)


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")
