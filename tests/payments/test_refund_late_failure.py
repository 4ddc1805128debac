"""A refund that succeeded can fail later at Stripe (a closed card: the money comes back to our
balance). The failure arrives as `refund.updated` (and `refund.failed` on newer API versions) and
must give the amount back to the payment, reverse the refund's ledger entry once and be audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from ledger.models import EntryKind, JournalEntry
from ledger.selectors import trial_balance
from oracle_ledger.actors import Actor
from payments.models import Payment, Refund
from payments.services import refund_status_advance
from stripe_sandbox.router import dispatch, sandbox_secret_key
from tests.payments.test_webhooks import handle, stripe_event

pytestmark = pytest.mark.django_db(databases="__all__")


def refund(client, payment_id, amount):
    return client.post(f"/api/v1/payments/{payment_id}/refund", {"amount": amount}, format="json")


def stripe_fails(stripe_refund_id: str) -> dict:
    """Stripe's test helper: the refund fails after it succeeded (the sandbox's own endpoint)."""
    response = dispatch("POST", f"/v1/test_helpers/refunds/{stripe_refund_id}/fail", "",
                        "failure_reason=expired_or_canceled_card",
                        {"Authorization": f"Bearer {sandbox_secret_key()}"})
    assert response.status == 200, response.body
    return response.body


@pytest.fixture
def succeeded_refund(admin_client, pay):
    paid = pay(amount=10_000).json()["data"]
    body = refund(admin_client, paid["id"], 4000).json()["data"]
    stored = Refund.objects.get(stripe_refund_id=body["stripeRefundId"])
    assert stored.status == Refund.Status.SUCCEEDED
    return paid, stored


def reversals(stored: Refund):
    entry = JournalEntry.objects.get(source_type="refund", source_id=stored.public_id, kind=EntryKind.REFUND)
    return JournalEntry.objects.filter(reverses=entry)


@pytest.mark.parametrize("event_type", ["refund.updated", "refund.failed"])
def test_a_succeeded_refund_that_fails_later_gives_the_amount_back_and_reverses_once(
        admin_client, succeeded_refund, org, event_type):
    paid, stored = succeeded_refund
    assert Payment.objects.get(public_id=paid["id"]).refunded_cents == 4000
    stripe_fails(stored.stripe_refund_id)
    event = stripe_event(event_type, stored.stripe_refund_id)
    handle(event_type, event)
    handle(event_type, event)  # redelivered
    handle("refund.updated" if event_type == "refund.failed" else "refund.failed", event)  # its twin
    stored.refresh_from_db()
    assert (stored.status, stored.failure_reason) == ("failed", "expired_or_canceled_card")
    assert Payment.objects.get(public_id=paid["id"]).refunded_cents == 0
    assert reversals(stored).count() == 1
    payment = Payment.objects.get(public_id=paid["id"])
    assert trial_balance(org=payment.organization, as_of=timezone.localdate() + timedelta(days=1)).balanced
    audit = AuditEntry.objects.get(action="refund.failed", object_id=stored.public_id)
    assert audit.changes == {"status": {"from": "succeeded", "to": "failed"}}
    # The whole amount is refundable again: a new refund of it is accepted.
    again = refund(admin_client, paid["id"], 10_000)
    assert again.status_code == 200, again.content
    assert Payment.objects.get(public_id=paid["id"]).refunded_cents == 10_000


def test_a_failed_refund_never_becomes_succeeded_again(succeeded_refund):
    paid, stored = succeeded_refund
    failed = stripe_fails(stored.stripe_refund_id)
    handle("refund.failed", failed)
    actor = Actor.stripe(organization=stored.payment.organization)
    _, moved = refund_status_advance(refund=stored, stripe_refund={**failed, "status": "succeeded"}, actor=actor)
    stored.refresh_from_db()
    assert not moved and stored.status == "failed"
    assert Payment.objects.get(public_id=paid["id"]).refunded_cents == 0
    assert JournalEntry.objects.filter(source_type="refund", kind=EntryKind.REFUND).count() == 1
    assert reversals(stored).count() == 1


def test_a_stale_succeeded_event_after_the_failure_changes_nothing(succeeded_refund):
    paid, stored = succeeded_refund
    stale = stripe_event("refund.created", stored.stripe_refund_id)  # status succeeded at the time
    handle("refund.failed", stripe_fails(stored.stripe_refund_id))
    handle("refund.created", stale)  # the handler re-reads Stripe: failed, already recorded
    stored.refresh_from_db()
    assert stored.status == "failed"
    assert Payment.objects.get(public_id=paid["id"]).refunded_cents == 0
    assert reversals(stored).count() == 1


def test_the_sandbox_refuses_to_fail_a_refund_twice(succeeded_refund):
    _, stored = succeeded_refund
    stripe_fails(stored.stripe_refund_id)
    response = dispatch("POST", f"/v1/test_helpers/refunds/{stored.stripe_refund_id}/fail", "", "",
                        {"Authorization": f"Bearer {sandbox_secret_key()}"})
    assert response.status == 400 and response.body["error"]["code"] == "refund_not_failable"
