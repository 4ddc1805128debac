"""Reconciliation: the comparison on plain data, then against the Stripe sandbox through the
gateway (real SDK), with differences injected on the ledger side."""

from __future__ import annotations

import itertools

import pytest
from django.core.management import call_command

from audit.models import AuditEntry
from ledger import clock
from ledger.models import ReconciliationRun
from ledger.services import card_payment_post, journal_entry_post, refund_post
from ledger.services.reconciliation import (
    AMOUNT_MISMATCH,
    FEE_MISMATCH,
    MISSING_IN_LEDGER,
    MISSING_IN_STRIPE,
    Movement,
    reconciliation_compare,
    reconciliation_compute,
    reconciliation_run,
)
from ledger.tasks import reconciliation_nightly_task
from oracle_ledger import gateway
from oracle_ledger.actors import Actor

_keys = itertools.count()


def kinds(differences) -> set[tuple[str, str]]:
    return {(d["kind"], d["reference"]) for d in differences}


# --- The comparison on plain data -------------------------------------------------------------

def test_identical_sides_have_no_differences():
    side = [Movement("ch_1", 1000, 59, "usd"), Movement("re_1", -200, 0, "usd")]
    assert reconciliation_compare(stripe=side, ledger=list(side)) == []


def test_each_kind_of_difference_is_found():
    stripe = [Movement("ch_only_stripe", 1000, 59, "usd"), Movement("ch_amount", 1000, 59, "usd"),
              Movement("ch_fee", 1000, 59, "usd"), Movement("ch_currency", 1000, 59, "usd")]
    ledger = [Movement("ch_only_ledger", 500, 45, "usd"), Movement("ch_amount", 1001, 59, "usd"),
              Movement("ch_fee", 1000, 60, "usd"), Movement("ch_currency", 1000, 59, "eur")]
    assert kinds(reconciliation_compare(stripe=stripe, ledger=ledger)) == {
        (MISSING_IN_LEDGER, "ch_only_stripe"), (MISSING_IN_STRIPE, "ch_only_ledger"),
        (AMOUNT_MISMATCH, "ch_amount"), (FEE_MISMATCH, "ch_fee"), (AMOUNT_MISMATCH, "ch_currency")}


def test_movements_of_one_object_are_summed_on_each_side():
    stripe = [Movement("po_1", -5000, 25, "usd"), Movement("po_1", 5000, -25, "usd")]
    ledger = [Movement("po_1", 0, 0, "usd")]
    assert reconciliation_compare(stripe=stripe, ledger=ledger) == []


def test_a_difference_names_both_sides():
    [diff] = reconciliation_compare(stripe=[Movement("ch_1", 1000, 59, "usd")], ledger=[Movement("ch_1", 1000, 60, "usd")])
    assert diff == {"kind": FEE_MISMATCH, "reference": "ch_1", "currency": "usd", "stripeAmount": 1000,
                    "ledgerAmount": 1000, "stripeFee": 59, "ledgerFee": 60}


# --- Against the sandbox ----------------------------------------------------------------------

sandbox = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def stripe_sandbox_on(sandbox_stripe):
    """The sandbox for the tests that reconcile against it (tests/conftest.py `sandbox_stripe`)."""


@pytest.fixture
def customer(stripe_sandbox_on):
    return gateway.customer_create(email="payer@example.com", idempotency_key=f"recon-cus-{next(_keys)}")


def charge(customer, amount: int, org=None):
    """A succeeded card charge at Stripe: (charge id, its balance transaction). With `org`, the
    intent carries the metadata the payments app writes (the charge copies it); without, nothing
    names an organisation (a charge made outside our apps)."""
    pm = gateway.payment_method_attach("pm_card_visa", customer_id=customer.id, idempotency_key=f"pm-{next(_keys)}")
    metadata = {"paymentId": f"pay_test{next(_keys)}", "organization": org.public_id} if org else None
    intent = gateway.payment_intent_create(amount_cents=amount, currency="usd", customer_id=customer.id,
                                           payment_method_id=pm.id, idempotency_key=f"pi-{next(_keys)}",
                                           metadata=metadata)
    ch = gateway.charge_retrieve(intent.latest_charge)
    return ch.id, gateway.balance_transaction_retrieve(ch.balance_transaction)


