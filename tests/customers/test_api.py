"""The guide's Customer Management API end to end: shapes, Stripe mirroring, soft delete."""

from __future__ import annotations

import re

import pytest

from audit.models import AuditEntry
from customers.models import Customer
from oracle_ledger import gateway
from tests.helpers import error

pytestmark = pytest.mark.django_db(databases="__all__")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def test_create_answers_201_with_the_guides_shape(admin_client, body):
    response = admin_client.post("/api/v1/customers", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["id"].startswith("cust_") and data["stripeCustomerId"].startswith("cus_")
    assert set(data) == {"id", "stripeCustomerId", "firstName", "lastName", "email", "phone", "billingAddress",
                         "shippingAddress", "customerId", "metadata", "defaultPaymentMethod", "createdAt",
                         "updatedAt", "active"}
    assert data["billingAddress"] == body["billingAddress"]
    assert data["shippingAddress"] == {k: v for k, v in body["shippingAddress"].items() if k != "line2"}
    assert (data["customerId"], data["metadata"], data["active"]) == (12345, body["metadata"], True)
    assert data["defaultPaymentMethod"] is None
    assert TIMESTAMP.fullmatch(data["createdAt"]) and TIMESTAMP.fullmatch(data["updatedAt"])


def test_create_mirrors_the_customer_to_stripe(create):
    data = create()
    stripe_customer = gateway.customer_retrieve(data["stripeCustomerId"])
    assert (stripe_customer.email, stripe_customer.name, stripe_customer.phone) == (
        "john.doe@example.com", "John Doe", "+14155552671")
    assert stripe_customer.address.postal_code == "94105"
    assert stripe_customer.shipping.address.city == "Los Angeles"
    assert data["id"] in stripe_customer.description
    assert stripe_customer.metadata["campaign"] == "spring_2025"


def test_create_is_audited_with_the_actor(admin_client, create):
    data = create()
    entry = AuditEntry.objects.get(action="customer.created", object_id=data["id"])
    assert entry.actor_id == admin_client.user.public_id
    assert entry.changes["email"] == {"from": None, "to": "john.doe@example.com"}


def test_retrieve_has_payment_methods_and_statistics(admin_client, create):
    data = create()
    response = admin_client.get(f"/api/v1/customers/{data['id']}")
    assert response.status_code == 200
    got = response.json()["data"]
    assert got["paymentMethods"] == []
    assert got["statistics"] == {"totalPayments": 0, "totalAmountCents": 0, "averagePaymentCents": 0,
                                 "lastPaymentDate": None}
    assert got["id"] == data["id"] and got["active"] is True


def test_unknown_customer_is_404(admin_client):
    error(admin_client.get("/api/v1/customers/cust_nope"), 404, "RESOURCE_NOT_FOUND")


def test_update_changes_given_fields_and_mirrors_them(admin_client, create):
    data = create()
    response = admin_client.put(f"/api/v1/customers/{data['id']}", {
        "firstName": "Johnathan", "email": "johnathan.doe@example.com",
        "metadata": {"campaign": "updated_spring_2025", "vip_status": "gold", "sales_rep": None}}, format="json")
    assert response.status_code == 200, response.content
    got = response.json()["data"]
    assert (got["firstName"], got["lastName"], got["email"]) == ("Johnathan", "Doe", "johnathan.doe@example.com")
    # Stripe's metadata semantics: merged, null removes a key.
    assert got["metadata"] == {"source": "website", "campaign": "updated_spring_2025", "vip_status": "gold"}
    stripe_customer = gateway.customer_retrieve(data["stripeCustomerId"])
    assert (stripe_customer.name, stripe_customer.email) == ("Johnathan Doe", "johnathan.doe@example.com")
    assert "sales_rep" not in stripe_customer.metadata and stripe_customer.metadata["vip_status"] == "gold"
    entry = AuditEntry.objects.get(action="customer.updated", object_id=data["id"])
    assert entry.changes["first_name"] == {"from": "John", "to": "Johnathan"}
    assert "last_name" not in entry.changes


def test_update_can_clear_an_address(admin_client, create):
    data = create()
    response = admin_client.put(f"/api/v1/customers/{data['id']}", {"shippingAddress": None}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["shippingAddress"] is None
    assert gateway.customer_retrieve(data["stripeCustomerId"]).shipping is None


def test_delete_is_a_soft_delete(admin_client, create):
    data = create()
    response = admin_client.delete(f"/api/v1/customers/{data['id']}")
    assert response.status_code == 200, response.content
    got = response.json()["data"]
    assert got["message"] == "Customer deleted successfully"
    assert got["customer"]["id"] == data["id"] and got["customer"]["active"] is False
    assert TIMESTAMP.fullmatch(got["customer"]["deletedAt"])
    customer = Customer.objects.get(public_id=data["id"])
    assert customer.active is False and customer.deleted_at is not None  # history kept
    retrieved = admin_client.get(f"/api/v1/customers/{data['id']}").json()["data"]
    assert retrieved["active"] is False and retrieved["deletedAt"] == got["customer"]["deletedAt"]
    # The Stripe customer stays (Stripe keeps the history).
    assert "deleted" not in gateway.customer_retrieve(data["stripeCustomerId"]).to_dict()
    assert AuditEntry.objects.filter(action="customer.deleted", object_id=data["id"]).count() == 1


def test_deleting_twice_answers_the_first_deletion(admin_client, create):
    data = create()
    first = admin_client.delete(f"/api/v1/customers/{data['id']}").json()["data"]
    second = admin_client.delete(f"/api/v1/customers/{data['id']}").json()["data"]
    assert first == second
    assert AuditEntry.objects.filter(action="customer.deleted", object_id=data["id"]).count() == 1


def test_a_deleted_customer_cannot_be_updated(admin_client, create):
    data = create()
    admin_client.delete(f"/api/v1/customers/{data['id']}")
    body = error(admin_client.put(f"/api/v1/customers/{data['id']}", {"firstName": "X"}, format="json"),
                 422, "VALIDATION_ERROR")
    assert body["details"][0]["reason"] == "Customer is deleted"
    assert Customer.objects.get(public_id=data["id"]).first_name == "John"


def test_a_deleted_customers_email_can_be_used_again(admin_client, create):
    data = create()
    admin_client.delete(f"/api/v1/customers/{data['id']}")
    again = create(customerId=999)
    assert again["email"] == data["email"] and again["id"] != data["id"]


def test_deleted_customer_is_not_chargeable(create):
    from customers.exceptions import CustomerInactiveError
    from customers.services import customer_ensure_chargeable

    data = create()
    customer = Customer.objects.get(public_id=data["id"])
    customer_ensure_chargeable(customer=customer)
    customer.active = False
    with pytest.raises(CustomerInactiveError):
        customer_ensure_chargeable(customer=customer)


def test_create_with_idempotency_key_replays_without_a_second_customer(admin_client, body):
    first = admin_client.post("/api/v1/customers", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = admin_client.post("/api/v1/customers", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    assert Customer.objects.count() == 1


def test_an_empty_update_changes_nothing(admin_client, create):
    data = create()
    response = admin_client.put(f"/api/v1/customers/{data['id']}", {}, format="json")
    assert response.status_code == 200 and response.json()["data"]["updatedAt"] == data["updatedAt"]
    assert not AuditEntry.objects.filter(action="customer.updated").exists()
