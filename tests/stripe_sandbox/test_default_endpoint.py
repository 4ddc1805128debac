"""The project's own webhook endpoint follows the configured URL: `make run` on another PORT must
not keep delivering to the port of the first run."""

import pytest
from django.test import override_settings

from stripe_sandbox import events, store


@pytest.mark.django_db(databases="__all__")
def test_default_endpoint_follows_the_configured_url():
    with override_settings(SANDBOX_WEBHOOK_URL="http://127.0.0.1:8000/api/v1/webhooks/stripe"):
        first = events.default_endpoint()
    with override_settings(SANDBOX_WEBHOOK_URL="http://127.0.0.1:8765/api/v1/webhooks/stripe"):
        second = events.default_endpoint()
    assert first["id"] == second["id"] == events.DEFAULT_ENDPOINT_ID
    assert store.find(events.DEFAULT_ENDPOINT_ID)["url"] == "http://127.0.0.1:8765/api/v1/webhooks/stripe"
