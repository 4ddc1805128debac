"""The back office: bank data masked in the recipient page, the full view audited; payouts and
payroll lines listed with filters (issue 10 item 7)."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEntry
from direct_deposit.models import Payout, Recipient

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def staff(make_user):
    client = Client()
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    return client


def test_the_recipient_page_masks_bank_data_and_the_full_view_is_audited(staff, make_recipient):
    data = make_recipient()
    recipient = Recipient.objects.get(public_id=data["id"])
    page = staff.get(f"/admin/direct_deposit/recipient/{recipient.pk}/change/").content.decode()
    assert "••••6789" in page and "110000000" not in page
    assert not AuditEntry.objects.filter(action="recipient.bank_data_viewed").exists()
    full = staff.get(f"/admin/direct_deposit/recipient/{recipient.pk}/bank-data/")
    assert full.status_code == 200 and "110000000" in full.content.decode()
    entry = AuditEntry.objects.get(action="recipient.bank_data_viewed", object_id=data["id"])
    assert entry.metadata["via"] == "admin"


def test_payouts_are_listed_with_filters(staff, make_recipient, pay):
    pay(make_recipient(), 1_000)
    payout = Payout.objects.get()
    for query in ("", "?status__exact=pending", "?open_step=open", f"?q={payout.public_id}"):
        response = staff.get(f"/admin/direct_deposit/payout/{query}")
        assert response.status_code == 200, query
    assert payout.public_id in staff.get("/admin/direct_deposit/payout/?status__exact=pending").content.decode()
    assert payout.public_id not in staff.get("/admin/direct_deposit/payout/?status__exact=paid").content.decode()


def test_resume_is_audited_and_refused_to_roles_that_may_not_pay(staff, make_user, make_recipient, admin_client):
    from direct_deposit.models import PayrollRun

    recipient = make_recipient()
    admin_client.post("/api/v1/direct-deposit/payroll-runs", {
        "payrollId": "p-resume", "payouts": [{"recipientId": recipient["id"], "amount": 1_000}]}, format="json")
    run = PayrollRun.objects.get()
    action = {"action": "resume", "_selected_action": [run.pk]}
    accountant = Client()
    accountant.force_login(make_user("accountant", is_staff=True, is_superuser=True))
    accountant.post("/admin/direct_deposit/payrollrun/", action)
    assert not AuditEntry.objects.filter(action="payroll_run.resume_requested").exists()
    assert staff.post("/admin/direct_deposit/payrollrun/", action).status_code == 302
    assert AuditEntry.objects.filter(action="payroll_run.resume_requested", object_id=run.public_id).count() == 1


@pytest.mark.parametrize("role, status", [("user", 403), ("compliance_officer", 200)])
def test_the_full_bank_data_needs_the_roles_direct_deposit_read(make_user, make_recipient, role, status):
    recipient = Recipient.objects.get(public_id=make_recipient()["id"])
    client = Client()
    client.force_login(make_user(role, is_staff=True))  # staff, but not a superuser
    response = client.get(f"/admin/direct_deposit/recipient/{recipient.pk}/bank-data/")
    assert response.status_code == status
    assert ("110000000" in response.content.decode()) == (status == 200)
    viewed = AuditEntry.objects.filter(action="recipient.bank_data_viewed").exists()
    assert viewed == (status == 200)
