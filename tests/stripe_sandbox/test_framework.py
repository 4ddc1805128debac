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


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_racing_requests_with_one_idempotency_key_create_one_object():
    """Six threads (own connections) send the same create with the same key at once."""
    import threading

    from django.db import connections

    from stripe_sandbox.models import SandboxObject

    barrier, ids, errors = threading.Barrier(6), [], []

    def create() -> None:
        try:
            barrier.wait()
            ids.append(gateway.customer_create(email="race@x.co", idempotency_key="one-key").id)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(ids) == 6 and len(set(ids)) == 1
    assert SandboxObject.objects.filter(object="customer").count() == 1


def test_expand_replaces_ids_by_objects_and_rejects_unknown_paths(stripe_client):
    import stripe

    intent = gateway.payment_intent_create(amount_cents=1_000, currency="usd", payment_method_id="pm_card_visa",
                                           idempotency_key="e")
    listed = stripe_client.v1.payment_intents.list(params={"expand": ["data.latest_charge.balance_transaction"]})
    assert listed.data[0].latest_charge.balance_transaction.fee == 59
    assert gateway.payment_intent_retrieve(intent.id, expand=["payment_method"]).payment_method.card.last4 == "4242"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.payment_intents.retrieve(intent.id, params={"expand": ["nothing_here"]})
    assert exc.value.param == "expand"


def test_unknown_route_and_method_are_stripe_404(client):
    import base64

    auth = "Basic " + base64.b64encode(b"sk_test_sandbox:").decode()
    for method, path in (("get", "/sandbox/stripe/v1/nothing"), ("put", "/sandbox/stripe/v1/customers")):
        response = getattr(client, method)(path, HTTP_AUTHORIZATION=auth)
        assert response.status_code == 404
        assert response.json()["error"]["message"].startswith("Unrecognized request URL")


def test_live_like_keys_are_refused_by_the_sandbox(client):
    response = client.get("/sandbox/stripe/v1/customers", HTTP_AUTHORIZATION="Bearer sk_live_abcdef123456")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid API Key provided: sk_live_****3456"


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_a_callers_rollback_never_undoes_what_stripe_did():
    from django.db import transaction

    class Boom(Exception):
        pass

    made = {}
    with pytest.raises(Boom), transaction.atomic():
        made["customer"] = gateway.customer_create(email="kept@x.co", idempotency_key="kept")
        raise Boom
    assert gateway.customer_retrieve(made["customer"].id).email == "kept@x.co"


def test_idempotency_keys_are_forgotten_after_24_hours():
    from stripe_sandbox.models import SandboxIdempotencyKey

    first = gateway.customer_create(email="old@x.co", idempotency_key="daily")
    SandboxIdempotencyKey.objects.filter(key="daily").update(created=models_now() - 24 * 3600 - 1)
    second = gateway.customer_create(email="other@x.co", idempotency_key="daily")  # no idempotency_error
    assert second.id != first.id


def models_now() -> int:
    from stripe_sandbox import clock

    return clock.now()


@pytest.mark.django_db(databases="__all__")
def test_another_test_key_cannot_open_the_sandbox_over_http(client):
    """Anyone on the network could otherwise list every organisation's customers, or create
    objects that come back to the project as signed webhooks."""
    from stripe_sandbox.models import SandboxObject

    before = SandboxObject.objects.using("stripe_sandbox").count()
    for auth in ("Bearer sk_test_attacker", "Basic " + __import__("base64").b64encode(b"sk_test_x:").decode()):
        listing = client.get("/sandbox/stripe/v1/customers", HTTP_AUTHORIZATION=auth)
        created = client.post("/sandbox/stripe/v1/customers", {"email": "x@evil.test"}, HTTP_AUTHORIZATION=auth)
        assert listing.status_code == created.status_code == 401
        assert listing.json()["error"]["type"] == "invalid_request_error"
    assert SandboxObject.objects.using("stripe_sandbox").count() == before
    ok = client.get("/sandbox/stripe/v1/customers", HTTP_AUTHORIZATION="Bearer sk_test_sandbox")
    assert ok.status_code == 200
