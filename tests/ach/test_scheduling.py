"""A debit for a later banking day is sent to Stripe on its date by the daily work (the beat task,
and the sandbox clock's daily hook), never before (DESIGN §9)."""

from __future__ import annotations

import pytest

from ach.models import AchPayment
from ach.services import ach_due_submit
from ach.tasks import ach_due_submit_task
from audit.models import AuditEntry
from oracle_ledger.actors import Actor
from stripe_sandbox import failures
from tests.ach.conftest import advance, deliver_all, freeze
from tests.helpers import stripe_intent_count

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def test_a_later_debit_is_submitted_by_the_sandbox_clock_on_its_date_and_not_before(
        today, api_client, make_bank_customer, debit):
    customer, pm = make_bank_customer()
    payment_id = debit(customer, pm, scheduledDate="2027-03-03").json()["data"]["id"]
    assert ach_due_submit() == {} and stripe_intent_count() == 0  # Monday: not yet
    out = advance(1)  # Tuesday
    assert AchPayment.objects.get(public_id=payment_id).status == "scheduled" and stripe_intent_count() == 0
    assert "ach.services.submission.sandbox_daily_hook" in out
    advance(1)  # Wednesday: its day
    payment = AchPayment.objects.get(public_id=payment_id)
    assert payment.status == "processing" and payment.submitted_at.date().isoformat() == "2027-03-03"
    assert stripe_intent_count() == 1
    advance(6)  # four business days: settles Tuesday 9 March
    deliver_all(api_client)
    assert AchPayment.objects.get(public_id=payment_id).status == "succeeded"


def test_the_beat_task_submits_what_is_due_today_once(today, make_bank_customer, debit):
    customer, pm = make_bank_customer()
    payment_id = debit(customer, pm, scheduledDate="2027-03-02").json()["data"]["id"]
    assert ach_due_submit_task.apply().result == {}
    freeze(today.replace(day=2))
    assert ach_due_submit_task.apply().result == {"processing": 1}
    assert ach_due_submit_task.apply().result == {} and stripe_intent_count() == 1
    assert AuditEntry.objects.filter(action="ach_payment.processing", object_id=payment_id).count() == 1


def test_a_lost_stripe_answer_at_creation_leaves_it_scheduled_and_the_task_debits_once_with_the_same_key(
        today, make_bank_customer, debit):
    customer, pm = make_bank_customer()
    # Stripe does the work but every answer is lost (the SDK's 2 retries included).
    failures.inject("timeout", count=3, path_prefix="/v1/payment_intents")
    try:
        data = debit(customer, pm).json()["data"]
    finally:
        failures.clear()
    assert data["status"] == "scheduled"
    assert ach_due_submit() == {"processing": 1}
    assert stripe_intent_count() == 1
    assert AchPayment.objects.get(public_id=data["id"]).stripe_payment_intent_id


def test_a_debit_is_never_sent_before_its_day_even_when_asked_for_a_later_day(today, make_bank_customer, debit):
    from ach.services import ach_payment_submit

    customer, pm = make_bank_customer()
    payment = AchPayment.objects.get(public_id=debit(customer, pm, scheduledDate="2027-03-10").json()["data"]["id"])
    assert ach_due_submit(today.replace(day=10)) == {}  # the hook's date never outruns "today"
    assert ach_payment_submit(payment=payment, actor=Actor.system()).status == "scheduled"
    assert stripe_intent_count() == 0


def test_a_scheduled_debit_of_a_customer_deleted_meanwhile_is_canceled_not_sent(
        today, admin_client, make_bank_customer, debit):
    customer, pm = make_bank_customer()
    payment_id = debit(customer, pm, scheduledDate="2027-03-02").json()["data"]["id"]
    assert admin_client.delete(f"/api/v1/customers/{customer}").status_code == 200
    advance(1)
    payment = AchPayment.objects.get(public_id=payment_id)
    assert payment.status == "canceled" and "deleted" in payment.failure_message
    assert stripe_intent_count() == 0
    assert AuditEntry.objects.filter(action="ach_payment.canceled", object_id=payment_id).count() == 1


def test_a_debit_stripe_took_before_its_answer_was_lost_is_not_canceled_when_the_customer_goes(
        today, admin_client, make_bank_customer, debit):
    """The customer is deleted between a submission whose answer was lost and the next run: the bank
    is already taking the money, so the debit follows Stripe instead of turning `canceled`."""
    customer, pm = make_bank_customer()
    failures.inject("timeout", count=3, path_prefix="/v1/payment_intents")
    try:
        data = debit(customer, pm).json()["data"]
    finally:
        failures.clear()
    assert data["status"] == "scheduled" and stripe_intent_count() == 1
    assert admin_client.delete(f"/api/v1/customers/{customer}").status_code == 200

    ach_due_submit()
    payment = AchPayment.objects.get(public_id=data["id"])
    assert payment.status == "processing" and payment.stripe_payment_intent_id
    assert stripe_intent_count() == 1  # adopted, not sent again


def test_an_interrupted_submission_that_never_reached_stripe_is_canceled_when_the_customer_goes(
        today, admin_client, make_bank_customer, debit):
    customer, pm = make_bank_customer()
    failures.inject("connection", count=3, path_prefix="/v1/payment_intents")  # never reaches Stripe
    try:
        data = debit(customer, pm).json()["data"]
    finally:
        failures.clear()
    assert data["status"] == "scheduled" and stripe_intent_count() == 0
    assert admin_client.delete(f"/api/v1/customers/{customer}").status_code == 200

    ach_due_submit()
    payment = AchPayment.objects.get(public_id=data["id"])
    assert payment.status == "canceled" and stripe_intent_count() == 0
