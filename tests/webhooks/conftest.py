"""Webhook tests: a known signing secret, Stripe as the in-process sandbox, no automatic delivery."""

from __future__ import annotations

import pytest

from tests.webhooks.helpers import SECRET


@pytest.fixture(autouse=True)
def _webhook_settings(sandbox_stripe, settings):
    settings.STRIPE_WEBHOOK_SECRET = [SECRET]
    settings.WEBHOOK_RETRY_BASE_SECONDS = 1
