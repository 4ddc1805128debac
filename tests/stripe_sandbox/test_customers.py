"""Customers: CRUD, list pagination as Stripe pages, and parameter errors."""

from __future__ import annotations

import pytest
import stripe

from oracle_ledger import gateway

pytestmark = pytest.mark.django_db(databases="__all__")


def test_update_merges_metadata_and_unsets_with_empty_values():
    customer = gateway.customer_create(email="m@x.co", metadata={"a": "1", "b": "2"}, idempotency_key="c")
    updated = gateway.customer_update(customer.id, metadata={"a": "", "c": "3"}, name="Bea", idempotency_key="u")
    assert updated.metadata.to_dict() == {"b": "2", "c": "3"}
    assert updated.name == "Bea"
    cleared = gateway.customer_update(customer.id, name="", idempotency_key="u2")
    assert cleared.name is None


def test_delete_answers_deleted_and_retrieve_shows_it_deleted():
    customer = gateway.customer_create(email="d@x.co", idempotency_key="c")
    assert gateway.customer_delete(customer.id, idempotency_key="d").deleted is True
    assert gateway.customer_retrieve(customer.id).deleted is True
    with pytest.raises(gateway.StripeRejected) as exc:
        gateway.customer_update(customer.id, name="x", idempotency_key="u")
    assert exc.value.stripe_code == "resource_missing"


def test_list_pages_with_limit_starting_after_and_ending_before(stripe_client):
    ids = [gateway.customer_create(email=f"p{i}@x.co", idempotency_key=f"c{i}").id for i in range(5)]
    newest_first = ids[::-1]
    first = stripe_client.v1.customers.list(params={"limit": 2})
    assert [c.id for c in first.data] == newest_first[:2] and first.has_more and first.url == "/v1/customers"
    second = stripe_client.v1.customers.list(params={"limit": 2, "starting_after": first.data[-1].id})
    assert [c.id for c in second.data] == newest_first[2:4] and second.has_more
    back = stripe_client.v1.customers.list(params={"limit": 2, "ending_before": second.data[0].id})
    assert [c.id for c in back.data] == newest_first[:2] and not back.has_more
    every = [c.id for c in stripe_client.v1.customers.list(params={"limit": 2}).auto_paging_iter()]
    assert every == newest_first


def test_list_filters_by_email(stripe_client):
    gateway.customer_create(email="one@x.co", idempotency_key="1")
    two = gateway.customer_create(email="two@x.co", idempotency_key="2")
    assert [c.id for c in gateway.customer_list(email="two@x.co").data] == [two.id]


@pytest.mark.parametrize(("params", "code", "param"), [
    ({"limit": 0}, "parameter_invalid_integer", "limit"),
    ({"limit": 101}, "parameter_invalid_integer", "limit"),
    ({"limit": "many"}, "parameter_invalid_integer", "limit"),
    ({"starting_after": "cus_nope"}, "resource_missing", "starting_after"),
    ({"starting_after": "a", "ending_before": "b"}, "parameters_exclusive", "ending_before"),
    ({"colour": "red"}, "parameter_unknown", "colour"),
])
def test_bad_list_parameters_are_stripe_errors(stripe_client, params, code, param):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.list(params=params)
    assert (exc.value.code, exc.value.param) == (code, param)


@pytest.mark.parametrize(("params", "code", "param"), [
    ({"email": "not-an-email"}, "email_invalid", "email"),
    ({"name": "n" * 257}, "string_length_exceeds_maximum", "name"),
    ({"address": {"line1": "1 Main", "planet": "Mars"}}, "parameter_unknown", "address[planet]"),
    ({"shipping": {"name": "Ann"}}, "parameter_missing", "shipping[address]"),
    ({"metadata": {f"k{i}": "v" for i in range(51)}}, None, "metadata"),
    ({"tax_exempt": "sometimes"}, None, "tax_exempt"),
    ({"payment_method": "pm_nope"}, "resource_missing", "payment_method"),
])
def test_bad_customer_parameters_are_rejected_and_create_nothing(stripe_client, params, code, param):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.create(params=params)
    assert (exc.value.code, exc.value.param, exc.value.http_status) == (code, param, 400)
    assert stripe_client.v1.customers.list().data == []


def test_customer_created_with_a_payment_method_and_default(stripe_client):
    customer = stripe_client.v1.customers.create(params={
        "email": "pm@x.co", "payment_method": "pm_card_visa"})
    methods = gateway.payment_method_list(customer_id=customer.id)
    assert len(methods.data) == 1
    updated = gateway.customer_update(customer.id, invoice_settings={"default_payment_method": methods.data[0].id},
                                      idempotency_key="d")
    assert updated.invoice_settings.default_payment_method == methods.data[0].id
