"""Assertions and sandbox counts that every app's tests share."""

from __future__ import annotations


def error(response, status: int, code: str) -> dict:
    """The error of an envelope answer, after checking its status and code."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False and body["error"]["code"] == code, body
    return body["error"]


def failing_fields(response) -> dict[str, dict]:
    """422 VALIDATION_ERROR details keyed by field."""
    details = error(response, 422, "VALIDATION_ERROR")["details"]
    return {item["field"]: item for item in details}


def sandbox_count(object_type: str, **filters) -> int:
    """Objects of one type the sandbox Stripe holds (what a double charge or payout would show)."""
    from stripe_sandbox import DB
    from stripe_sandbox.models import SandboxObject

    return SandboxObject.objects.using(DB).filter(object=object_type, **filters).count()


def stripe_intent_count() -> int:
    return sandbox_count("payment_intent")
