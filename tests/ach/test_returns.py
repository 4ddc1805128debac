"""The returns sweep (`manage.py process_ach_returns`, its beat task): picks up returns Stripe
reported that no webhook brought, applies each once, even with two workers at the same time."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from ach.models import AchPayment, AchReturn
from ach.services import ach_returns_process
from audit.models import AuditEntry
from customers.models import Customer
from ledger.models import JournalEntry
from tests.ach.conftest import advance, deliver_all

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def test_the_command_records_returns_no_webhook_brought_and_says_what_it_did(today, make_bank_customer, debit):
    made = {}
    for outcome in ("insufficient_funds", "account_closed", "succeeds"):
        customer, pm = make_bank_customer(outcome)
        made[outcome] = debit(customer, pm).json()["data"]["id"]
    advance(7)  # Stripe settled or failed them; no event was delivered
    out, err = StringIO(), StringIO()
    call_command("process_ach_returns", stdout=out, stderr=err)
    assert "Checked 3 ACH debits: returns recorded 2 (R01 x1, R02 x1)" in out.getvalue()
    assert "account_disabled x1" in out.getvalue() and "settled 1" in out.getvalue()
    assert "ACH debits: 100%" in err.getvalue()  # the progress bar
    statuses = {k: AchPayment.objects.get(public_id=v).status for k, v in made.items()}
    assert statuses == {"insufficient_funds": "failed", "account_closed": "failed", "succeeds": "succeeded"}
    assert JournalEntry.objects.filter(kind="ach_settlement").count() == 1
    again = StringIO()
    call_command("process_ach_returns", "--no-progress", stdout=again)
    assert "returns recorded 0" in again.getvalue() and "Checked 1 ACH debits" in again.getvalue()


def test_a_return_seen_by_the_webhook_and_the_sweep_is_applied_once(today, api_client, make_bank_customer, debit):
    customer, pm = make_bank_customer("account_closed")
    payment_id = debit(customer, pm).json()["data"]["id"]
    advance(7)
    deliver_all(api_client)
    payment = AchPayment.objects.get(public_id=payment_id)
    result = ach_returns_process(payments=[payment])
    assert result.already_applied == 1 and not result.returns_recorded
    assert AchReturn.objects.count() == 1


def test_two_workers_processing_the_same_return_apply_it_once(today, make_bank_customer, debit):
    customer, pm = make_bank_customer("debit_not_authorized")
    payment_id = debit(customer, pm).json()["data"]["id"]
    advance(7)
    payment = AchPayment.objects.get(public_id=payment_id)
    barrier, results, errors = threading.Barrier(2), [], []

    def worker():
        try:
            barrier.wait()
            results.append(ach_returns_process(payments=[AchPayment.objects.get(pk=payment.pk)]))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(sum(r.returns_recorded.values()) for r in results) == [0, 1]
    assert sorted(r.already_applied for r in results) == [0, 1]
    assert AchReturn.objects.filter(ach_payment=payment).count() == 1
    assert AuditEntry.objects.filter(action="ach_payment.returned", object_id=payment_id).count() == 1
    assert AuditEntry.objects.filter(action="payment_method.disabled", object_id=pm).count() == 1
    assert Customer.objects.get(public_id=customer).compliance_review_required
