"""Paying a recipient: transfer then payout with derived keys, statuses from Stripe's events
through the sandbox clock, fees, the ledger, and every payout failure outcome (issue 10 items 4, 6)."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from audit.models import AuditEntry
from direct_deposit.models import Payout
from direct_deposit.services import payout_attempts_sweep, payout_status_advance
from ledger import chart
from ledger import clock as ledger_clock
from ledger.models import EntryKind, JournalEntry, JournalLine
from ledger.selectors import trial_balance
from oracle_ledger.actors import Actor
from stripe_sandbox import clock
from stripe_sandbox.resources.external_accounts import PAYOUT_OUTCOMES
from stripe_sandbox.resources.payouts import FAILURE_MESSAGES
from tests.direct_deposit.conftest import OTHER_DOB, REJECTED_DOB
from tests.direct_deposit.helpers import payouts_of, transfers_to
from tests.helpers import error, sandbox_count
from tests.stripe_sandbox.connect_helpers import advance, events_of
from webhooks import registry

pytestmark = pytest.mark.django_db(databases="__all__")


def deliver_payout_events(payout: Payout) -> None:
    """Hand every payout.* event the sandbox emitted for the payout to our handlers, in order (the
    tests run without webhook delivery; the registry is what the webhook task calls)."""
    registry.discover()
    for type_ in ("payout.created", "payout.updated", "payout.paid", "payout.failed"):
        for event in events_of(type_, payout.stripe_payout_id):
            registry.registration_for(type_).fn(event=None, obj=event["data"]["object"])


def entries(payout_id: str, kind: str) -> int:
    return JournalEntry.objects.filter(source_type="dd_payout", source_id=payout_id, kind=kind).count()


def payout_books(payout: Payout) -> dict[str, int]:
    """The payout's own entries summed per account (debits positive)."""
    codes = {"clearing": chart.PAYROLL_CLEARING, "expense": chart.PAYROLL_EXPENSE, "stripe": chart.STRIPE_BALANCE,
             "fees": chart.PROCESSING_FEES}
    lines = JournalLine.objects.filter(entry__source_type="dd_payout", entry__source_id=payout.public_id)
    return {name: sum(lines.filter(account__code=code).values_list("amount_cents", flat=True))
            for name, code in codes.items()}


def test_a_payout_answers_the_guides_body_after_a_transfer_and_a_payout(make_recipient, pay):
    recipient = make_recipient()
    response = pay(recipient, 500_000)
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["id"].startswith("po_") and data["stripePayoutId"].startswith("po_") and data["id"] != \
        data["stripePayoutId"]
    assert (data["object"], data["amount"], data["currency"], data["status"], data["method"]) == \
        ("payout", 500_000, "usd", "pending", "standard")
    assert (data["recipientId"], data["payPeriodStart"], data["payPeriodEnd"]) == \
        (recipient["id"], "2025-11-01", "2025-11-15")
    assert data["bankAccount"]["last4"] == "6789" and data["bankAccount"]["bankName"] == "Wells Fargo"
    assert data["scheduledPayoutDate"] == clock.today().isoformat() and data["estimatedArrivalDate"].endswith("Z")
    assert data["fees"] == {"stripeFeeAmount": 25, "netAmount": 500_000}
    assert transfers_to(recipient["stripeAccountId"]) == 1 and payouts_of(recipient["stripeAccountId"]) == 1
    payout = Payout.objects.get(public_id=data["id"])
    assert entries(payout.public_id, EntryKind.PAYROLL_TRANSFER) == 1
    assert entries(payout.public_id, EntryKind.STRIPE_FEE) == 1
    assert entries(payout.public_id, EntryKind.PAYROLL_PAID) == 0  # not paid yet: the wage sits in clearing
    assert payout_books(payout) == {"clearing": 500_000, "expense": 0, "stripe": -500_025, "fees": 25}
    assert AuditEntry.objects.filter(object_id=payout.public_id, action__in=[
        "payout.requested", "payout.transferred", "payout.created"]).count() == 3


