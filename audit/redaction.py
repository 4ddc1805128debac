"""Redaction for audit entries: stricter than the error details' `redact`.

By field name (the shared `SENSITIVE_FIELD` list plus a few more) AND by value: a string that
looks like a secret (Stripe secret/restricted keys, webhook secrets, our API keys, JWTs, bearer
credentials), an SSN or a card/account-sized run of digits is redacted whatever the field is
called, because `changes` and `metadata` come from many callers and one careless key name must not
put a secret into a log that can never be edited again."""

from __future__ import annotations

import re
from typing import Any

from oracle_ledger.api.errors import REDACTED, SENSITIVE_FIELD

_EXTRA_SENSITIVE_FIELD = re.compile(
    r"(private_?key|credential|passphrase|passcode|social_?security|tax_?id|iban|signing_?key|cookie|session_?id)",
    re.IGNORECASE,
)

_SECRET_VALUE = re.compile(
    r"(\b(sk|rk)_(live|test)_[A-Za-z0-9]{16,}"  # Stripe secret and restricted keys
    r"|\bwhsec_[A-Za-z0-9]{16,}"  # Stripe webhook signing secrets
    r"|\bolk_(live|test)_[A-Za-z0-9]{24,}"  # our API keys (the 8-character visible prefix stays)
    r"|\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"  # JWTs
    r"|\bbearer\s+\S+"
    r"|\b\d{3}-\d{2}-\d{4}\b"  # SSN
    r"|(?<![\d.])\d{12,19}(?![\d.]))",  # card and most bank account numbers (routing numbers are 9)
    re.IGNORECASE,
)


def is_sensitive_field(name: str) -> bool:
    return bool(SENSITIVE_FIELD.search(name) or _EXTRA_SENSITIVE_FIELD.search(name))


def _redact_all(value: Any) -> Any:
    """Under a sensitive key: keep the shape (so a diff still shows that it changed, or was set
    from nothing) but no value."""
    if isinstance(value, dict):
        return {key: _redact_all(sub) for key, sub in value.items()}
    if isinstance(value, list):
        return [_redact_all(sub) for sub in value]
    return None if value is None else REDACTED


def redact_value(value: Any, field: str = "") -> Any:
    """`value` with every sensitive part replaced by "[REDACTED]", recursively."""
    if field and is_sensitive_field(field):
        return _redact_all(value)
    if isinstance(value, dict):
        return {key: redact_value(sub, str(key)) for key, sub in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(sub, field) for sub in value]
    if isinstance(value, str) and _SECRET_VALUE.search(value):
        return REDACTED
    return value
