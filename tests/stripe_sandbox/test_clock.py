"""The sandbox clock: `stripe_sandbox advance --days N` (daily hooks first, then due transitions in
due order) and the test-clock endpoints."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management.base import CommandError

from oracle_ledger import gateway
from stripe_sandbox import DB, clock, store, transitions
from stripe_sandbox.models import SandboxTransition
from tests.stripe_sandbox.connect_helpers import OTHER_DOB, advance, events_of, key, recipient

pytestmark = pytest.mark.django_db(databases="__all__")
DAY = 86_400
HOOK = "tests.stripe_sandbox.test_clock.record_day"
seen: list[tuple] = []


def record_day(day: dt.date) -> None:
    """A daily hook: notes the date and what the pending accounts look like when it runs."""
    pending = [row.data["payouts_enabled"] for row in store.query("account")]
    seen.append((day, pending))


@transitions.transition("test_record")
def _record(row: SandboxTransition) -> None:
    if row.params.get("fail"):
        raise RuntimeError("this transition fails on purpose")
    seen.append(("transition", row.params["n"]))


@pytest.fixture(autouse=True)
def _fresh_record():
    seen.clear()
    yield
    seen.clear()


def _rejected(call) -> gateway.StripeRejected:
    with pytest.raises(gateway.StripeRejected) as exc, gateway._stripe_errors_translated():
        call()
    return exc.value


def test_advance_moves_the_clock_one_day_at_a_time_and_reports_each_day():
    start = clock.now()
    output = advance(3)
    assert clock.now() - start >= 3 * DAY and clock.now() - start < 3 * DAY + 60
    lines = output.strip().splitlines()
    assert len(lines) == 4 and lines[-1].startswith("Advanced 3 day(s)")
    days = [(dt.datetime.fromtimestamp(start, tz=dt.UTC).date() + dt.timedelta(days=i)).isoformat()
            for i in (1, 2, 3)]
    assert [line[:10] for line in lines[:3]] == days


def test_daily_hooks_run_for_each_new_day_before_the_due_transitions(settings):
    settings.SANDBOX_DAILY_HOOKS = [HOOK]
    account = recipient(dob=OTHER_DOB)  # verifies one day after creation, by transition
    output = advance(2)
    today = clock.today()
    assert [entry[0] for entry in seen] == [today - dt.timedelta(days=1), today]
    assert seen[0][1] == [False]  # day one's hook ran while the verification was still due
    assert seen[1][1] == [True]
    assert gateway.account_retrieve(account.id).payouts_enabled is True
    assert f"hooks 1 ({HOOK}), transitions account_verify x1, events 1" in output


def test_transitions_run_in_due_order_and_a_failure_does_not_stop_the_others():
    now = clock.now()
    for n, due in ((1, now + 3 * 3600), (2, now + 60), (3, now + 2 * DAY)):
        transitions.schedule("test_record", f"obj_{n}", due_at=due, params={"n": n})
    transitions.schedule("test_record", "obj_bad", due_at=now + 120, params={"n": 9, "fail": True})
    output = advance(1)
    assert seen == [("transition", 2), ("transition", 1)]
    assert "FAILED 1" in output
    bad = SandboxTransition.objects.using(DB).get(object_id="obj_bad")
    assert bad.status == SandboxTransition.Status.FAILED and "on purpose" in bad.last_error
    advance(1)
    assert seen[-1] == ("transition", 3)


def test_advance_refuses_to_go_backwards():
    with pytest.raises(CommandError):
        advance(-1)


def _ach_debit(account_number: str):
    customer = gateway.customer_create(email="payer@example.com", idempotency_key=key())
    pm = gateway.payment_method_create_us_bank_account(
        routing_number="110000000", account_number=account_number, account_holder_name="Ann Payer",
        idempotency_key=key())
    gateway.payment_method_attach(pm.id, customer_id=customer.id, idempotency_key=key())
    setup = gateway.setup_intent_create(customer_id=customer.id, payment_method_id=pm.id,
                                        payment_method_types=["us_bank_account"], mandate_ip_address="203.0.113.9",
                                        mandate_user_agent="Mozilla/5.0", idempotency_key=key())
    return gateway.payment_intent_create(amount_cents=150_000, currency="usd", customer_id=customer.id,
                                         payment_method_id=pm.id, payment_method_types=["us_bank_account"],
                                         mandate_id=setup.mandate, idempotency_key=key())


def test_advance_settles_ach_debits_when_their_date_comes():
    """A's `ach_settle` transition, fired by the clock."""
    intent = _ach_debit("000123456789")
    assert intent.status == "processing"
    advance(1)
    assert gateway.payment_intent_retrieve(intent.id).status == "processing"
    advance(6)  # four business days, whatever weekday today is
    assert gateway.payment_intent_retrieve(intent.id).status == "succeeded"


# --- Test clocks -------------------------------------------------------------------------------------

