"""Bad input gets a clear error naming the field and changes nothing (DESIGN §8, §9)."""

from __future__ import annotations

import pytest

from customers.models import Customer, PaymentMethod
from payments.models import Payment
from tests.helpers import error, failing_fields, stripe_intent_count

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(autouse=True)
def _nothing_changed():
    """Every test here ends with no payment and no PaymentIntent."""
    yield
    assert Payment.objects.count() == 0
    assert stripe_intent_count() == 0


@pytest.mark.parametrize(("amount", "reason"), [
    (49, "Must be at least 50"),            # below Stripe's usd minimum
    (100_000_000, "Must be at most 99999999"),
    ("2599", "Must be an integer"),         # a string
    (25.99, "Must be an integer"),          # a float
    (2599.0, "Must be an integer"),         # a float that happens to be whole
    (-100, "Must not be negative"),
    (True, "Must be an integer"),
    (None, "This field may not be null"),
])
def test_bad_amount_is_422_naming_amount(pay, amount, reason):
    field = failing_fields(pay(amount=amount))["amount"]
    assert reason in field["reason"]


def test_minimum_depends_on_the_currency(pay):
    assert "Must be at least 30" in failing_fields(pay(amount=29, currency="gbp"))["amount"]["reason"]
    assert "Must be at least 1000" in failing_fields(pay(amount=999, currency="mxn"))["amount"]["reason"]


@pytest.mark.parametrize("currency", ["xyz", "USD", "", "usdd", 840])
def test_unknown_currency_is_422_naming_currency(pay, currency):
    assert "currency" in failing_fields(pay(currency=currency))


@pytest.mark.parametrize("descriptor", ["A" * 23, "BAD<SHOP", "BAD>SHOP", "O'REILLY", 'SAY "HI"', "BACK\\SLASH"])
def test_bad_statement_descriptor_is_422(pay, descriptor):
    assert failing_fields(pay(statementDescriptor=descriptor))["statementDescriptor"]["value"] == descriptor


@pytest.mark.parametrize("metadata", [{f"k{i}": "v" for i in range(51)}, {"k" * 41: "v"}, {"k": "v" * 501},
                                      "not an object"])
def test_metadata_beyond_stripes_limits_is_422(pay, metadata):
    assert any(field.startswith("metadata") for field in failing_fields(pay(metadata=metadata)))


def test_every_failing_field_is_named_at_once(pay):
    fields = failing_fields(pay(amount="x", currency="zzz", statementDescriptor="<" * 30))
    assert {"amount", "currency", "statementDescriptor"} <= set(fields)


def test_another_organisations_customer_is_not_found(pay, client_for, other_org, make_customer):
    theirs = make_customer(client=client_for("admin", org=other_org))
    err = error(pay(customer_data=theirs), 404, "RESOURCE_NOT_FOUND")
    assert err["details"][0]["field"] == "customerId"


def test_another_organisations_payment_method_is_not_found(pay, client_for, other_org, make_customer):
    theirs = make_customer(client=client_for("admin", org=other_org))
    err = error(pay(paymentMethodId=theirs["paymentMethods"][0]["id"]), 404, "RESOURCE_NOT_FOUND")
    assert err["details"][0]["field"] == "paymentMethodId"


def test_another_customers_payment_method_is_422(pay, make_customer):
    other = make_customer()
    assert "paymentMethodId" in failing_fields(pay(paymentMethodId=other["paymentMethods"][0]["id"]))


def test_inactive_customer_cannot_be_charged(pay, admin_client, customer):
    assert admin_client.delete(f"/api/v1/customers/{customer['id']}").status_code == 200
    assert failing_fields(pay())["customerId"]["value"] == customer["id"]


def test_detached_payment_method_cannot_be_charged(pay, admin_client, customer):
    pm_id = customer["paymentMethods"][0]["id"]
    assert admin_client.delete(f"/api/v1/customers/{customer['id']}/payment-methods/{pm_id}").status_code == 200
    assert PaymentMethod.objects.get(public_id=pm_id).status == "detached"
    assert failing_fields(pay(paymentMethodId=pm_id))["paymentMethodId"]["value"] == pm_id


def test_disabled_payment_method_cannot_be_charged(pay, customer):
    pm = PaymentMethod.objects.get(public_id=customer["paymentMethods"][0]["id"])
    Customer.objects.filter(pk=pm.customer_id).update(default_payment_method=None)
    PaymentMethod.objects.filter(pk=pm.pk).update(status="disabled", is_default=False)
    assert "disabled" in failing_fields(pay(paymentMethodId=pm.public_id))["paymentMethodId"]["reason"]


def test_customer_without_default_needs_a_named_method(pay, make_customer):
    assert "paymentMethodId" in failing_fields(pay(customer_data=make_customer(card=None)))


def test_missing_customer_is_422(admin_client):
    fields = failing_fields(admin_client.post("/api/v1/payments", {"amount": 2599, "currency": "usd"}, format="json"))
    assert "customerId" in fields


def test_body_that_is_not_json_is_400(admin_client):
    response = admin_client.post("/api/v1/payments", "{not json", content_type="application/json")
    error(response, 400, "INVALID_REQUEST")
