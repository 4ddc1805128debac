"""DESIGN §8's rules: each broken rule is a 422 naming the field, and nothing is created."""

from __future__ import annotations

import pytest

from customers.models import Customer
from tests.helpers import error, failing_fields

pytestmark = pytest.mark.django_db(databases="__all__")


def post(client, body):
    return client.post("/api/v1/customers", body, format="json")


def assert_rejected(client, body, field, reason=None):
    fields = failing_fields(post(client, body))
    assert field in fields, fields
    if reason:
        assert fields[field]["reason"] == reason, fields[field]
    assert not Customer.objects.exists()
    return fields[field]


@pytest.mark.parametrize("email", ["invalid-email", "a@", "@b.com", "a b@c.com"])
def test_invalid_email_is_rejected(admin_client, body, email):
    item = assert_rejected(admin_client, {**body, "email": email}, "email", "Invalid email format")
    assert item["value"] == email


@pytest.mark.parametrize("phone", ["12345", "+1", "555-1234", "+999123456789", "+12345678901234567", "phone"])
def test_phone_not_in_e164_is_rejected(admin_client, body, phone):
    assert_rejected(admin_client, {**body, "phone": phone}, "phone", "Invalid phone number format")


def test_phone_is_normalised_to_e164(create):
    assert create(phone="+1 (415) 555-2671")["phone"] == "+14155552671"


def test_the_guides_test_phone_is_accepted(create):
    assert create(phone="+1234567890")["phone"] == "+1234567890"


@pytest.mark.parametrize("country", ["USA", "XX", "us", "ZZ"])
def test_country_must_be_iso_alpha_2(admin_client, body, country):
    address = {**body["billingAddress"], "country": country}
    assert_rejected(admin_client, {**body, "billingAddress": address}, "billingAddress.country")


def test_a_non_us_address_needs_no_state_or_zip(create, body):
    data = create(billingAddress={"line1": "10 Downing St", "city": "London", "postalCode": "SW1A 2AA",
                                  "country": "GB"})
    assert data["billingAddress"]["country"] == "GB"


@pytest.mark.parametrize(("state", "reason"), [("ZZ", "Must be a US state code (e.g. CA)"),
                                               ("", "Required for a US address")])
def test_us_address_needs_a_us_state(admin_client, body, state, reason):
    address = {**body["shippingAddress"], "state": state}
    assert_rejected(admin_client, {**body, "shippingAddress": address}, "shippingAddress.state", reason)


@pytest.mark.parametrize("zip_code", ["9410", "941055", "94105-12", "ABCDE", ""])
def test_us_address_needs_a_zip(admin_client, body, zip_code):
    address = {**body["billingAddress"], "postalCode": zip_code}
    assert_rejected(admin_client, {**body, "billingAddress": address}, "billingAddress.postalCode")


def test_zip_plus_four_is_accepted(create, body):
    assert create(billingAddress={**body["billingAddress"], "postalCode": "94105-1234"})["billingAddress"][
        "postalCode"] == "94105-1234"


def test_required_fields_are_named(admin_client):
    fields = failing_fields(post(admin_client, {}))
    assert {"firstName", "lastName", "email"} <= set(fields)


def test_metadata_over_fifty_keys_is_rejected(admin_client, body):
    metadata = {f"k{i}": "v" for i in range(51)}
    assert_rejected(admin_client, {**body, "metadata": metadata}, "metadata", "At most 50 keys")


def test_metadata_with_fifty_keys_is_accepted(create):
    assert len(create(metadata={f"k{i}": "v" for i in range(50)})["metadata"]) == 50


def test_metadata_key_over_forty_characters_is_rejected(admin_client, body):
    key = "k" * 41
    assert_rejected(admin_client, {**body, "metadata": {key: "v"}}, f"metadata.{key}")


def test_metadata_value_over_five_hundred_characters_is_rejected(admin_client, body):
    assert_rejected(admin_client, {**body, "metadata": {"note": "x" * 501}}, "metadata.note",
                    "Values must be at most 500 characters")


def test_metadata_nested_value_is_rejected(admin_client, body):
    assert_rejected(admin_client, {**body, "metadata": {"nested": {"a": 1}}}, "metadata.nested",
                    "Values must be strings")


def test_customer_id_must_be_a_positive_integer(admin_client, body):
    assert_rejected(admin_client, {**body, "customerId": "abc"}, "customerId")
    assert_rejected(admin_client, {**body, "customerId": 0}, "customerId")


def test_existing_email_is_the_guides_validation_error(admin_client, create, body):
    create()
    response = post(admin_client, {**body, "email": "JOHN.DOE@example.com", "customerId": 777})
    fields = failing_fields(response)
    assert fields["email"] == {"field": "email", "reason": "Email already exists", "value": "JOHN.DOE@example.com"}
    assert Customer.objects.count() == 1


def test_every_failing_field_is_named_at_once(admin_client, create, body):
    create()
    fields = failing_fields(post(admin_client, {**body, "customerId": 777, "phone": "12345"}))
    assert fields["email"]["reason"] == "Email already exists"
    assert fields["phone"] == {"field": "phone", "reason": "Invalid phone number format", "value": "12345"}


def test_existing_customer_id_is_rejected(admin_client, create, body):
    create()
    fields = failing_fields(post(admin_client, {**body, "email": "other@example.com"}))
    assert fields["customerId"]["reason"] == "customerId already exists"
    assert Customer.objects.count() == 1


def test_same_email_in_another_organisation_is_fine(create, client_for, other_org):
    create()
    create(client=client_for("admin", org=other_org))
    assert Customer.objects.count() == 2


def test_update_to_an_existing_email_is_rejected(admin_client, create):
    create()
    other = create(email="other@example.com", customerId=2)
    response = admin_client.put(f"/api/v1/customers/{other['id']}", {"email": "john.doe@example.com"}, format="json")
    assert failing_fields(response)["email"]["reason"] == "Email already exists"
    assert Customer.objects.get(public_id=other["id"]).email == "other@example.com"


def test_update_keeping_its_own_email_is_fine(admin_client, create):
    data = create()
    response = admin_client.put(f"/api/v1/customers/{data['id']}", {"email": data["email"]}, format="json")
    assert response.status_code == 200, response.content


def test_update_validates_like_create(admin_client, create):
    data = create()
    fields = failing_fields(admin_client.put(f"/api/v1/customers/{data['id']}", {"phone": "123", "email": "x"},
                                             format="json"))
    assert set(fields) == {"phone", "email"}


def test_a_body_that_is_not_an_object_is_invalid_request(admin_client):
    error(admin_client.post("/api/v1/customers", "[1]", content_type="application/json"), 400, "INVALID_REQUEST")
