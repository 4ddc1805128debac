"""DESIGN §5's role matrix on the direct deposit endpoints: every role but `user` reads; only admin
and finance_manager create; denials are audited."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from oracle_ledger.api.permissions import Capability
from tests.direct_deposit.conftest import recipient_body
from tests.identity.matrix import assert_access, roles_for

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.mark.parametrize(("role", "allowed"), roles_for(Capability.DIRECT_DEPOSIT_CREATE))
def test_create_recipient_roles(client_for, role, allowed):
    response = client_for(role).post("/api/v1/direct-deposit/recipients", recipient_body(), format="json")
    assert_access(response, allowed, ok_status=201)
    if not allowed:
        assert AuditEntry.objects.filter(action="permission.denied", outcome="denied").exists()


@pytest.mark.parametrize(("role", "allowed"), roles_for(Capability.DIRECT_DEPOSIT_CREATE))
def test_create_payout_and_payroll_run_roles(client_for, make_recipient, fund, role, allowed):
    recipient = make_recipient()
    fund(2_000)
    client = client_for(role)
    response = client.post("/api/v1/direct-deposit/payouts", {
        "recipientId": recipient["id"], "amount": 1_000, "currency": "usd"}, format="json")
    assert_access(response, allowed)
    response = client.post("/api/v1/direct-deposit/payroll-runs", {
        "payrollId": f"payroll-{role}", "payouts": [{"recipientId": recipient["id"], "amount": 1_000}]},
        format="json")
    assert_access(response, allowed, ok_status=201)


@pytest.mark.parametrize(("role", "allowed"), roles_for(Capability.DIRECT_DEPOSIT_READ))
def test_read_roles(client_for, make_recipient, pay, role, allowed):
    recipient = make_recipient()
    payout = pay(recipient, 1_000).json()["data"]
    client = client_for(role)
    assert_access(client.get("/api/v1/direct-deposit/recipients"), allowed)
    assert_access(client.get(f"/api/v1/direct-deposit/recipients/{recipient['id']}"), allowed)
    assert_access(client.get(f"/api/v1/direct-deposit/payouts/{payout['id']}"), allowed)
