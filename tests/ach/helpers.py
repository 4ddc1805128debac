from __future__ import annotations


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False and body["error"]["code"] == code, body
    return body["error"]


def failing_fields(response) -> dict[str, dict]:
    details = error(response, 422, "VALIDATION_ERROR")["details"]
    return {item["field"]: item for item in details}


def stripe_intent_count() -> int:
    from stripe_sandbox import DB
    from stripe_sandbox.models import SandboxObject

    return SandboxObject.objects.using(DB).filter(object="payment_intent").count()
