"""The guide's envelopes. Success: {success, data, timestamp, requestId}; error: {success, error
{code, message, details, suggestion?}, timestamp, requestId, documentationUrl}. JSON in, JSON out,
whatever the client's Accept header says."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer

from oracle_ledger.api.context import current_request_id, new_request_id


def utc_timestamp(moment: datetime | None = None) -> str:
    """UTC ISO 8601 with milliseconds and `Z`, the guide's one timestamp format."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _request_id() -> str:
    return current_request_id() or new_request_id()


def success_body(data: Any) -> dict[str, Any]:
    return {"success": True, "data": data, "timestamp": utc_timestamp(), "requestId": _request_id()}


def error_body(code: str, message: str, details: Any = None, suggestion: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "details": details if details is not None else []}
    if suggestion:
        error["suggestion"] = suggestion
    return {
        "success": False,
        "error": error,
        "timestamp": utc_timestamp(),
        "requestId": _request_id(),
        "documentationUrl": f"{settings.API_DOCUMENTATION_URL.rstrip('/')}/{code}",
    }


class EnvelopeJSONRenderer(JSONRenderer):
    """Wraps a view's data in the success envelope; error responses arrive already wrapped by the
    exception handler (DRF marks them with `response.exception`)."""

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and (response.exception or getattr(response, "raw_body", False)):
            return super().render(data, accepted_media_type, renderer_context)
        if response is not None and response.status_code == 204:
            return b""
        return super().render(success_body(data), accepted_media_type, renderer_context)


class StrictJSONParser(JSONParser):
    """A body must be a JSON object: an array, a string or a number is INVALID_REQUEST."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise ParseError("The request body must be a JSON object.")
        return data


class JSONOnlyNegotiation(BaseContentNegotiation):
    """The API speaks JSON only; an Accept header can never turn an answer into HTML or a 406."""

    def select_parser(self, request, parsers):
        for parser in parsers:
            if request.content_type.split(";")[0].strip().lower() == parser.media_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type
