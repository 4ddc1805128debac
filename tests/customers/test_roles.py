"""DESIGN §5 on the customer endpoints: the role matrix, `own` scope for `user`, organisations."""

from __future__ import annotations

import pytest

from customers.models import Customer
from oracle_ledger.api.permissions import Capability
from tests.helpers import error
from tests.identity.factories import ApiKeyFactory
from tests.identity.matrix import assert_access, roles_for

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def existing(create):
    return create()


@pytest.mark.parametrize(("role", "allowed"), roles_for(Capability.CUSTOMERS_READ))
def test_list_roles(client_for, role, allowed):
    assert_access(client_for(role).get("/api/v1/customers"), allowed)


@pytest.mark.parametrize(("role", "allowed"), roles_for(Capability.CUSTOMERS_WRITE))
def test_create_roles(client_for, body, role, allowed):
    response = client_for(role).post("/api/v1/customers", body, format="json")
    assert_access(response, allowed, ok_status=201)
    assert Customer.objects.exists() is allowed


@pytest.mark.parametrize(("role", "allowed"), roles_for(Capability.CUSTOMERS_WRITE))
def test_update_roles(client_for, existing, role, allowed):
    response = client_for(role).put(f"/api/v1/customers/{existing['id']}", {"firstName": "X"}, format="json")
    # `user` may write, but only its own customers: another's is absent (404), never 403.
    if role == "user":
        error(response, 404, "RESOURCE_NOT_FOUND")
    else:
        assert_access(response, allowed)


@pytest.mark.parametrize(("role", "allowed"), roles_for(Capability.CUSTOMERS_WRITE))
def test_delete_roles(client_for, existing, role, allowed):
    response = client_for(role).delete(f"/api/v1/customers/{existing['id']}")
    if role == "user":
        error(response, 404, "RESOURCE_NOT_FOUND")
    else:
        assert_access(response, allowed)
    assert Customer.objects.get(public_id=existing["id"]).active is not (allowed and role != "user")


@pytest.mark.parametrize(("role", "allowed"), roles_for(Capability.CUSTOMERS_WRITE))
def test_payment_method_add_roles(client_for, existing, role, allowed):
    response = client_for(role).post(f"/api/v1/customers/{existing['id']}/payment-methods",
                                     {"type": "card", "token": "tok_visa"}, format="json")
    if role == "user":
        error(response, 404, "RESOURCE_NOT_FOUND")
    else:
        assert_access(response, allowed, ok_status=201)


@pytest.mark.parametrize("role", ["compliance_officer", "auditor", "accountant", "finance_manager", "admin"])
def test_read_roles_see_every_customer_of_the_org(client_for, existing, role):
    client = client_for(role)
    assert client.get(f"/api/v1/customers/{existing['id']}").status_code == 200
    assert client.get("/api/v1/customers").json()["data"]["pagination"]["total"] == 1


def test_user_sees_and_changes_only_its_own_customers(client_for, make_user, create, body):
    alice, bob = make_user("user"), make_user("user")
    alice_client, bob_client = client_for(alice), client_for(bob)
    alices = create(client=alice_client)
    bobs = create(client=bob_client, email="bob@example.com", customerId=2)
    listed = alice_client.get("/api/v1/customers").json()["data"]["customers"]
    assert [c["id"] for c in listed] == [alices["id"]]
    assert alice_client.get(f"/api/v1/customers/{alices['id']}").status_code == 200
    for response in (alice_client.get(f"/api/v1/customers/{bobs['id']}"),
                     alice_client.put(f"/api/v1/customers/{bobs['id']}", {"firstName": "X"}, format="json"),
                     alice_client.delete(f"/api/v1/customers/{bobs['id']}"),
                     alice_client.post(f"/api/v1/customers/{bobs['id']}/payment-methods",
                                       {"type": "card", "token": "tok_visa"}, format="json")):
        error(response, 404, "RESOURCE_NOT_FOUND")
    bob_row = Customer.objects.get(public_id=bobs["id"])
    assert (bob_row.first_name, bob_row.active, bob_row.payment_methods.count()) == ("John", True, 0)


def test_another_organisations_customer_is_404(client_for, create, other_org):
    theirs = create(client=client_for("admin", org=other_org))
    mine = client_for("admin")
    for response in (mine.get(f"/api/v1/customers/{theirs['id']}"),
                     mine.put(f"/api/v1/customers/{theirs['id']}", {"firstName": "X"}, format="json"),
                     mine.delete(f"/api/v1/customers/{theirs['id']}")):
        error(response, 404, "RESOURCE_NOT_FOUND")
    assert mine.get("/api/v1/customers").json()["data"]["pagination"]["total"] == 0
    assert Customer.objects.get(public_id=theirs["id"]).first_name == "John"


def test_api_key_creates_customers_recording_the_key(api_client, org, body):
    key, secret = ApiKeyFactory.create_with_secret(role="admin", organization=org)
    response = api_client.post("/api/v1/customers", body, format="json", HTTP_X_API_KEY=secret)
    assert response.status_code == 201, response.content
    customer = Customer.objects.get(public_id=response.json()["data"]["id"])
    assert (customer.created_by, customer.created_by_api_key_id) == (None, key.public_id)


def test_without_credentials_is_401(api_client):
    error(api_client.get("/api/v1/customers"), 401, "AUTHENTICATION_REQUIRED")


def test_an_api_key_with_the_user_role_gets_its_201(api_client, org, body):
    _, secret = ApiKeyFactory.create_with_secret(role="user", organization=org)
    response = api_client.post("/api/v1/customers", body, format="json", HTTP_X_API_KEY=secret)
    assert response.status_code == 201, response.content
    assert response.json()["data"]["email"] == body["email"]
