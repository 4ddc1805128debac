"""Direct deposit (issue 10): one payroll run of 10,000 payouts through the Stripe sandbox,
processed by real Celery worker processes, reported as payouts per second end to end (submit,
validation of every line, then a transfer and a payout per line with the ledger and audit entries).

Measured in-process rather than over HTTP (the harness's `Measured`): the clock starts when the
run is submitted and stops when every line has its answer, or at DD_BENCH_MAX_SECONDS (the line
then says `completed: false` and the rate covers the lines answered). Recipients are created once
through the same service as the API and kept in the bench database for later runs. Webhook
delivery is off during the run (SANDBOX_WEBHOOK_URL empty) so the figure is the payout path alone.

Knobs: DD_BENCH_PAYOUTS (10000), DD_BENCH_WORKERS (2 worker processes), DD_BENCH_MAX_SECONDS (900)."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from bench.harness import ROOT, Context, Load, Measured, Request, benchmark

SLUG = "bench-direct-deposit"


def _org_and_actor():
    from identity.models import Organization, User
    from oracle_ledger.actors import Actor

    org, _ = Organization.objects.get_or_create(slug=SLUG, defaults={"name": "Bench payroll"})
    user = User.objects.filter(email="payroll@bench.invalid").first() or User.objects.create_user(
        email="payroll@bench.invalid", password=uuid.uuid4().hex, role="finance_manager", organization=org)
    return org, Actor.for_user(user, ip="127.0.0.1")


def _recipient(actor, n: int) -> None:
    from django.db import connection

    from direct_deposit.services import recipient_create

    try:
        recipient_create(actor=actor, client_ip="127.0.0.1", fields={
            "employee_id": f"bench-{n:05d}", "first_name": "Bench", "last_name": f"Employee {n}",
            "email": f"employee{n}@bench.invalid", "phone": "+14155550123",
            "date_of_birth": datetime.date(1901, 1, 1), "ssn_last4": "0000",
            "address": {"line1": "1 Main St", "city": "Springfield", "state": "IL", "postalCode": "62701",
                        "country": "US"}},
            bank_accounts=[{"accountHolderName": "Bench Employee", "bankName": "Test Bank", "routingNumber": "110000000",
                            "accountNumber": "000123456789", "accountType": "checking", "isDefault": True}])
    finally:
        connection.close()


def _recipients(org, actor, count: int) -> tuple[list, float]:
    from direct_deposit.models import Recipient

    started = time.perf_counter()
    have = set(Recipient.objects.filter(organization=org, active=True, payouts_enabled=True)
               .values_list("employee_id", flat=True))
    missing = [n for n in range(count) if f"bench-{n:05d}" not in have]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda n: _recipient(actor, n), missing))
    rows = list(Recipient.objects.filter(organization=org, active=True, payouts_enabled=True)
                .order_by("employee_id")[:count])
    return rows, time.perf_counter() - started


def _start_workers(env: dict[str, str], count: int, parallelism: int) -> list[subprocess.Popen]:
    worker_env = dict(env, SANDBOX_WEBHOOK_URL="", PAYROLL_PARALLELISM=str(parallelism), LOG_LEVEL="WARNING")
    return [subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "oracle_ledger", "worker", "-P", "solo", "-n", f"ddbench{i}@%h",
         "--without-heartbeat", "--without-mingle", "--without-gossip", "-l", "warning"],
        cwd=ROOT, env=worker_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for i in range(count)]


def _stop(workers: list[subprocess.Popen]) -> None:
    for proc in workers:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in workers:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def _run(ctx: Context, actor, recipients, setup_seconds: float) -> dict:
    from direct_deposit.models import PayrollRun, PayrollRunLine
    from direct_deposit.services import RunRequest, payroll_run_progress, payroll_run_submit
    from oracle_ledger import gateway
    from oracle_ledger.celery import app
    from stripe_sandbox import DB
    from stripe_sandbox.models import SandboxObject

    count, max_seconds = len(recipients), float(os.environ.get("DD_BENCH_MAX_SECONDS", "900"))
    n_workers = int(os.environ.get("DD_BENCH_WORKERS", "2"))
    needed = count * (10_000 + 25)  # each payout also costs the platform its fee
    while needed > 0:  # Stripe caps one top-up at 99,999,999
        gateway.topup_create(idempotency_key=f"bench-topup-{uuid.uuid4().hex}", amount_cents=min(needed, 99_999_999))
        needed -= 99_999_999
    app.control.purge()  # the bench broker holds only bench messages: drop earlier runs' tasks
    workers = _start_workers(ctx.env, n_workers, parallelism=n_workers * 2)
    try:
        time.sleep(5)  # let the workers connect to the broker before the clock starts
        started = time.perf_counter()
        run, _ = payroll_run_submit(actor=actor, request=RunRequest(
            payroll_id=f"bench-{uuid.uuid4().hex[:12]}", description="Bench payroll",
            lines=[{"recipientId": r.public_id, "amount": 10_000} for r in recipients]))
        while time.perf_counter() - started < max_seconds:
            if PayrollRun.objects.filter(pk=run.pk).values_list("status", flat=True)[0] not in ("queued",
                                                                                               "processing"):
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
    finally:
        _stop(workers)
    progress = payroll_run_progress(run=run)
    done = progress[PayrollRunLine.Result.SENT] + progress[PayrollRunLine.Result.FAILED]
    transfers = SandboxObject.objects.using(DB).filter(object="transfer", data__transfer_group=run.public_id).count()
    return {"requests": done, "seconds": round(elapsed, 3), "rps": round(done / elapsed, 1),
            "payouts_per_s": round(done / elapsed, 1), "payouts": count, "sent": progress["sent"],
            "failed": progress["failed"], "completed": done == count, "stripe_transfers": transfers,
            "workers": n_workers, "recipients_setup_seconds": round(setup_seconds, 1), "errors": progress["failed"]}


@benchmark("direct_deposit_payroll_run")
def payroll_run(ctx: Context) -> Measured:
    from django.conf import settings

    settings.SANDBOX_WEBHOOK_URL = ""  # setup's account events are not delivered either
    org, actor = _org_and_actor()
    recipients, setup_seconds = _recipients(org, actor, int(os.environ.get("DD_BENCH_PAYOUTS", "10000")))
    baseline = Load(make_request=lambda i: Request("GET", "/api/health"), concurrency=4, max_requests=2000,
                    max_seconds=5)
    return Measured(run=lambda: _run(ctx, actor, recipients, setup_seconds), baseline=baseline)
