"""Fixtures for the sandbox tests: the real SDK through the gateway, against the sandbox."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _sandbox_settings(sandbox_stripe):
    """Every test here runs on the in-process sandbox (tests/conftest.py `sandbox_stripe`)."""


@pytest.fixture
def stripe_client():
    """The gateway's own StripeClient (the real SDK, in-process sandbox transport)."""
    from oracle_ledger import gateway

    return gateway.client()
