"""Stripe failing mid-payout: the payout stays recorded with its step open, and the sweeper (or a
webhook) finishes it with the same keys, so the employee is paid exactly once (DESIGN §6)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from direct_deposit.models import Payout
from direct_deposit.services import payout_attempts_sweep
from ledger.models import EntryKind, JournalEntry
from stripe_sandbox import DB, failures
from stripe_sandbox.models import SandboxObject
from tests.direct_deposit.helpers import payouts_of, transfers_to
from tests.helpers import error
from webhooks import registry

pytestmark = pytest.mark.django_db(databases="__all__")


def test_stripe_unreachable_at_the_transfer_leaves_an_open_attempt_the_sweeper_finishes_once(make_recipient, pay):
    recipient = make_recipient()
    failures.inject(failures.CONNECTION, count=3, path_prefix="/v1/transfers")  # past the SDK's own retries
    err = error(pay(recipient, 5_000), 502, "STRIPE_ERROR")
    payout = Payout.objects.get(public_id=err["details"]["payoutId"])
    assert (payout.attempt, payout.status) == ("transfer", "pending") and transfers_to(recipient["stripeAccountId"]) == 0
    assert payout_attempts_sweep(older_than=timedelta(hours=1)) == 0  # too recent to be abandoned
    assert payout_attempts_sweep(older_than=timedelta(0)) == 1
    payout.refresh_from_db()
    assert payout.attempt == "" and payout.stripe_payout_id
    assert (transfers_to(recipient["stripeAccountId"]), payouts_of(recipient["stripeAccountId"])) == (1, 1)
    assert payout_attempts_sweep(older_than=timedelta(0)) == 0


def test_a_lost_answer_after_stripe_paid_out_is_finished_with_the_same_keys(make_recipient, pay):
    recipient = make_recipient()
    # The sandbox does the payout and commits, then the answer is lost three times (past the SDK's retries).
    failures.inject(failures.TIMEOUT, count=3, path_prefix="/v1/payouts")
    err = error(pay(recipient, 5_000), 502, "STRIPE_ERROR")
    payout = Payout.objects.get(public_id=err["details"]["payoutId"])
    assert payout.attempt == "payout" and payouts_of(recipient["stripeAccountId"]) == 1
    payout_attempts_sweep(older_than=timedelta(0))
    payout.refresh_from_db()
    assert payout.attempt == "" and payouts_of(recipient["stripeAccountId"]) == 1
    assert transfers_to(recipient["stripeAccountId"]) == 1
    assert JournalEntry.objects.filter(source_id=payout.public_id, kind=EntryKind.PAYROLL_TRANSFER).count() == 1
    assert JournalEntry.objects.filter(source_id=payout.public_id, kind=EntryKind.STRIPE_FEE).count() == 1


def test_a_payout_webhook_before_the_create_answer_is_recorded_finishes_the_payout_once(make_recipient, pay):
    recipient = make_recipient()
    failures.inject(failures.TIMEOUT, count=3, path_prefix="/v1/payouts")
    payout = Payout.objects.get(public_id=error(pay(recipient, 5_000), 502, "STRIPE_ERROR")["details"]["payoutId"])
    obj = SandboxObject.objects.using(DB).get(object="event", data__type="payout.created").data["data"]["object"]
    registry.discover()
    registry.registration_for("payout.created").fn(event=None, obj=obj)
    payout.refresh_from_db()
    assert (payout.attempt, payout.stripe_payout_id) == ("", obj["id"])
    assert payouts_of(recipient["stripeAccountId"]) == 1
    assert payout_attempts_sweep(older_than=timedelta(0)) == 0


def test_a_recipient_whose_create_died_before_stripe_answered_frees_its_employee_id(admin_client, org, make_user):
    from direct_deposit.models import Recipient
    from direct_deposit.services.recipients import _pending_insert
    from direct_deposit.services.sweeper import recipients_pending_sweep
    from oracle_ledger.actors import Actor
    from tests.direct_deposit.conftest import recipient_body

    actor = Actor.for_user(make_user("admin"))
    body = recipient_body()
    fields = {"employee_id": body["employeeId"], "first_name": "A", "last_name": "B", "email": "a@example.com",
              "phone": "+14155550123", "date_of_birth": date(1990, 1, 1),
              "ssn_last4": "1234", "address": body["address"]}
    _pending_insert(actor=actor, fields=fields, bank_accounts=body["bankAccounts"])  # then the process died
    error(admin_client.post("/api/v1/direct-deposit/recipients", body, format="json"), 409, "RESOURCE_ALREADY_EXISTS")
    assert recipients_pending_sweep(older_than=timedelta(hours=1)) == 0
    assert recipients_pending_sweep(older_than=timedelta(0)) == 1
    assert admin_client.post("/api/v1/direct-deposit/recipients", body, format="json").status_code == 201
    assert Recipient.objects.filter(employee_id=body["employeeId"]).count() == 1
