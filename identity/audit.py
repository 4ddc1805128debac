"""The one door from identity to the audit log, so every auth event is recorded the same way."""

from __future__ import annotations

from typing import Any

try:  # the audit app lands in parallel (issue 3); until then there is nothing to record into
    from audit.services import audit_record
except ImportError:  # pragma: no cover - removed once the audit app is in the checkout
    audit_record = None


def record(**fields: Any) -> None:
    if audit_record is not None:
        audit_record(**fields)
