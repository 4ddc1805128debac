"""Liveness needs nothing; readiness needs PostgreSQL, Redis and the broker, and says which one is
missing. A stopped PostgreSQL is simulated by pointing the connection at a socket directory where
no server listens: psycopg then fails exactly as it does against a stopped server."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, override_settings

from tests.platform.test_api_conventions import assert_error


@pytest.fixture
def database_down(tmp_path, django_db_blocker):
    django_db_blocker.unblock()
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["HOST"] = str(tmp_path)  # an empty directory: no .s.PGSQL socket
    connection.settings_dict["NAME"] = "absent"
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(original)
    django_db_blocker.restore()


@pytest.mark.django_db
def test_ready_when_everything_is_reachable(client):
    response = client.get("/api/health/ready")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["checks"] == {"database": "ok", "redis": "ok", "broker": "ok"}


def test_liveness_does_not_touch_the_database(client, database_down):
    assert client.get("/api/health").status_code == 200


def test_ready_is_503_database_error_when_postgres_is_down(database_down):
    response = Client().get("/api/health/ready")
    assert_error(response, 503, "DATABASE_ERROR")


@pytest.mark.urls("tests.platform.urls")
def test_any_endpoint_needing_the_database_is_503_when_postgres_is_down(database_down):
    response = Client(raise_request_exception=False).get("/api/test/needs-db")
    assert_error(response, 503, "DATABASE_ERROR")


@pytest.mark.django_db
def test_ready_is_503_external_service_error_when_redis_is_down(client, tmp_path):
    bad = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                       "LOCATION": f"unix://{tmp_path}/no-redis.sock",
                       "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1}}}
    with override_settings(CACHES=bad):
        body = assert_error(client.get("/api/health/ready"), 503, "EXTERNAL_SERVICE_ERROR")
    assert body["error"]["details"]["redis"] == "unreachable"


@pytest.mark.django_db
def test_ready_is_503_when_the_broker_is_down(client, tmp_path):
    from oracle_ledger.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = f"redis+socket://{tmp_path}/no-broker.sock"
    try:
        body = assert_error(client.get("/api/health/ready"), 503, "EXTERNAL_SERVICE_ERROR")
    finally:
        app.conf.broker_url = original
    assert body["error"]["details"]["broker"] == "unreachable"
