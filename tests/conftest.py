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
    # PBKDF2's real cost is ~0.3 s a hash here; every user a test makes would pay it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
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
        # The audit table refuses TRUNCATE unless the session allows it (audit migration 0002);
        # transactional tests flush their throwaway database with one TRUNCATE of every table.
        options = db.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c oracle_ledger.allow_audit_truncate=on".strip()


@pytest.fixture(scope="session", autouse=True)
def _close_sandbox_connection(django_db_setup, django_db_blocker):
    """The Stripe sandbox's own connection (alias "stripe_sandbox", same test database) must be
    closed before the test database is dropped."""
    yield
    from django.db import connections

    connections["stripe_sandbox"].close()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counters(monkeypatch):
    """Each test counts from zero: every request of the suite comes from 127.0.0.1."""
    from django.conf import settings

    monkeypatch.setattr(settings, "RATELIMIT_CACHE_PREFIX", f"rl:{uuid.uuid4().hex[:12]}:", raising=False)


# --- Identity fixtures (issue 3). Other apps' tests code against these names and signatures. ---

@pytest.fixture
def org(db):
    from tests.identity.factories import OrganizationFactory

    return OrganizationFactory(slug="acme", name="Acme Corp")


@pytest.fixture
def other_org(db):
    from tests.identity.factories import OrganizationFactory

    return OrganizationFactory(slug="globex", name="Globex")


@pytest.fixture
def make_user(db, org):
    """make_user(role="admin", org=None, **fields) -> a saved User (of `org` by default); its
    password is tests.identity.factories.PASSWORD."""
    from tests.identity.factories import UserFactory

    default_org = org

    def make(role: str = "admin", org=None, **fields):
        return UserFactory(role=role, organization=org or default_org, **fields)

    return make


@pytest.fixture
def client_for(make_user):
    """client_for(user_or_role, org=None) -> an APIClient sending a valid JWT for that user (a
    new user of that role, in `org` or the `org` fixture, when given a role name)."""
    from rest_framework.test import APIClient

    from identity.tokens import tokens_for

    def make(user_or_role, org=None):
        user = make_user(role=user_or_role, org=org) if isinstance(user_or_role, str) else user_or_role
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user)[0]}")
        client.user = user
        return client

    return make



@pytest.fixture
def sandbox_stripe(settings):
    """The gateway on the in-process sandbox, whatever the environment says, with no default
    webhook endpoint (tests deliver events themselves; deliveries would otherwise target port
    8000)."""
    from oracle_ledger import gateway

    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_SANDBOX = True
    settings.SANDBOX_WEBHOOK_URL = ""
    gateway.reset_client()
    yield
    gateway.reset_client()


@pytest.fixture
def sandbox_stripe_failures_cleared(sandbox_stripe):
    """`sandbox_stripe`, and no injected failure outlives its test (for tests that may use the
    sandbox database; clearing touches it)."""
    from stripe_sandbox import failures

    yield
    failures.clear()
