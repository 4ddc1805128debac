"""Per-request context carried into log lines, audit entries and Celery tasks."""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
caller_var: ContextVar[str | None] = ContextVar("caller", default=None)

# DESIGN §4: at most 128 of [A-Za-z0-9._:-]; anything else is replaced, never echoed.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def new_request_id() -> str:
    return f"req_{secrets.token_hex(12)}"


def sane_request_id(value: str | None) -> str:
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return new_request_id()


def current_request_id() -> str | None:
    return request_id_var.get()
