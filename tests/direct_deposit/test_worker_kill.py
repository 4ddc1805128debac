"""A payroll run whose real Celery worker is SIGKILLed halfway, between the transfer and the payout
of one line, then resumed: every employee has exactly one transfer and one payout at Stripe
(issue 10 item 5).

The worker is a real `celery worker` process on this test's database and broker. To stop it at a
known point, the test holds the sandbox's per-account balance lock (an advisory lock the sandbox
takes before creating a payout) for the fourth recipient: the worker pays lines 1-3, makes line 4's
transfer, then waits inside the payout call, and is killed there."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.db import connection

from direct_deposit.models import Payout, PayrollRun, PayrollRunLine
from direct_deposit.services import payroll_run_resume
from tests.direct_deposit.helpers import payouts_of, transfers_to
from tests.webhooks.test_worker_kill import start_worker, stop, wait_until, worker_env

pytestmark = [pytest.mark.django_db(transaction=True, databases="__all__"), pytest.mark.e2e,
              pytest.mark.xdist_group("e2e")]


def balance_lock_key(account_id: str) -> int:
    # stripe_sandbox.resources._funds.lock_balance's key for the account.
    return int.from_bytes(hashlib.sha256(f"sandbox-balance:{account_id}".encode()).digest()[:8], "big", signed=True)


def test_a_run_killed_halfway_then_resumed_pays_each_employee_exactly_once(admin_client, make_recipient, fund,
                                                                         tmp_path: Path):
    recipients = [make_recipient() for _ in range(6)]
    fund(100_000)
    env = worker_env(tmp_path)
    env.update(SANDBOX_WEBHOOK_URL="", PAYROLL_BATCH_SIZE="2", PAYROLL_PARALLELISM="1", STRIPE_SECRET_KEY="")
    blocker = connection.get_new_connection(connection.get_connection_params())
    blocker.autocommit = True
    blocker.execute("SELECT pg_advisory_lock(%s)", [balance_lock_key(recipients[3]["stripeAccountId"])])
    from oracle_ledger.celery import app

    app.control.purge()  # only this test's tasks: earlier tests may have left messages on this broker
    log = tmp_path / "worker.log"
    worker = start_worker("payroll", env, log)
    try:
        response = admin_client.post("/api/v1/direct-deposit/payroll-runs", {
            "payrollId": "payroll-kill", "payouts": [{"recipientId": r["id"], "amount": 5_000} for r in recipients]},
            format="json")  # committed, so its batch task is already on this test's broker
        assert response.status_code == 201, response.content
        run = PayrollRun.objects.get(public_id=response.json()["data"]["id"])
        fourth = PayrollRunLine.objects.filter(run=run, line_number=4)
        wait_until(lambda: fourth.filter(payout__attempt=Payout.Attempt.PAYOUT).exists(),
                   "the worker to transfer line 4 and block in its payout", log)
        stop(worker)  # SIGKILL mid-payout: its sandbox transaction dies with it
    finally:
        stop(worker)
        blocker.close()
    progress = dict(PayrollRunLine.objects.filter(run=run).values_list("line_number", "result"))
    assert progress == {1: "sent", 2: "sent", 3: "sent", 4: "processing", 5: "queued", 6: "queued"}
    assert payouts_of(recipients[3]["stripeAccountId"]) == 0 and transfers_to(recipients[3]["stripeAccountId"]) == 1

    payroll_run_resume(run=run)

    for r in recipients:
        assert (transfers_to(r["stripeAccountId"]), payouts_of(r["stripeAccountId"])) == (1, 1), r["id"]
    assert Payout.objects.filter(payroll_run=run).count() == 6
    run.refresh_from_db()
    assert run.status == "completed"
    connection.close()
