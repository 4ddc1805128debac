"""The back office sees the ledger and can export it, but cannot add, change or delete anything."""

from __future__ import annotations

import pytest

from ledger.models import JournalEntry, ReconciliationRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, org):
    from identity.models import User

    user = User.objects.create_superuser("root@example.com", "pw-not-used-1234", organization=org)
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["account", "journalentry", "reconciliationrun"])
def test_changelists_render(staff, post, model):
    post("pi_1", 1000, 59)
    assert staff.get(f"/admin/ledger/{model}/").status_code == 200


@pytest.mark.parametrize("model", ["account", "journalentry", "reconciliationrun"])
def test_nothing_can_be_added(staff, model):
    assert staff.get(f"/admin/ledger/{model}/add/").status_code == 403


def test_entry_page_shows_lines_and_refuses_changes(staff, post):
    entry = post("pi_1", 1000, 59)
    page = staff.get(f"/admin/ledger/journalentry/{entry.pk}/change/")
    assert page.status_code == 200
    assert b"9.41 USD" in page.content and b"-10.00 USD" in page.content
    staff.post(f"/admin/ledger/journalentry/{entry.pk}/change/", {"description": "edited"})
    assert JournalEntry.objects.get(pk=entry.pk).description == entry.description
    assert staff.post(f"/admin/ledger/journalentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403


def test_export_action_streams_csv(staff, post):
    entry = post("pi_1", 1000, 59)
    response = staff.post("/admin/ledger/journalentry/", {"action": "export_csv", "_selected_action": [entry.pk]})
    assert response["Content-Type"].startswith("text/csv")
    assert entry.public_id in b"".join(response.streaming_content).decode()


def test_reconciliation_run_page_lists_differences(staff, org):
    run = ReconciliationRun.objects.create(
        organization=org, date_from="2026-01-01", date_to="2026-01-01", status="differences", difference_count=1,
        differences=[{"kind": "missing_in_ledger", "reference": "ch_lost", "stripeAmount": 500, "ledgerAmount": None,
                      "stripeFee": 45, "ledgerFee": None, "currency": "usd"}])
    page = staff.get(f"/admin/ledger/reconciliationrun/{run.pk}/change/")
    assert b"ch_lost" in page.content and b"missing_in_ledger" in page.content
