"""DESIGN §5 on the payment endpoints: the role matrix (tests/identity/matrix.py), `user` limited to
its own customers and payments, organisations, API keys, audited denials."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from oracle_ledger.api.permissions import Capability
from payments.models import Payment, Refund
from tests.helpers import error
from tests.identity.factories import ApiKeyFactory
from tests.identity.matrix import assert_access, roles_for

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def paid(pay):
    return pay(amount=10_000).json()["data"]


@pytest.mark.parametrize(("role", "allowed"), roles_for(Capability.PAYMENTS_READ))
def test_list_roles(client_for, role, allowed):
    assert_access(client_for(role).get("/api/v1/payments"), allowed)


@pytest.mark.parametrize(("role", "allowed"), roles_for(Capability.PAYMENTS_READ))
def test_retrieve_roles(client_for, paid, role, allowed):
    response = client_for(role).get(f"/api/v1/payments/{paid['id']}")
    if role == "user":  # reads only its own payments: another's is absent
        error(response, 404, "RESOURCE_NOT_FOUND")
    else:
        assert_access(response, allowed)


@pytest.mark.parametrize(("role", "allowed"), roles_for(Capability.PAYMENTS_CREATE))
def test_create_roles(client_for, customer, role, allowed):
    response = client_for(role).post("/api/v1/payments", {"customerId": customer["id"], "amount": 2599,
                                                          "currency": "usd"}, format="json")
    if role == "user":  # may charge only customers it created
        error(response, 404, "RESOURCE_NOT_FOUND")
    else:
        assert_access(response, allowed)
    assert Payment.objects.exists() is (allowed and role != "user")
    if not allowed:
        assert AuditEntry.objects.filter(action="permission.denied", outcome="denied", role=role).exists()


@pytest.mark.parametrize(("role", "allowed"), roles_for(Capability.PAYMENTS_CREATE))
def test_refund_roles(client_for, paid, role, allowed):
    response = client_for(role).post(f"/api/v1/payments/{paid['id']}/refund", {"amount": 100}, format="json")
    if role == "user":
        error(response, 404, "RESOURCE_NOT_FOUND")
    else:
        assert_access(response, allowed)
    assert Refund.objects.exists() is (allowed and role != "user")


@pytest.mark.parametrize(("role", "allowed"), roles_for(Capability.PAYMENTS_CREATE))
def test_confirm_and_cancel_roles(client_for, pay, role, allowed):
    payment_id = pay(confirm=False).json()["data"]["id"]
    response = client_for(role).post(f"/api/v1/payments/{payment_id}/cancel")
    if role == "user":
        error(response, 404, "RESOURCE_NOT_FOUND")
    else:
        assert_access(response, allowed)
    assert (Payment.objects.get(public_id=payment_id).status == "canceled") is (allowed and role != "user")


def test_user_charges_and_sees_only_its_own(client_for, make_user, make_customer, pay):
    alice, bob = client_for(make_user("user")), client_for(make_user("user"))
    alices = make_customer(client=alice)
    mine = pay(client=alice, customer_data=alices)
    assert mine.status_code == 200, mine.content
    pay()  # the admin's payment of the admin's customer
    assert [p["id"] for p in alice.get("/api/v1/payments").json()["data"]["payments"]] == [mine.json()["data"]["id"]]
    assert bob.get("/api/v1/payments").json()["data"]["payments"] == []
    error(pay(client=bob, customer_data=alices), 404, "RESOURCE_NOT_FOUND")


def test_api_key_payment_records_the_key(api_client, org, customer):
    key, secret = ApiKeyFactory.create_with_secret(role="finance_manager", organization=org)
    response = api_client.post("/api/v1/payments", {"customerId": customer["id"], "amount": 2599, "currency": "usd"},
                               format="json", HTTP_X_API_KEY=secret)
    assert response.status_code == 200, response.content
    payment = Payment.objects.get(public_id=response.json()["data"]["id"])
    assert (payment.created_by, payment.created_by_api_key_id) == (None, key.public_id)
    assert AuditEntry.objects.filter(action="payment.succeeded", object_id=payment.public_id,
                                     actor_type="api_key").exists()


def test_other_organisation_cannot_see_or_refund(client_for, other_org, paid):
    outsider = client_for("admin", org=other_org)
    error(outsider.get(f"/api/v1/payments/{paid['id']}"), 404, "RESOURCE_NOT_FOUND")
    error(outsider.post(f"/api/v1/payments/{paid['id']}/refund", {}, format="json"), 404, "RESOURCE_NOT_FOUND")
    assert outsider.get("/api/v1/payments").json()["data"]["payments"] == []


def test_without_credentials_is_401(api_client):
    error(api_client.get("/api/v1/payments"), 401, "AUTHENTICATION_REQUIRED")
    error(api_client.post("/api/v1/payments", {}, format="json"), 401, "AUTHENTICATION_REQUIRED")
