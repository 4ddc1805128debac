"""The framework: form parsing, API keys, routing, idempotency, failure injection, pagination."""

from __future__ import annotations

import pytest

from oracle_ledger import gateway
from stripe_sandbox import forms
from stripe_sandbox.errors import StripeApiError

pytestmark = pytest.mark.django_db(databases="__all__")


def test_form_parser_builds_nested_hashes_and_arrays():
    parsed = forms.parse("a[b][c]=1&a[b][d]=2&list[0]=x&list[1]=y&expand[]=p&expand[]=q&e=")
    assert parsed == {"a": {"b": {"c": "1", "d": "2"}}, "list": ["x", "y"], "expand": ["p", "q"], "e": ""}


def test_form_parser_rejects_a_key_used_as_value_and_hash():
    with pytest.raises(StripeApiError) as exc:
        forms.parse("a=1&a[b]=2")
    assert exc.value.param == "a"


def test_customer_round_trip_through_the_sdk():
    created = gateway.customer_create(email="a@b.co", name="Ann", metadata={"k": "v"}, idempotency_key="c-1")
    assert created.id.startswith("cus_")
    read = gateway.customer_retrieve(created.id)
    assert (read.email, read.name, read.metadata["k"]) == ("a@b.co", "Ann", "v")


def test_unknown_parameter_is_stripes_parameter_unknown(stripe_client):
    import stripe

    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.create(params={"email": "a@b.co", "colour": "red"})
    assert exc.value.code == "parameter_unknown"
    assert exc.value.param == "colour"
    assert exc.value.http_status == 400


def test_unknown_id_is_resource_missing_404():
    with pytest.raises(gateway.StripeRejected) as exc:
        gateway.customer_retrieve("cus_doesnotexist")
    assert (exc.value.stripe_code, exc.value.param, exc.value.stripe_http_status) == ("resource_missing", "id", 404)


def test_same_key_same_params_replays_the_first_customer(stripe_client):
    first = gateway.customer_create(email="x@y.co", idempotency_key="same")
    second = gateway.customer_create(email="x@y.co", idempotency_key="same")
    assert first.id == second.id
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(stripe_client.v1.customers.list(params={"email": "x@y.co"}).data) == 1


def test_same_key_other_params_is_idempotency_error():
    gateway.customer_create(email="x@y.co", idempotency_key="k")
    with pytest.raises(gateway.StripeRejected) as exc:
        gateway.customer_create(email="other@y.co", idempotency_key="k")
    assert exc.value.details["stripeType"] == "IdempotencyError"
    assert exc.value.stripe_http_status == 400


def test_idempotent_retry_after_simulated_timeout_creates_one_object(stripe_client):
    from stripe_sandbox import failures

    failures.inject("timeout", count=1, path_prefix="/v1/customers")
    customer = gateway.customer_create(email="t@o.co", idempotency_key="after-timeout")
    assert customer.last_response.headers["Idempotent-Replayed"] == "true"  # the SDK's retry got it
    assert [c.id for c in stripe_client.v1.customers.list(params={"email": "t@o.co"}).data] == [customer.id]


def test_http_endpoint_creates_a_customer_the_sdk_reads_back(client):
    import base64

    auth = "Basic " + base64.b64encode(b"sk_test_sandbox:").decode()
    response = client.post("/sandbox/stripe/v1/customers", "email=a@b.co",
                           content_type="application/x-www-form-urlencoded", HTTP_AUTHORIZATION=auth)
    assert response.status_code == 200, response.content
    assert response["Request-Id"].startswith("req_")
    assert gateway.customer_retrieve(response.json()["id"]).email == "a@b.co"


def test_http_endpoint_without_key_is_401_stripe_shaped(client):
    response = client.get("/sandbox/stripe/v1/customers")
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"