def book(org, charge_id, txn, *, amount_delta=0, fee_delta=0):
    return card_payment_post(organization=org, source_type="payment", source_id=charge_id,
                             amount_cents=txn.amount + amount_delta, fee_cents=txn.fee + fee_delta, currency="usd",
                             stripe_reference=charge_id)


def refund(org, charge_id, amount, *, post=True, metadata=None):
    re = gateway.refund_create(charge_id=charge_id, amount_cents=amount, idempotency_key=f"re-{next(_keys)}",
                               metadata=metadata)
    if post:
        refund_post(organization=org, source_type="refund", source_id=re.id, amount_cents=amount, currency="usd",
                    stripe_reference=re.id)
    return re.id


def today_compute(org):
    day = clock.today()
    return reconciliation_compute(organization=org, date_from=day, date_to=day)


@sandbox
def test_clean_books_reconcile_with_no_differences(org, customer):
    for amount in (2599, 10000, 50):
        charge_id, txn = charge(customer, amount)
        book(org, charge_id, txn)
    refund(org, charge_id, 20)
    result = today_compute(org)
    assert result.differences == []
    assert result.stripe_count == result.ledger_count == 4


@sandbox
def test_every_injected_difference_is_found(org, customer):
    kept_id, kept = charge(customer, 1000)
    book(org, kept_id, kept)
    unbooked_id, _ = charge(customer, 2000, org)
    wrong_amount_id, wrong_amount = charge(customer, 3000)
    book(org, wrong_amount_id, wrong_amount, amount_delta=100)
    wrong_fee_id, wrong_fee = charge(customer, 4000)
    book(org, wrong_fee_id, wrong_fee, fee_delta=1)
    unbooked_refund = refund(org, kept_id, 100, post=False)
    card_payment_post(organization=org, source_type="payment", source_id="ghost", amount_cents=700, fee_cents=50,
                      currency="usd", stripe_reference="ch_ghost")
    assert kinds(today_compute(org).differences) == {
        (MISSING_IN_LEDGER, unbooked_id), (MISSING_IN_LEDGER, unbooked_refund), (AMOUNT_MISMATCH, wrong_amount_id),
        (FEE_MISMATCH, wrong_fee_id), (MISSING_IN_STRIPE, "ch_ghost")}


@sandbox
def test_stripe_objects_booked_by_another_organisation_are_not_reported(org, other_org, customer):
    mine_id, mine = charge(customer, 1000)
    book(org, mine_id, mine)
    theirs_id, theirs = charge(customer, 2000)
    book(other_org, theirs_id, theirs)
    assert today_compute(org).differences == []
    assert today_compute(other_org).stripe_count == 1


@sandbox
def test_entries_without_a_stripe_reference_are_not_compared(org, customer):
    journal_entry_post(organization=org, kind="adjustment", source_type="test", source_id="1", description="x",
                       lines=[("1030", 500), ("1010", -500)])
    assert today_compute(org).differences == []


@sandbox
def test_a_run_is_recorded_and_audited(org, customer):
    charge(customer, 1000, org)
    day = clock.today()
    run = reconciliation_run(organization=org, date_from=day, date_to=day, actor=Actor.system(organization=org))
    run.refresh_from_db()
    assert run.status == ReconciliationRun.Status.DIFFERENCES
    assert (run.stripe_count, run.ledger_count, run.difference_count) == (1, 0, 1)
    assert run.differences[0]["kind"] == MISSING_IN_LEDGER and run.finished_at
    assert AuditEntry.objects.filter(action="ledger.reconciliation_run", object_id=run.public_id).exists()


@sandbox
def test_nightly_task_records_the_previous_day_for_every_organisation(org, other_org, stripe_sandbox_on):
    reconciliation_nightly_task.run()
    runs = ReconciliationRun.objects.all()
    assert sorted((r.organization_id or 0) for r in runs) == [0, org.pk, other_org.pk]  # 0: the platform run
    yesterday = clock.today().toordinal() - 1
    assert {(r.date_from.toordinal(), r.date_to.toordinal(), r.status) for r in runs} == {(yesterday, yesterday, "clean")}


