"""The envelope, request ids and the error mapping that every endpoint inherits."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from oracle_ledger.api.errors import all_domain_errors, exception_handler
from oracle_ledger.errors import DomainError

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
GENERATED_ID = re.compile(r"^req_[0-9a-f]{24}$")

pytestmark = pytest.mark.urls("tests.platform.urls")


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body["success"] is False
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "details" in body["error"]
    assert TIMESTAMP.match(body["timestamp"])
    assert body["requestId"] == response["X-Request-ID"]
    assert body["documentationUrl"].endswith(f"/{code}")
    return body


def test_health_answers_the_success_envelope(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["data"] == {"status": "ok"}
    assert TIMESTAMP.match(body["timestamp"])
    assert GENERATED_ID.match(body["requestId"])
    assert response["X-Request-ID"] == body["requestId"]


def test_sane_request_id_is_echoed(client):
    response = client.get("/api/health", HTTP_X_REQUEST_ID="client-abc_123.x:y")
    assert response["X-Request-ID"] == "client-abc_123.x:y"
    assert response.json()["requestId"] == "client-abc_123.x:y"


@pytest.mark.parametrize("bad", ["x" * 129, "has space", "<script>", "a/b", "semi;colon", "ünïcode"])
def test_odd_or_overlong_request_id_is_replaced_not_echoed(client, bad):
    response = client.get("/api/health", HTTP_X_REQUEST_ID=bad)
    assert response["X-Request-ID"] != bad
    assert GENERATED_ID.match(response["X-Request-ID"])


def test_unknown_api_path_is_resource_not_found(client):
    assert_error(client.get("/api/v1/nothing-here"), 404, "RESOURCE_NOT_FOUND")


def test_unknown_path_outside_api_is_still_not_found(client):
    assert client.get("/nothing-here").status_code == 404


def test_wrong_method_is_405_with_allow_header(client):
    response = client.post("/api/health", data="{}", content_type="application/json")
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in response["Allow"]


def test_malformed_json_is_invalid_request(client):
    response = client.post("/api/test/echo", data='{"email": ', content_type="application/json")
    assert_error(response, 400, "INVALID_REQUEST")


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "42", "null"])
def test_body_that_is_not_an_object_is_invalid_request(client, body):
    assert_error(client.post("/api/test/echo", data=body, content_type="application/json"), 400, "INVALID_REQUEST")


def test_wrong_content_type_is_invalid_request(client):
    response = client.post("/api/test/echo", data="email=a@b.co", content_type="application/x-www-form-urlencoded")
    assert_error(response, 400, "INVALID_REQUEST")


def test_accept_html_still_gets_json(client):
    response = client.get("/api/v1/nothing-here", HTTP_ACCEPT="text/html")
    assert_error(response, 404, "RESOURCE_NOT_FOUND")
    response = client.get("/api/health", HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("application/json")


def test_validation_error_names_every_failing_field_with_its_value(client):
    response = client.post(
        "/api/test/echo",
        data=json.dumps({"email": "not-an-email", "amount": 0, "accountNumber": "000123456789",
                         "billingAddress": {"postalCode": "ABC", "country": "US"}}),
        content_type="application/json",
    )
    body = assert_error(response, 422, "VALIDATION_ERROR")
    details = {d["field"]: d for d in body["error"]["details"]}
    assert set(details) == {"email", "amount", "accountNumber", "billingAddress.postalCode"}
    assert details["email"]["value"] == "not-an-email"
    assert details["amount"]["value"] == 0
    assert details["billingAddress.postalCode"]["value"] == "ABC"
    assert all(d["reason"] for d in details.values())
    # An account number is never echoed back, not even in an error.
    assert details["accountNumber"]["value"] == "[REDACTED]"
    assert "000123456789" not in response.content.decode()


def test_missing_fields_are_named(client):
    body = assert_error(client.post("/api/test/echo", data="{}", content_type="application/json"),
                        422, "VALIDATION_ERROR")
    assert {d["field"] for d in body["error"]["details"]} == {"email", "amount", "accountNumber", "billingAddress"}


def test_exception_in_view_is_internal_error_without_detail():
    client = Client(raise_request_exception=False)
    response = client.get("/api/test/boom", HTTP_X_REQUEST_ID="trace-me-1")
    body = assert_error(response, 500, "INTERNAL_ERROR")
    assert body["requestId"] == "trace-me-1"
    assert "secret internal detail" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_exception_in_plain_django_view_under_api_is_enveloped():
    client = Client(raise_request_exception=False)
    response = client.get("/api/test/plain-boom")
    assert_error(response, 500, "INTERNAL_ERROR")
    assert "plain view secret" not in response.content.decode()


def test_unexpected_exception_is_logged_with_request_id(caplog):
    client = Client(raise_request_exception=False)
    client.get("/api/test/boom", HTTP_X_REQUEST_ID="log-me-2")
    records = [r for r in caplog.records if r.name == "oracle_ledger.api.errors"]
    assert records and records[0].exc_info is not None
    assert "secret internal detail" in "".join(caplog.text)


@pytest.mark.parametrize("error_class", list(all_domain_errors()), ids=lambda c: c.__name__)
def test_every_domain_error_maps_to_its_code_and_status(error_class):
    response = exception_handler(error_class(details=[{"field": "x", "reason": "y", "value": 1}]), {})
    assert response.status_code == error_class.http_status
    assert response.data["error"]["code"] == error_class.code
    assert response.data["error"]["details"] == [{"field": "x", "reason": "y", "value": 1}]


def test_every_guide_code_has_a_domain_error():
    guide = {
        "INVALID_REQUEST": 400, "AUTHENTICATION_REQUIRED": 401, "INSUFFICIENT_PERMISSIONS": 403,
        "RESOURCE_NOT_FOUND": 404, "RESOURCE_ALREADY_EXISTS": 409, "VALIDATION_ERROR": 422,
        "RATE_LIMIT_EXCEEDED": 429, "STRIPE_ERROR": 502, "DATABASE_ERROR": 503,
        "EXTERNAL_SERVICE_ERROR": 503, "INTERNAL_ERROR": 500, "METHOD_NOT_ALLOWED": 405,
    }
    mapped = {cls.code: cls.http_status for cls in all_domain_errors() if cls is not DomainError}
    for code, status in guide.items():
        assert mapped.get(code) == status, code
