"""Payouts of the platform's own Stripe balance to the operating bank (DESIGN §7): posted to the
books named by PLATFORM_LEDGER_ORGANIZATION once per payout, reversed once when it fails, while
connected-account payouts (direct deposit's) post no bank payout. The sandbox pays out connected
accounts only, so the platform's events are delivered Stripe-shaped, signed, through the endpoint."""

from __future__ import annotations

import uuid

import pytest

from ledger import clock
from ledger.chart import OPERATING_BANK, STRIPE_BALANCE
from ledger.models import EntryKind, JournalEntry
from ledger.selectors import account_balances, trial_balance
from tests.webhooks.helpers import event, post, process
from webhooks.models import WebhookEvent
from webhooks.registry import registration_for

pytestmark = pytest.mark.django_db


def payout(status: str = "paid", amount: int = 125000, **extra) -> dict:
    obj = {"id": f"po_{uuid.uuid4().hex[:24]}", "object": "payout", "amount": amount, "currency": "usd",
           "status": status, "automatic": True, "method": "standard", "type": "bank_account",
           "destination": "ba_platform_operating", "balance_transaction": f"txn_{uuid.uuid4().hex[:24]}",
           "failure_code": None, "failure_message": None, "metadata": {}}
    obj.update(extra)
    return obj


def delivered(api_client, type_: str, obj: dict, **kw) -> WebhookEvent:
    body = event(type_, obj, **kw)
    assert post(api_client, body).status_code == 200
    row = WebhookEvent.objects.get(stripe_event_id=body["id"])
    process(row.pk)
    row.refresh_from_db()
    return row


def failed(obj: dict) -> dict:
    return {**obj, "status": "failed", "failure_code": "account_closed",
            "failure_message": "The bank account has been closed."}


def kinds(payout_id: str) -> list[str]:
    return sorted(JournalEntry.objects.filter(stripe_reference=payout_id).values_list("kind", flat=True))


def balance(org, code: str) -> int:
    return next(row.balance_cents for row in account_balances(org=org, as_of=clock.today())
                if row.account.code == code)


@pytest.fixture
def books(settings, org):
    settings.PLATFORM_LEDGER_ORGANIZATION = org.slug
    return org


def test_a_platform_payout_paid_posts_one_bank_payout_and_a_redelivery_posts_nothing_more(api_client, books):
    obj = payout()
    first = delivered(api_client, "payout.paid", obj)
    assert (first.status, first.organization) == ("processed", books)
    again = delivered(api_client, "payout.paid", obj)  # Stripe sends the same payout again (new event id)
    assert again.status == "processed"
    assert post(api_client, first.payload).status_code == 200  # the same event redelivered: stored once
    assert kinds(obj["id"]) == [EntryKind.BANK_PAYOUT]
    entry = JournalEntry.objects.get(stripe_reference=obj["id"])
    assert (entry.organization, entry.source_id) == (books, obj["id"])
    assert (balance(books, OPERATING_BANK), balance(books, STRIPE_BALANCE)) == (125000, -125000)
    assert trial_balance(org=books, as_of=clock.today()).balanced


def test_a_paid_payout_that_later_fails_is_reversed_once(api_client, books):
    obj = payout()
    delivered(api_client, "payout.paid", obj)
    for _ in range(2):
        row = delivered(api_client, "payout.failed", failed(obj))
        assert (row.status, row.organization) == ("processed", books)
    assert kinds(obj["id"]) == sorted([EntryKind.BANK_PAYOUT, EntryKind.BANK_PAYOUT_FAILURE])
    reversal = JournalEntry.objects.get(stripe_reference=obj["id"], kind=EntryKind.BANK_PAYOUT_FAILURE)
    assert reversal.reverses == JournalEntry.objects.get(stripe_reference=obj["id"], kind=EntryKind.BANK_PAYOUT)
    assert "account has been closed" in reversal.description
    assert (balance(books, OPERATING_BANK), balance(books, STRIPE_BALANCE)) == (0, 0)
    assert trial_balance(org=books, as_of=clock.today()).balanced


def test_a_failure_delivered_before_paid_nets_to_zero_and_the_late_paid_changes_nothing(api_client, books):
    obj = payout()
    delivered(api_client, "payout.failed", failed(obj))
    late = delivered(api_client, "payout.paid", obj)
    assert late.status == "processed"
    assert kinds(obj["id"]) == sorted([EntryKind.BANK_PAYOUT, EntryKind.BANK_PAYOUT_FAILURE])
    assert (balance(books, OPERATING_BANK), balance(books, STRIPE_BALANCE)) == (0, 0)


def test_a_connected_account_payout_posts_no_bank_payout(api_client, books):
    obj = payout()
    for type_ in ("payout.paid", "payout.failed"):
        row = delivered(api_client, type_, obj if type_ == "payout.paid" else failed(obj), account="acct_employee1")
        assert row.status == "ignored"
        assert "not one of our payouts" in row.note  # direct deposit looked, it is not its own either
        assert "connected account acct_employee1" in row.note
    assert not JournalEntry.objects.filter(stripe_reference=obj["id"]).exists()
    assert not JournalEntry.objects.filter(kind__in=[EntryKind.BANK_PAYOUT, EntryKind.BANK_PAYOUT_FAILURE]).exists()


def test_without_platform_books_the_payout_is_ignored_with_the_reason(api_client, settings, org):
    settings.PLATFORM_LEDGER_ORGANIZATION = ""
    obj = payout()
    row = delivered(api_client, "payout.paid", obj)
    assert row.status == "ignored" and "PLATFORM_LEDGER_ORGANIZATION (unset)" in row.note
    settings.PLATFORM_LEDGER_ORGANIZATION = "no-such-org"
    row = delivered(api_client, "payout.paid", obj)
    assert row.status == "ignored" and "(no-such-org) names no organisation" in row.note
    assert not JournalEntry.objects.filter(stripe_reference=obj["id"]).exists()


def test_direct_deposit_and_the_ledger_share_the_payout_types():
    for type_ in ("payout.paid", "payout.failed"):
        members = {m.fn.__module__ for m in registration_for(type_).members}
        assert members == {"direct_deposit.webhook_handlers", "ledger.webhook_handlers"}