def test_a_payout_becomes_paid_as_the_clock_passes_its_arrival(admin_client, make_recipient, pay):
    data = pay(make_recipient()).json()["data"]
    payout = Payout.objects.get(public_id=data["id"])
    advance(1)
    deliver_payout_events(payout)
    assert admin_client.get(f"/api/v1/direct-deposit/payouts/{data['id']}").json()["data"]["status"] == "in_transit"
    advance(4)
    deliver_payout_events(payout)
    body = admin_client.get(f"/api/v1/direct-deposit/payouts/{data['id']}").json()["data"]
    assert body["status"] == "paid" and body["failureReason"] is None
    assert body["actualPayoutDate"] and body["actualArrivalDate"]
    deliver_payout_events(payout)  # a redelivered payout.paid posts nothing more
    payout.refresh_from_db()
    payout_status_advance(payout=payout, stripe_payout={"id": payout.stripe_payout_id, "status": "paid"},
                          actor=Actor.stripe(organization=payout.organization))
    assert payout_attempts_sweep(older_than=timedelta(0)) == 0
    assert entries(data["id"], EntryKind.PAYROLL_PAID) == 1
    assert entries(data["id"], EntryKind.PAYROLL_TRANSFER_REVERSAL) == 0
    assert payout_books(payout) == {"clearing": 0, "expense": 500_000, "stripe": -500_025, "fees": 25}
    assert trial_balance(org=payout.organization, as_of=ledger_clock.today()).balanced


@pytest.mark.parametrize("number", sorted(n for n, code in PAYOUT_OUTCOMES.items() if code))
def test_each_failing_test_account_fails_the_payout_and_reverses_the_ledger_once(make_recipient, pay, number):
    code = PAYOUT_OUTCOMES[number]
    recipient = make_recipient(account_number=number)
    data = pay(recipient, 120_000).json()["data"]
    payout = Payout.objects.get(public_id=data["id"])
    arrival = math.ceil((payout.estimated_arrival_at.timestamp() - clock.now()) / 86_400)
    advance(arrival + 1)
    deliver_payout_events(payout)
    deliver_payout_events(payout)  # a redelivery changes nothing more
    payout.refresh_from_db()
    assert (payout.status, payout.failure_code, payout.failure_reason) == ("failed", code, FAILURE_MESSAGES[code])
    assert payout.stripe_transfer_reversal_id.startswith("trr_") and payout.attempt == ""
    assert payout_attempts_sweep(older_than=timedelta(0)) == 0
    assert entries(payout.public_id, EntryKind.PAYROLL_TRANSFER_REVERSAL) == 1
    assert entries(payout.public_id, EntryKind.PAYROLL_PAID) == 0
    reversal = JournalEntry.objects.get(source_id=payout.public_id, kind=EntryKind.PAYROLL_TRANSFER_REVERSAL)
    assert reversal.stripe_reference == payout.stripe_transfer_reversal_id
    # Clearing back to zero, no expense, and the Stripe balance back but for the payout fee Stripe kept.
    assert payout_books(payout) == {"clearing": 0, "expense": 0, "stripe": -25, "fees": 25}
    assert trial_balance(org=payout.organization, as_of=ledger_clock.today()).balanced
    assert sandbox_count("transfer_reversal") == 1


def test_an_unverified_recipient_is_recipient_not_verified(make_recipient, pay):
    for dob in (REJECTED_DOB, OTHER_DOB):
        recipient = make_recipient(dob=dob)
        err = error(pay(recipient), 409, "RECIPIENT_NOT_VERIFIED")
        assert err["details"]["recipientId"] == recipient["id"]
        assert transfers_to(recipient["stripeAccountId"]) == 0
    assert Payout.objects.count() == 0


def test_a_payout_to_another_organisations_recipient_is_404(client_for, make_recipient, pay, other_org):
    theirs = make_recipient(client=client_for("admin", org=other_org))
    err = error(pay(theirs), 404, "RESOURCE_NOT_FOUND")
    assert err["details"][0]["field"] == "recipientId"
    assert Payout.objects.count() == 0 and transfers_to(theirs["stripeAccountId"]) == 0


def test_another_organisations_payout_is_404(client_for, make_recipient, pay, other_org):
    data = pay(make_recipient()).json()["data"]
    error(client_for("admin", org=other_org).get(f"/api/v1/direct-deposit/payouts/{data['id']}"), 404,
          "RESOURCE_NOT_FOUND")


def test_a_platform_balance_too_low_fails_the_payout_and_moves_nothing(make_recipient, pay):
    recipient = make_recipient()
    data = pay(recipient, 10_000_000, funded=False).json()["data"]
    assert data["status"] == "failed" and "insufficient" in data["failureReason"].lower()
    assert transfers_to(recipient["stripeAccountId"]) == 0
    assert entries(data["id"], EntryKind.PAYROLL_TRANSFER) == 0
    assert not JournalEntry.objects.filter(source_id=data["id"]).exists()
