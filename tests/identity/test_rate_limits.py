"""Rate limits per the guide's categories, per caller, counted in Redis (DESIGN §5)."""

from __future__ import annotations

import time

import pytest

from oracle_ledger.api.ratelimit import category_of, window_text
from tests.identity.factories import ApiKeyFactory
from tests.identity.test_jwt import WHOAMI, assert_error

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.identity.urls")]
HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Window")


@pytest.fixture
def hourly_limits(settings):
    """Three requests per hour everywhere: a window cannot roll over in the middle of a test."""
    settings.RATE_LIMITS = {name: "3/h" for name in settings.RATE_LIMITS}
    return settings


@pytest.mark.parametrize(("path", "category"), [
    ("/api/auth/login", "auth"), ("/api/v1/customers", "customers"), ("/api/v1/customers/cust_1", "customers"),
    ("/api/v1/payments/pi_1/refund", "payments"), ("/api/v1/ach-payments", "ach"),
    ("/api/v1/direct-deposit/recipients", "direct_deposit"), ("/api/v1/webhooks/stripe", "webhooks"),
    ("/api/v1/ledger/journal", "general"), ("/api/v1/audit-logs", "general"),
])
def test_category_is_chosen_by_path(path, category):
    assert category_of(path) == category


def test_the_guide_limits_are_the_defaults(settings):
    assert settings.RATE_LIMITS == {"auth": "10/m", "customers": "100/m", "payments": "50/m", "ach": "30/m",
                                    "direct_deposit": "20/m", "webhooks": "1000/m", "general": "1000/m"}


@pytest.mark.parametrize(("method", "path", "limit"), [
    ("get", WHOAMI, "1000"), ("post", "/api/auth/login", "10"), ("get", "/api/v1/no-such-thing", "1000"),
    ("get", "/api/v1/customers/does-not-exist", "100"), ("post", "/api/v1/direct-deposit/x", "20"),
])
def test_every_api_response_carries_the_headers_even_errors(api_client, method, path, limit):
    before = int(time.time())
    response = getattr(api_client, method)(path, {}, format="json")
    assert response.status_code >= 400  # unauthenticated, invalid or unknown: still counted and labelled
    assert response["X-RateLimit-Limit"] == limit and response["X-RateLimit-Window"] == "60"
    assert int(response["X-RateLimit-Remaining"]) in (int(limit) - 1, int(limit))
    # A window may end in the very second of the request: Reset is then "now".
    assert before <= int(response["X-RateLimit-Reset"]) <= int(time.time()) + 60


def test_health_and_non_api_paths_are_not_limited(api_client):
    assert not any(h in api_client.get("/api/health") for h in HEADERS)
    assert not any(h in api_client.get("/admin/login/") for h in HEADERS)


def test_fourth_request_is_429_with_details_and_retry_after(client_for, hourly_limits):
    client = client_for("auditor")
    remaining = [client.get(WHOAMI)["X-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    response = client.get(WHOAMI)
    body = assert_error(response, 429, "RATE_LIMIT_EXCEEDED")
    retry_after = int(response["Retry-After"])
    assert body["error"]["details"] == {"limit": 3, "window": "1 hour", "retryAfter": retry_after}
    assert 0 < retry_after <= 3600
    assert response["X-RateLimit-Limit"] == "3" and response["X-RateLimit-Remaining"] == "0"
    assert response["X-RateLimit-Window"] == "3600"
    assert abs(int(response["X-RateLimit-Reset"]) - (int(time.time()) + retry_after)) <= 1


def test_callers_are_counted_separately(client_for, api_client, org, hourly_limits):
    first, second = client_for("auditor"), client_for("auditor")
    for _ in range(3):
        first.get(WHOAMI)
    assert first.get(WHOAMI).status_code == 429
    assert second.get(WHOAMI).status_code == 200  # another user
    _, secret = ApiKeyFactory.create_with_secret(organization=org)
    assert api_client.get(WHOAMI, HTTP_X_API_KEY=secret).status_code == 200  # an API key
    assert api_client.get("/api/v1/none")["X-RateLimit-Remaining"] == "2"  # the anonymous IP


def test_categories_are_counted_separately(client_for, hourly_limits):
    client = client_for("auditor")
    for _ in range(3):
        client.get(WHOAMI)
    assert client.get(WHOAMI).status_code == 429
    assert client.get("/api/v1/customers/x")["X-RateLimit-Remaining"] == "2"


def test_failed_logins_are_limited_per_client(api_client, make_user, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "auth": "3/h"}
    user = make_user()
    for _ in range(3):
        wrong = api_client.post("/api/auth/login", {"email": user.email, "password": "nope-nope-1"}, format="json")
        assert wrong.status_code == 401
    from tests.identity.factories import PASSWORD

    blocked = api_client.post("/api/auth/login", {"email": user.email, "password": PASSWORD}, format="json")
    assert_error(blocked, 429, "RATE_LIMIT_EXCEEDED")  # even the right password waits


def test_window_text():
    assert [window_text(s) for s in (1, 60, 120, 3600, 86400, 90)] == [
        "1 second", "1 minute", "2 minutes", "1 hour", "1 day", "90 seconds"]


def test_failed_logins_for_one_email_are_limited_across_addresses(api_client, make_user, settings):
    from tests.identity.factories import PASSWORD

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "auth": "3/h"}
    user, bystander = make_user(), make_user()
    for n in range(3):
        wrong = api_client.post("/api/auth/login", {"email": user.email, "password": "nope-nope-1"}, format="json",
                                REMOTE_ADDR=f"10.0.0.{n}")
        assert wrong.status_code == 401
    blocked = api_client.post("/api/auth/login", {"email": user.email.upper(), "password": PASSWORD},
                              format="json", REMOTE_ADDR="10.0.0.9")
    body = assert_error(blocked, 429, "RATE_LIMIT_EXCEEDED")
    assert body["error"]["details"]["limit"] == 3 and int(blocked["Retry-After"]) > 0
    other = api_client.post("/api/auth/login", {"email": bystander.email, "password": PASSWORD}, format="json",
                            REMOTE_ADDR="10.0.0.10")
    assert other.status_code == 200


def test_unknown_emails_are_limited_like_known_ones(api_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "auth": "2/h"}
    answers = [api_client.post("/api/auth/login", {"email": "ghost@example.com", "password": "x-x-x-x-x-1"},
                               format="json", REMOTE_ADDR=f"10.0.1.{n}").status_code for n in range(3)]
    assert answers == [401, 401, 429]


def test_redis_down_serves_requests_without_limits(client_for, settings, caplog):
    client = client_for("auditor")
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    response = client.get(WHOAMI)
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response
    assert any("rate limit not counted" in r.getMessage() for r in caplog.records)
