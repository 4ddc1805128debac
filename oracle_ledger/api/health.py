"""Liveness (no dependency touched) and readiness (PostgreSQL, Redis and the Celery broker)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from oracle_ledger.errors import DatabaseUnavailableError, ExternalServiceError

log = logging.getLogger(__name__)


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(summary="Liveness: the process answers", tags=["health"])
    def get(self, request):
        return Response({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    cache.get("health:ping")


def _check_broker() -> None:
    from oracle_ledger.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


class ReadinessView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(summary="Readiness: PostgreSQL, Redis and the Celery broker reachable", tags=["health"])
    def get(self, request):
        checks = {}
        try:
            _check_database()
            checks["database"] = "ok"
        except Exception as exc:  # any failure to reach PostgreSQL means "not ready"
            log.error("readiness: database unreachable: %s", exc)
            connection.close()
            raise DatabaseUnavailableError(details={"database": "unreachable"}) from exc
        for name, check in (("redis", _check_redis), ("broker", _check_broker)):
            try:
                check()
                checks[name] = "ok"
            except Exception as exc:  # noqa: BLE001 - reported, not swallowed: 503 below
                log.error("readiness: %s unreachable: %s", name, exc)
                raise ExternalServiceError(details={**checks, name: "unreachable"}) from exc
        return Response({"status": "ready", "checks": checks, "stripeMode": _stripe_mode()})


def _stripe_mode() -> str:
    key = settings.STRIPE_SECRET_KEY
    return "live" if key and not key.startswith("sk_test_sandbox") else "sandbox"
