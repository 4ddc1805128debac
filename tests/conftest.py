"""Shared fixtures. Tests run against the embedded (or configured) real PostgreSQL and Redis.

One PostgreSQL and one Redis may serve several test runs at once (xdist workers, two developers'
runs): each run and worker gets its own test database, cache key prefix and broker database."""

from __future__ import annotations

import hashlib
import os
import uuid

import pytest

RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID", uuid.uuid4().hex)[:8]
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def pytest_configure(config):
    from django.conf import settings

    settings.CACHES["default"]["KEY_PREFIX"] = f"test:{RUN_ID}:{WORKER}"
    broker_db = 2 + int(hashlib.sha256(f"{RUN_ID}{WORKER}".encode()).hexdigest(), 16) % 60
    settings.CELERY_BROKER_URL = settings.CELERY_BROKER_URL.rsplit("=", 1)[0] + f"={broker_db}" \
        if "virtual_host=" in settings.CELERY_BROKER_URL else settings.CELERY_BROKER_URL
    from oracle_ledger.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    from django.conf import settings

    for db in settings.DATABASES.values():
        test = db.setdefault("TEST", {})
        test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_{RUN_ID}"


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
