"""Real races (threads with their own database connections): one event, delivered twice at the
same moment, is stored once and processed once (issue 8)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.webhooks.helpers import event, handler, post
from tests.webhooks.ledger_handlers import entries_for, intent, post_payment
from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_process

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(count: int, fn) -> list:
    barrier, results, errors = threading.Barrier(count), [None] * count, []

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = fn(i)
        except Exception as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


def test_the_same_event_delivered_twice_at_once_is_stored_once_and_processed_once(org):
    payload = event("test.payment", intent(org))
    calls = []

    def counted(*, event, obj):
        calls.append(event.stripe_event_id)
        return post_payment(event=event, obj=obj)

    responses = run_together(4, lambda i: post(APIClient(), payload))
    assert [r.status_code for r in responses] == [200] * 4
    assert sorted(r.json()["data"]["duplicate"] for r in responses) == [False, True, True, True]
    row = WebhookEvent.objects.get(stripe_event_id=payload["id"])

    with handler("test.payment", counted):
        outcomes = run_together(4, lambda i: webhook_event_process(event_pk=row.pk).status)
    assert sorted(outcomes) == ["processed", "skipped", "skipped", "skipped"]
    assert calls == [payload["id"]]
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("processed", 1)
    assert entries_for("pi_test_1") == 1
