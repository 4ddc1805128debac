"""Fixtures for the sandbox tests: the real SDK through the gateway, against the sandbox."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _sandbox_settings(settings):
    from oracle_ledger import gateway

    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_SANDBOX = True
    # No default endpoint unless a test asks: deliveries would otherwise target port 8000.
    settings.SANDBOX_WEBHOOK_URL = ""
    gateway.reset_client()
    yield
    gateway.reset_client()


@pytest.fixture
def stripe_client():
    """The gateway's own StripeClient (the real SDK, in-process sandbox transport)."""
    from oracle_ledger import gateway

    return gateway.client()
