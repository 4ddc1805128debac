"""`manage.py stripe_sandbox status` and `reset`."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from oracle_ledger import gateway
from stripe_sandbox import failures
from stripe_sandbox.models import SandboxIdempotencyKey, SandboxObject, SandboxTransition

pytestmark = pytest.mark.django_db(databases="__all__")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("stripe_sandbox", *args, stdout=out)
    return out.getvalue()


def test_status_lists_objects_by_type_clock_transitions_and_undelivered_events():
    gateway.webhook_endpoint_create(url="http://127.0.0.1:9/h", enabled_events=["*"], idempotency_key="w")
    gateway.customer_create(email="s@x.co", idempotency_key="c")
    gateway.payment_intent_create(amount_cents=1_000, currency="usd", payment_method_id="pm_card_visa",
                                  idempotency_key="p")
    failures.inject("500", count=2)
    failures.clear()
    text = run("status")
    assert "  customer: 1\n" in text and "  payment_intent: 1\n" in text and "  charge: 1\n" in text
    assert "clock: " in text and "pending transitions: 0" in text
    assert "undelivered events: 4" in text  # customer.created, payment_intent.created, charge/pi succeeded


def test_reset_empties_the_sandbox():
    customer = gateway.customer_create(email="r@x.co", idempotency_key="c")
    assert "reset" in run("reset")
    assert not SandboxObject.objects.exists() and not SandboxIdempotencyKey.objects.exists()
    assert not SandboxTransition.objects.exists()
    with pytest.raises(gateway.StripeRejected):
        gateway.customer_retrieve(customer.id)
    assert gateway.customer_create(email="r@x.co", idempotency_key="c").id != customer.id  # keys forgotten too


def test_unknown_subcommand_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run("explode")


def test_fail_injects_failures_the_gateway_then_meets():
    assert "fail with 500" in run("fail", "--kind", "500", "--count", "3", "--path", "/v1/customers")
    with pytest.raises(gateway.StripeUnavailable):
        gateway.customer_create(email="f@x.co", idempotency_key="f")
    gateway.customer_create(email="f@x.co", idempotency_key="f")  # the three are used up
    run("fail", "--kind", "connection", "--count", "9")
    run("fail", "--clear")
    assert "injected failures waiting: 0" in run("status")
