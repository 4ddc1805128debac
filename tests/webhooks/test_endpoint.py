"""POST /api/v1/webhooks/stripe: verification, storage once, acknowledgement (issue 8)."""

from __future__ import annotations

import json
import time

import pytest

from audit.models import AuditEntry
from tests.webhooks.helpers import SECRET, event, post, signature
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def rejected(response, code: str) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["success"] is False and body["error"]["code"] == code, body
    assert body["requestId"] and body["timestamp"].endswith("Z")
    assert WebhookEvent.objects.count() == 0
    entry = AuditEntry.objects.get(action="webhook.rejected")
    assert entry.outcome == "failure" and entry.actor_type == "stripe"
    assert entry.metadata["code"] == code
    return body


def test_signed_event_is_stored_acknowledged_and_enqueued_on_commit(api_client, django_capture_on_commit_callbacks):
    payload = event("customer.created", {"id": "cus_A1", "object": "customer"}, account="acct_1")
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(api_client, payload)
    assert response.status_code == 200, response.content
    assert response.json()["data"] == {"received": True, "duplicate": False}
    stored = WebhookEvent.objects.get()
    assert (stored.stripe_event_id, stored.type, stored.status, stored.object_id, stored.account) == (
        payload["id"], "customer.created", "received", "cus_A1", "acct_1")
    assert stored.payload == payload and int(stored.created.timestamp()) == payload["created"]
    assert stored.api_version == "2026-10-28.endive" and stored.livemode is False
    assert len(callbacks) == 1  # webhook_event_process_task, once the row is committed


def test_the_endpoint_is_public_and_counted_in_the_webhook_category(api_client, settings):
    response = post(api_client, event("customer.created"))
    assert response.status_code == 200
    assert response["X-RateLimit-Limit"] == "1000"  # the guide's "Webhook Processing" row


def test_missing_signature_header_is_rejected(api_client):
    body = rejected(post(api_client, event("customer.created"), secret=None), "WEBHOOK_SIGNATURE_INVALID")
    assert "missing" in body["error"]["message"]


def test_altered_body_is_rejected(api_client):
    raw = json.dumps(event("customer.created")).encode()
    header = signature(raw)
    rejected(post(api_client, raw.replace(b"customer.created", b"customer.deleted"), header=header),
             "WEBHOOK_SIGNATURE_INVALID")


def test_garbage_header_is_rejected(api_client):
    rejected(post(api_client, event("customer.created"), header="not-a-signature"), "WEBHOOK_SIGNATURE_INVALID")


def test_stale_timestamp_is_rejected(api_client):
    rejected(post(api_client, event("customer.created"), timestamp=int(time.time()) - 301),
             "WEBHOOK_SIGNATURE_INVALID")


def test_wrong_secret_is_rejected(api_client):
    rejected(post(api_client, event("customer.created"), secret="whsec_someone_else"), "WEBHOOK_SIGNATURE_INVALID")


def test_every_configured_secret_verifies_during_rotation(api_client, settings):
    settings.STRIPE_WEBHOOK_SECRET = ["whsec_new_secret", SECRET]
    assert post(api_client, event("customer.created"), secret=SECRET).status_code == 200  # the second one
    assert post(api_client, event("customer.created"), secret="whsec_new_secret").status_code == 200
    assert WebhookEvent.objects.count() == 2


def test_signed_body_that_is_not_json_is_invalid_request(api_client):
    body = rejected(post(api_client, b"this is not json"), "INVALID_REQUEST")
    assert body["error"]["details"][0]["field"] == "body"


@pytest.mark.parametrize("payload", [b"[1, 2]", b'{"hello": "world"}', b'"evt_1"',
                                     json.dumps({**event("x.y"), "created": "yesterday"}).encode()])
def test_signed_json_that_is_not_an_event_is_invalid_request(api_client, payload):
    rejected(post(api_client, payload), "INVALID_REQUEST")


def test_empty_body_is_invalid_request(api_client):
    body = rejected(post(api_client, b""), "INVALID_REQUEST")
    assert body["error"]["details"] == [{"field": "body", "reason": "Empty", "value": 0}]


def test_a_one_megabyte_event_is_over_the_documented_limit(api_client, settings):
    payload = event("customer.updated", {"id": "cus_big", "object": "customer", "blob": "x" * (1024 * 1024)})
    body = rejected(post(api_client, payload), "INVALID_REQUEST")
    assert body["error"]["details"][0]["reason"] == f"At most {settings.WEBHOOK_MAX_BODY_BYTES} bytes"


def test_a_body_over_django_s_own_upload_limit_gets_the_same_answer(api_client, settings):
    payload = event("customer.updated", {"id": "cus_big", "object": "customer", "blob": "x" * (3 * 1024 * 1024)})
    assert len(json.dumps(payload)) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    rejected(post(api_client, payload), "INVALID_REQUEST")


def test_a_large_event_within_the_limit_is_accepted(api_client, settings):
    payload = event("customer.updated", {"id": "cus_big", "object": "customer", "blob": "x" * 400_000})
    assert len(json.dumps(payload)) < settings.WEBHOOK_MAX_BODY_BYTES
    assert post(api_client, payload).status_code == 200


def test_a_redelivery_is_acknowledged_and_changes_nothing(api_client, django_capture_on_commit_callbacks):
    payload = event("customer.created")
    assert post(api_client, payload).status_code == 200
    with django_capture_on_commit_callbacks() as callbacks:
        again = post(api_client, payload)
    assert again.status_code == 200 and again.json()["data"] == {"received": True, "duplicate": True}
    assert WebhookEvent.objects.count() == 1 and callbacks == []


def test_get_is_method_not_allowed(api_client):
    response = api_client.get("/api/v1/webhooks/stripe")
    assert response.status_code == 405 and response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