@pytest.mark.django_db(databases="__all__", transaction=True)
def test_test_clock_advance_moves_the_sandbox_clock_and_runs_what_comes_due():
    start = clock.now()
    created = gateway.stripe_test_clock_create(idempotency_key=key(), frozen_time=start, name="payroll rehearsal")
    assert (created.status, created.frozen_time, created.name) == ("ready", start, "payroll rehearsal")
    assert created.deletes_after == created.created + 7 * DAY

    account = recipient(dob=OTHER_DOB)
    answer = gateway.stripe_test_clock_advance(created.id, idempotency_key=key(), frozen_time=start + 2 * DAY)
    assert answer.status == "advancing"
    assert answer.status_details.advancing.target_frozen_time == start + 2 * DAY

    ready = gateway.stripe_test_clock_retrieve(created.id)
    assert (ready.status, ready.frozen_time) == ("ready", start + 2 * DAY)
    assert clock.now() >= start + 2 * DAY
    assert gateway.account_retrieve(account.id).payouts_enabled is True
    assert [e["type"] for e in events_of("test_helpers.test_clock.ready", created.id)] == \
        ["test_helpers.test_clock.ready"]
    assert [c.id for c in gateway.stripe_test_clock_list().data] == [created.id]

    problem = _rejected(lambda: gateway.stripe_test_clock_advance(created.id, idempotency_key=key(),
                                                                  frozen_time=start + DAY))
    assert problem.param == "frozen_time"
    deleted = gateway.stripe_test_clock_delete(created.id, idempotency_key=key())
    assert deleted.deleted is True
    problem = _rejected(lambda: gateway.stripe_test_clock_retrieve(created.id))
    assert (problem.stripe_http_status, problem.stripe_code) == (404, "resource_missing")


def test_test_clock_bad_input():
    clocks = gateway.client().v1.test_helpers.test_clocks
    problem = _rejected(lambda: clocks.create(params={"name": "x"}))
    assert (problem.stripe_code, problem.param) == ("parameter_missing", "frozen_time")
    problem = _rejected(lambda: clocks.create(params={"frozen_time": "soon"}))
    assert (problem.stripe_code, problem.param) == ("parameter_invalid_integer", "frozen_time")
    created = gateway.stripe_test_clock_create(idempotency_key=key(), frozen_time=clock.now())
    problem = _rejected(lambda: clocks.advance(created.id, params={}))
    assert (problem.stripe_code, problem.param) == ("parameter_missing", "frozen_time")
    problem = _rejected(lambda: clocks.advance("clock_nope", params={"frozen_time": clock.now() + DAY}))
    assert problem.stripe_http_status == 404


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_when_advance_returns_time_driven_events_are_queued_for_delivery(settings):
    from oracle_ledger.celery import app
    from stripe_sandbox.models import SandboxWebhookDelivery

    settings.SANDBOX_WEBHOOK_URL = "http://127.0.0.1:9/api/v1/webhooks/stripe"  # nothing listens: stays queued
    with app.connection_for_write() as conn:
        queue = conn.default_channel.client
        queue.delete("celery")
        account = recipient(dob=OTHER_DOB)
        advance(1)
        (event,) = events_of("account.updated", account.id)
        (delivery,) = SandboxWebhookDelivery.objects.using(DB).filter(event_id=event["id"])
        messages = [json.loads(m) for m in queue.lrange("celery", 0, -1)]
        queue.delete("celery")
    assert delivery.status == SandboxWebhookDelivery.Status.PENDING
    delivered = [m["headers"]["kwargsrepr"] for m in messages if m["headers"]["task"].endswith("deliver_event_task")]
    assert f"{{'delivery_id': {delivery.pk}}}" in delivered


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_two_clocks_advancing_at_once_fire_each_transition_and_each_day_once(settings):
    import threading

    from django.db import connections

    from tests.stripe_sandbox.connect_helpers import paid_recipient

    settings.SANDBOX_DAILY_HOOKS = [HOOK]
    account = paid_recipient(amount_cents=5_000)
    payout = gateway.payout_create(stripe_account=account.id, idempotency_key=key(), amount_cents=1_000,
                                   currency="usd")
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            advance(4)
        finally:
            for alias in ("default", DB):
                connections[alias].close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gateway.payout_retrieve(payout.id, stripe_account=account.id).status == "paid"
    assert len(events_of("payout.paid", payout.id)) == 1
    assert SandboxTransition.objects.using(DB).filter(object_id=payout.id, status="done").count() == 2
    days = [entry[0] for entry in seen]
    assert len(days) == len(set(days)) >= 4  # each new day's work ran once, by one of the two


def test_real_time_passing_runs_what_came_due_without_advance(settings):
    from stripe_sandbox import timeline
    from tests.stripe_sandbox.connect_helpers import paid_recipient

    assert settings.CELERY_BEAT_SCHEDULE["stripe-sandbox-due-transitions"]["task"] == \
        "stripe_sandbox.timeline.due_transitions_task"
    account = paid_recipient(amount_cents=5_000)
    payout = gateway.payout_create(stripe_account=account.id, idempotency_key=key(), amount_cents=1_000,
                                   currency="usd")
    assert timeline.due_transitions_task() == 0
    timeline._move_to(clock.now() + DAY)  # a day of real time, as the clock sees it: nothing ran yet
    assert gateway.payout_retrieve(payout.id, stripe_account=account.id).status == "pending"
    assert timeline.due_transitions_task() == 1
    assert gateway.payout_retrieve(payout.id, stripe_account=account.id).status == "in_transit"
