from __future__ import annotations


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False and body["error"]["code"] == code, body
    return body["error"]


def failing_fields(response) -> dict[str, dict]:
    """422 VALIDATION_ERROR details keyed by field."""
    details = error(response, 422, "VALIDATION_ERROR")["details"]
    return {item["field"]: item for item in details}
