"""The production path of a webhook: an event committed by the sandbox is enqueued on commit to
this test's broker; a real `celery worker` process runs `deliver_event_task`, which retries (by
Celery countdown, SANDBOX_WEBHOOK_RETRY_DELAYS) through two 500s and delivers on the third try."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import stripe
from django.conf import settings

from oracle_ledger import gateway
from stripe_sandbox.models import SandboxWebhookDelivery
from tests.stripe_sandbox.test_events import Receiver
from tests.stripe_sandbox.test_processes import child_env

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(databases="__all__", transaction=True), pytest.mark.e2e]


def test_a_real_worker_retries_and_delivers_a_signed_event(tmp_path):
    env = child_env()
    env.update(REDIS_URL=settings.REDIS_URL, CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
               CACHE_KEY_PREFIX=settings.CACHES["default"]["KEY_PREFIX"], SANDBOX_WEBHOOK_RETRY_DELAYS="1,1,1")
    log = tmp_path / "worker.log"
    with Receiver([500, 500, 200]) as receiver:
        endpoint = gateway.webhook_endpoint_create(url=receiver.url, enabled_events=["customer.created"],
                                                   idempotency_key="we")
        customer = gateway.customer_create(email="worker@x.co", idempotency_key="c")  # enqueued on commit
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "oracle_ledger", "worker", "-P", "solo", "-n", "sbx@%h",
             "--without-heartbeat", "--without-mingle", "--without-gossip", "-l", "info"],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 90
            while not SandboxWebhookDelivery.objects.filter(endpoint_id=endpoint.id, status="succeeded").exists():
                assert worker.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()[-4000:]
                time.sleep(0.2)
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
    body, signature = receiver.received[-1]
    event = stripe.Webhook.construct_event(body, signature, endpoint.secret)
    assert (event.type, event.data.object.id) == ("customer.created", customer.id)
    delivery = SandboxWebhookDelivery.objects.get(endpoint_id=endpoint.id)
    assert (delivery.status, delivery.attempts) == ("succeeded", 3)
