from __future__ import annotations

from stripe_sandbox import DB
from stripe_sandbox.models import SandboxObject


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False and body["error"]["code"] == code, body
    return body["error"]


def failing_fields(response) -> dict[str, dict]:
    details = error(response, 422, "VALIDATION_ERROR")["details"]
    return {item["field"]: item for item in details}


def sandbox_count(object_type: str, **filters) -> int:
    return SandboxObject.objects.using(DB).filter(object=object_type, **filters).count()


def transfers_to(account_id: str) -> int:
    return sandbox_count("transfer", data__destination=account_id)


def payouts_of(account_id: str) -> int:
    return sandbox_count("payout", account=account_id)
