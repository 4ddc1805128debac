"""The gateway: one pinned client, keys on every write, Stripe's failures translated, and the
sandbox's failure injection surfacing through the SDK's own retries."""

from __future__ import annotations

import pytest
import stripe

from oracle_ledger import gateway
from stripe_sandbox import failures
from stripe_sandbox.models import SandboxFailure, SandboxObject

pytestmark = pytest.mark.django_db(databases="__all__")


class CountingTransport(gateway.SandboxHTTPClient):
    """The sandbox transport, counting what the SDK sends (to see its retries)."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        self.calls.append((method, url, headers.get("Idempotency-Key")))
        return super().request(method, url, headers, post_data)


@pytest.fixture
def transport(monkeypatch):
    counting = CountingTransport()
    client = stripe.StripeClient(gateway.SANDBOX_API_KEY, http_client=counting, stripe_version=gateway.API_VERSION,
                                 max_network_retries=gateway.MAX_NETWORK_RETRIES)
    monkeypatch.setattr(gateway, "_client", client)
    return counting


def test_client_pins_the_api_version_and_retries():
    client = gateway.client()
    assert client is gateway.client()
    assert client._requestor._options.stripe_version == gateway.API_VERSION == stripe._api_version._ApiVersion.CURRENT
    assert client._requestor._options.max_network_retries == 2
    assert isinstance(client._requestor._client, gateway.SandboxHTTPClient)


def test_live_key_builds_a_network_client_and_turns_the_sandbox_off(settings, client):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_SANDBOX = "sk_live_123", False
    gateway.reset_client()
    assert isinstance(gateway.client()._requestor._client, stripe.RequestsClient)
    assert client.get("/sandbox/stripe/v1/customers").status_code == 404


def test_every_write_needs_an_idempotency_key():
    with pytest.raises(ValueError):
        gateway.customer_create(email="a@b.co", idempotency_key="")


@pytest.mark.parametrize("kind", ["500", "connection", "timeout"])
def test_failures_the_sdk_retries_surface_as_unavailable_after_three_attempts(transport, kind):
    failures.inject(kind, count=3)
    with pytest.raises(gateway.StripeUnavailable) as exc:
        gateway.customer_create(email="f@x.co", idempotency_key="fail-1")
    assert exc.value.retryable
    assert len(transport.calls) == 3  # the first try and the SDK's two retries
    assert {key for _, _, key in transport.calls} == {"fail-1"}  # all with the same key
    created = SandboxObject.objects.filter(object="customer").count()
    assert created == (1 if kind == "timeout" else 0)  # a lost answer still did the work, once
    assert not SandboxFailure.objects.exists()


def test_rate_limit_is_unavailable_without_retry(transport):
    failures.inject("429", count=1)
    with pytest.raises(gateway.StripeUnavailable) as exc:
        gateway.customer_create(email="f@x.co", idempotency_key="rl")
    assert exc.value.details["stripeErrorCode"] == "rate_limit"
    assert len(transport.calls) == 1  # Stripe's SDK does not retry a 429 it is not told to
    assert not SandboxObject.objects.filter(object="customer").exists()


@pytest.mark.parametrize("kind", ["500", "connection", "timeout"])
def test_fewer_failures_than_retries_recover_with_one_object(transport, kind):
    failures.inject(kind, count=2)
    customer = gateway.customer_create(email="ok@x.co", idempotency_key="recover")
    assert len(transport.calls) == 3
    assert list(SandboxObject.objects.filter(object="customer").values_list("id", flat=True)) == [customer.id]


def test_failures_can_target_one_path(transport):
    failures.inject("500", count=5, path_prefix="/v1/payment_intents")
    gateway.customer_create(email="fine@x.co", idempotency_key="c")
    with pytest.raises(gateway.StripeUnavailable):
        gateway.payment_intent_create(amount_cents=1_000, currency="usd", payment_method_id="pm_card_visa",
                                      idempotency_key="p")
    assert SandboxFailure.objects.get().remaining == 2


def test_errors_translate_to_gateway_errors_with_stripe_details():
    with pytest.raises(gateway.CardDeclined) as declined:
        gateway.payment_intent_create(amount_cents=1_000, currency="usd",
                                      payment_method_id="pm_card_chargeDeclinedStolenCard", idempotency_key="d")
    assert declined.value.details == {"stripeErrorCode": "card_declined", "stripeMessage": "Your card was declined.",
                                      "declineCode": "stolen_card", "stripeType": "CardError"}
    assert not declined.value.retryable and declined.value.code == "STRIPE_ERROR"
    with pytest.raises(gateway.StripeRejected) as rejected:
        gateway.customer_retrieve("cus_nope")
    assert (rejected.value.stripe_code, rejected.value.http_status) == ("resource_missing", 502)


def test_a_bad_api_key_is_rejected(settings):
    settings.STRIPE_SECRET_KEY = "rk_live_nope"
    gateway.reset_client()
    with pytest.raises(gateway.StripeRejected) as exc:
        gateway.customer_retrieve("cus_1")
    assert exc.value.stripe_http_status == 401 and exc.value.details["stripeType"] == "AuthenticationError"
