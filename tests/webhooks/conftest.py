"""Webhook tests: a known signing secret, Stripe as the in-process sandbox, no automatic delivery."""

from __future__ import annotations

import pytest

from tests.webhooks.helpers import SECRET


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    from oracle_ledger import gateway

    settings.STRIPE_WEBHOOK_SECRET = [SECRET]
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_SANDBOX = True
    settings.SANDBOX_WEBHOOK_URL = ""  # tests deliver events themselves
    settings.WEBHOOK_RETRY_BASE_SECONDS = 1
    gateway.reset_client()
    yield
    gateway.reset_client()