@sandbox
def test_command_prints_a_table_and_exits_1_on_differences(org, customer, capsys):
    unbooked_id, _ = charge(customer, 1234, org)
    day = clock.today().isoformat()
    with pytest.raises(SystemExit) as exited:
        call_command("reconcile", "--from", day, "--to", day, "--organization", org.slug)
    assert exited.value.code == 1
    out = capsys.readouterr().out
    assert "1 differences" in out and unbooked_id in out and "missing_in_ledger" in out and "Stripe amount" in out


@sandbox
def test_command_exits_0_when_clean(org, customer, capsys):
    charge_id, txn = charge(customer, 1000)
    book(org, charge_id, txn)
    day = clock.today().isoformat()
    call_command("reconcile", "--from", day, "--to", day, "--organization", org.slug)
    assert "0 differences" in capsys.readouterr().out


@sandbox
def test_command_rejects_an_unknown_organisation_and_a_bad_date(org, stripe_sandbox_on):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nobody"):
        call_command("reconcile", "--from", "2026-01-01", "--to", "2026-01-01", "--organization", "nobody")
    with pytest.raises(CommandError, match="not a date"):
        call_command("reconcile", "--from", "2026-13-01", "--to", "2026-01-01")
    assert not ReconciliationRun.objects.exists()


# --- The API -----------------------------------------------------------------------------------

URL = "/api/v1/ledger/reconciliation"


@pytest.mark.parametrize("role", ["admin", "auditor", "accountant", "finance_manager"])
@pytest.mark.django_db(databases="__all__")
@pytest.mark.urls("tests.ledger.urls")
def test_api_lists_the_differences_of_the_period(client_for, org, customer, role):
    unbooked_id, txn = charge(customer, 1500, org)
    day = clock.today().isoformat()
    body = client_for(role).get(f"{URL}?from={day}&to={day}").json()["data"]
    assert body["from"] == body["to"] == day
    assert (body["stripeCount"], body["ledgerCount"], body["differenceCount"], body["reconciled"]) == (1, 0, 1, False)
    assert body["differences"] == [{"kind": MISSING_IN_LEDGER, "reference": unbooked_id, "currency": "usd",
                                    "stripeAmount": 1500, "ledgerAmount": None, "stripeFee": txn.fee,
                                    "ledgerFee": None}]
    assert not ReconciliationRun.objects.exists()


@pytest.mark.django_db(databases="__all__")
@pytest.mark.urls("tests.ledger.urls")
@pytest.mark.parametrize(("query", "status", "code", "field"), [
    ("from=2026-01-02&to=2026-01-01", 422, "VALIDATION_ERROR", "from"),
    ("to=2026-01-01", 422, "VALIDATION_ERROR", "from"),
    ("from=2026-01-01", 422, "VALIDATION_ERROR", "to"),
    ("from=2026-01-01&to=2026-06-01", 422, "VALIDATION_ERROR", "to"),
    ("from=20260101&to=2026-01-02", 400, "INVALID_REQUEST", "from"),
    ("from=2026-01-01&to=tomorrow", 400, "INVALID_REQUEST", "to"),
])
def test_api_rejects_bad_periods(client_for, stripe_sandbox_on, query, status, code, field):
    response = client_for("accountant").get(f"{URL}?{query}")
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and error["details"][0]["field"] == field


@pytest.mark.django_db
@pytest.mark.urls("tests.ledger.urls")
@pytest.mark.parametrize("role", ["user", "compliance_officer"])
def test_api_refuses_roles_without_ledger_access(client_for, role):
    assert client_for(role).get(f"{URL}?from=2026-01-01&to=2026-01-01").status_code == 403


def test_the_nightly_task_is_scheduled_by_beat(settings):
    from oracle_ledger.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["ledger-reconcile-nightly"]
    assert entry["task"] == reconciliation_nightly_task.name
    assert entry["task"] in app.tasks


@sandbox
def test_a_booked_topup_reconciles(org, stripe_sandbox_on):
    from ledger.services import stripe_topup_post

    topup = gateway.topup_create(amount_cents=500000, currency="usd", idempotency_key=f"tu-{next(_keys)}")
    stripe_topup_post(organization=org, source_type="topup", source_id=topup.id, amount_cents=500000,
                      currency="usd", stripe_reference=topup.id)
    result = today_compute(org)
    assert (result.differences, result.stripe_count) == ([], 1)
