"""A payout retried with its Idempotency-Key after a 5xx resumes the first payout. The key's
record is released on a 5xx (so the work can be redone), so the payout row itself must carry the
key, or the retry pays the employee a second time."""

from datetime import timedelta

import pytest

from direct_deposit.models import Payout
from direct_deposit.services import payout_attempts_sweep
from stripe_sandbox import failures
from tests.direct_deposit.helpers import payouts_of, transfers_to

pytestmark = pytest.mark.django_db(databases="__all__")


def test_same_key_retry_after_a_stripe_outage_pays_once(make_recipient, fund, admin_client):
    recipient = make_recipient()
    fund(20_000)
    payload = {"recipientId": recipient["id"], "amount": 5_000, "currency": "usd", "description": "Wages"}
    failures.inject(failures.TIMEOUT, count=3, path_prefix="/v1/transfers")  # the SDK's try and 2 retries
    first = admin_client.post("/api/v1/direct-deposit/payouts", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 502, first.content

    retry = admin_client.post("/api/v1/direct-deposit/payouts", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert retry.status_code == 200, retry.content
    payout_attempts_sweep(older_than=timedelta(0))  # the sweeper must not add a second one either

    assert Payout.objects.count() == 1
    assert retry.json()["data"]["id"] == Payout.objects.get().public_id
    assert transfers_to(recipient["stripeAccountId"]) == 1
    assert payouts_of(recipient["stripeAccountId"]) == 1


def test_same_key_with_another_body_after_an_outage_is_refused(make_recipient, fund, admin_client):
    recipient = make_recipient()
    fund(20_000)
    payload = {"recipientId": recipient["id"], "amount": 5_000, "currency": "usd", "description": "Wages"}
    failures.inject(failures.TIMEOUT, count=3, path_prefix="/v1/transfers")
    assert admin_client.post("/api/v1/direct-deposit/payouts", payload, format="json",
                             HTTP_IDEMPOTENCY_KEY="k-2").status_code == 502
    other = admin_client.post("/api/v1/direct-deposit/payouts", {**payload, "amount": 9_000}, format="json",
                              HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert Payout.objects.count() == 1
