"""Payroll runs: validated whole before anything is sent, idempotent per payroll id, processed in
batches (also by racing processes), resumed after a crash without paying anyone twice, and the
admin's CSV upload (issue 10 item 5)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from direct_deposit.models import Payout, PayrollRun, PayrollRunLine
from direct_deposit.services import payroll_run_batch_process, payroll_run_resume
from stripe_sandbox import failures
from tests.direct_deposit.helpers import payouts_of, transfers_to
from tests.helpers import error, sandbox_count

pytestmark = pytest.mark.django_db(databases="__all__")
RUNS = "/api/v1/direct-deposit/payroll-runs"


def run_body(recipients, payroll_id: str = "payroll_67890", amount: int = 1_000, **extra) -> dict:
    return {"payrollId": payroll_id, "description": "Payroll - November 2025", "payPeriodStart": "2025-11-01",
            "payPeriodEnd": "2025-11-15", "payouts": [{"recipientId": r["id"], "amount": amount + i}
                                                     for i, r in enumerate(recipients)], **extra}


def paid_once_each(recipients) -> None:
    for r in recipients:
        assert transfers_to(r["stripeAccountId"]) == 1, r["id"]
        assert payouts_of(r["stripeAccountId"]) == 1, r["id"]
    assert Payout.objects.count() == len(recipients)


def test_a_run_pays_every_line_once_and_shows_its_progress(admin_client, make_recipient, fund):
    recipients = [make_recipient() for _ in range(3)]
    fund(10_000)
    response = admin_client.post(RUNS, run_body(recipients), format="json")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert (data["status"], data["payoutCount"], data["totalAmount"]) == ("queued", 3, 3_003)
    assert data["progress"]["queued"] == 3
    run = PayrollRun.objects.get(public_id=data["id"])
    assert payroll_run_batch_process(run=run) == 3
    body = admin_client.get(f"{RUNS}/{data['id']}").json()["data"]
    assert body["status"] == "completed"
    assert body["progress"] | {"percent": 100} == {"total": 3, "queued": 0, "processing": 0, "sent": 3, "failed": 0,
                                                   "percent": 100}
    paid_once_each(recipients)
    assert set(Payout.objects.values_list("payroll_run__public_id", flat=True)) == {data["id"]}


def test_the_same_payroll_id_and_content_returns_the_existing_run(admin_client, make_recipient):
    recipients = [make_recipient()]
    first = admin_client.post(RUNS, run_body(recipients), format="json")
    again = admin_client.post(RUNS, run_body(recipients), format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["data"]["id"] == again.json()["data"]["id"] and PayrollRun.objects.count() == 1


def test_the_same_payroll_id_with_other_content_is_409(admin_client, make_recipient):
    recipients = [make_recipient()]
    admin_client.post(RUNS, run_body(recipients), format="json")
    err = error(admin_client.post(RUNS, run_body(recipients, amount=2_000), format="json"), 409,
                "RESOURCE_ALREADY_EXISTS")
    assert err["details"][0]["field"] == "payrollId"
    assert PayrollRun.objects.count() == 1


def test_every_bad_line_is_named_and_nothing_is_sent(admin_client, make_recipient, client_for, other_org):
    good, unverified = make_recipient(), make_recipient(dob="1902-01-01")
    theirs = make_recipient(client=client_for("admin", org=other_org))
    body = {"payrollId": "payroll-bad", "payouts": [
        {"recipientId": good["id"], "amount": 1_000},
        {"recipientId": good["id"], "amount": 0},
        {"recipientId": unverified["id"], "amount": 1_000},
        {"recipientId": theirs["id"], "amount": 1_000},
        {"employeeId": "emp_nobody", "amount": "12.50"},
        {"recipientId": good["id"], "amount": 5, "bankAccountId": "dd_bank_nope"},
    ]}
    err = error(admin_client.post(RUNS, body, format="json"), 422, "VALIDATION_ERROR")
    named = {(d["line"], d["field"]) for d in err["details"]}
    assert named == {(2, "amount"), (2, "recipientId"), (3, "recipientId"), (4, "recipientId"),
                     (5, "employeeId"), (5, "amount"), (6, "bankAccountId"), (6, "recipientId")}
    assert PayrollRun.objects.count() == 0 and Payout.objects.count() == 0 and sandbox_count("transfer") == 0


def test_a_run_interrupted_by_a_stripe_outage_resumes_without_paying_anyone_twice(make_recipient, fund, admin_client):
    recipients = [make_recipient() for _ in range(5)]
    fund(20_000)
    run = PayrollRun.objects.get(public_id=admin_client.post(RUNS, run_body(recipients), format="json")
                                 .json()["data"]["id"])
    assert payroll_run_batch_process(run=run, max_lines=2) == 2  # part of the run
    # Stripe stops answering payout calls (before and after doing the work): lines 3-5 get their
    # transfer but not their payout, exactly where a crash between the two steps would leave them.
    failures.inject(failures.TIMEOUT, count=1, path_prefix="/v1/payouts")
    failures.inject(failures.CONNECTION, count=100, path_prefix="/v1/payouts")
    payroll_run_batch_process(run=run)
    assert Payout.objects.filter(payroll_run=run, attempt=Payout.Attempt.PAYOUT).count() == 3
    assert PayrollRunLine.objects.filter(run=run, result="processing").count() == 3
    failures.clear()
    payroll_run_resume(run=run)
    paid_once_each(recipients)
    run.refresh_from_db()
    assert run.status == "completed"


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_racing_batch_workers_pay_each_line_once(make_recipient, fund, admin_client, settings):
    settings.PAYROLL_BATCH_SIZE = 2
    recipients = [make_recipient() for _ in range(8)]
    fund(50_000)
    run = PayrollRun.objects.get(public_id=admin_client.post(RUNS, run_body(recipients), format="json")
                                 .json()["data"]["id"])
    claimed, errors = [], []

    def worker():
        try:
            claimed.append(payroll_run_batch_process(run=run))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sum(claimed) == 8
    paid_once_each(recipients)
    assert PayrollRun.objects.get(pk=run.pk).status == "completed"


# --- The admin's CSV upload ------------------------------------------------------------------------

@pytest.fixture
def staff_client(make_user):
    from django.test import Client

    client = Client()
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    return client


def upload(client, text: str, payroll_id: str = "payroll-csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/admin/direct_deposit/payrollrun/upload-csv/", {
        "payroll_id": payroll_id, "description": "November", "file": SimpleUploadedFile("payroll.csv", text.encode())})


def test_a_csv_with_bad_lines_names_every_one_and_sends_nothing(staff_client, make_recipient):
    a, b = make_recipient(), make_recipient()
    text = (f"employeeId,amount,description\n{a['employeeId']},150000,Salary\n"
            f"{b['employeeId']},12.50,Salary\nemp_nobody,1000,Salary\n")
    response = upload(staff_client, text)
    assert response.status_code == 200
    problems = {(p["line"], p["field"]) for p in response.context["problems"]}
    assert problems == {(3, "amount"), (4, "employeeId")}
    assert "Line" in response.content.decode() and "emp_nobody" in response.content.decode()
    assert PayrollRun.objects.count() == 0 and sandbox_count("transfer") == 0


def test_a_good_csv_makes_a_run(staff_client, make_recipient):
    a, b = make_recipient(), make_recipient()
    response = upload(staff_client, f"employeeId,amount\n{a['employeeId']},1000\n\n{b['employeeId']},2000\n")
    assert response.status_code == 302, response.content
    run = PayrollRun.objects.get()
    assert (run.source, run.line_count, run.total_cents) == ("csv", 2, 3_000)
    assert list(run.lines.values_list("line_number", flat=True)) == [2, 4]
    page = staff_client.get(f"/admin/direct_deposit/payrollrun/{run.pk}/change/")
    assert page.status_code == 200 and "0 sent" in page.content.decode()


def test_a_csv_upload_is_refused_to_a_role_that_may_not_pay(make_user, make_recipient):
    from django.test import Client

    client = Client()
    client.force_login(make_user("accountant", is_staff=True))
    upload(client, f"employeeId,amount\n{make_recipient()['employeeId']},1000\n")
    assert PayrollRun.objects.count() == 0


def test_a_payout_that_fails_after_its_run_completed_marks_the_line_and_the_run(admin_client, make_recipient, fund):
    from tests.direct_deposit.test_payouts import deliver_payout_events
    from tests.stripe_sandbox.connect_helpers import advance

    good, closed = make_recipient(), make_recipient(account_number="000111111113")
    fund(10_000)
    run = PayrollRun.objects.get(public_id=admin_client.post(RUNS, run_body([good, closed]), format="json")
                                 .json()["data"]["id"])
    payroll_run_batch_process(run=run)
    assert PayrollRun.objects.get(pk=run.pk).status == "completed"
    advance(5)
    for payout in Payout.objects.filter(payroll_run=run):
        deliver_payout_events(payout)
    body = admin_client.get(f"{RUNS}/{run.public_id}").json()["data"]
    assert body["status"] == "completed_with_failures"
    assert [(line["line"], line["result"]) for line in body["failedLines"]] == [(2, "failed")]
    assert "closed" in body["failedLines"][0]["error"]
