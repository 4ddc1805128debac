"""Idempotency-Key on POSTs (DESIGN §5) against a test-only endpoint whose work inserts a row."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from identity.models import IdempotencyRecord, Organization
from identity.tasks import idempotency_records_purge_task
from tests.identity.test_jwt import assert_error
from tests.identity.urls import FAIL_SWITCH

pytestmark = pytest.mark.urls("tests.identity.urls")
URL = "/api/test/idempotent"


def post(client, body, key=None, path=URL):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(path, body, format="json", **extra)


def rows(name: str) -> int:
    return Organization.objects.filter(name=name).count()


@pytest.mark.django_db
def test_without_a_key_every_request_does_the_work(client_for):
    client = client_for("admin")
    post(client, {"name": "plain"})
    post(client, {"name": "plain"})
    assert rows("plain") == 2


@pytest.mark.django_db
def test_retry_with_the_same_key_replays_the_first_answer(client_for):
    client = client_for("admin")
    first = post(client, {"name": "once", "sleep": 0}, key="k-1")
    again = post(client, {"sleep": 0, "name": "once"}, key="k-1")  # same body, other key order
    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in first and again["Idempotent-Replayed"] == "true"
    assert again.json()["data"] == first.json()["data"]
    assert rows("once") == 1


@pytest.mark.django_db
def test_same_key_with_another_body_is_key_reused(client_for):
    client = client_for("admin")
    post(client, {"name": "first"}, key="k-2")
    body = assert_error(post(client, {"name": "second"}, key="k-2"), 422, "IDEMPOTENCY_KEY_REUSED")
    assert body["error"]["details"] == {"idempotencyKey": "k-2"}
    assert rows("second") == 0 and rows("first") == 1


@pytest.mark.django_db
def test_same_key_on_another_path_is_key_reused(client_for):
    client = client_for("admin")
    post(client, {"name": "p"}, key="k-3")
    assert_error(post(client, {"name": "p"}, key="k-3", path=URL + "-too"), 422, "IDEMPOTENCY_KEY_REUSED")
    assert rows("p") == 1


@pytest.mark.django_db
def test_key_over_255_characters_is_invalid_request(client_for):
    client = client_for("admin")
    body = assert_error(post(client, {"name": "long"}, key="k" * 256), 400, "INVALID_REQUEST")
    assert body["error"]["details"][0]["field"] == "Idempotency-Key"
    assert rows("long") == 0 and not IdempotencyRecord.objects.exists()
    assert post(client, {"name": "long"}, key="k" * 255).status_code == 201


@pytest.mark.django_db
def test_empty_key_is_invalid_request(client_for):
    assert_error(post(client_for("admin"), {"name": "e"}, key="  "), 400, "INVALID_REQUEST")


@pytest.mark.django_db
def test_the_same_key_of_two_callers_is_two_keys(client_for):
    post(client_for("admin"), {"name": "shared"}, key="k-4")
    second = post(client_for("admin"), {"name": "shared"}, key="k-4")
    assert second.status_code == 201 and "Idempotent-Replayed" not in second
    assert rows("shared") == 2


@pytest.mark.django_db
def test_a_client_error_is_stored_and_replayed(client_for):
    client = client_for("admin")
    first = assert_error(post(client, {"name": ""}, key="k-5"), 422, "VALIDATION_ERROR")
    again = post(client, {"name": ""}, key="k-5")
    assert assert_error(again, 422, "VALIDATION_ERROR")["error"]["details"] == first["error"]["details"]
    assert again["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_a_server_error_releases_the_key_so_a_retry_does_the_work(client_for):
    client = client_for("admin")
    switch = Organization.objects.create(slug=FAIL_SWITCH, name="switch")
    assert_error(post(client, {"name": "retried"}, key="k-6"), 500, "INTERNAL_ERROR")
    assert not IdempotencyRecord.objects.filter(key="k-6").exists()
    switch.delete()
    retry = post(client, {"name": "retried"}, key="k-6")
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry
    assert rows("retried") == 1


@pytest.mark.django_db
def test_a_request_still_in_flight_is_a_conflict(client_for):
    client = client_for("admin")
    post(client, {"name": "inflight"}, key="k-7")
    IdempotencyRecord.objects.filter(key="k-7").update(state=IdempotencyRecord.State.IN_PROGRESS)
    assert_error(post(client, {"name": "inflight"}, key="k-7"), 409, "IDEMPOTENCY_CONFLICT")
    assert rows("inflight") == 1


@pytest.mark.django_db
def test_an_abandoned_in_flight_key_is_taken_over_after_the_lock_timeout(client_for, settings):
    client = client_for("admin")
    post(client, {"name": "crashed"}, key="k-8")
    stale = timezone.now() - settings.IDEMPOTENCY_LOCK_TIMEOUT - timedelta(seconds=1)
    IdempotencyRecord.objects.filter(key="k-8").update(state=IdempotencyRecord.State.IN_PROGRESS, locked_at=stale)
    retry = post(client, {"name": "crashed"}, key="k-8")
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry
    assert IdempotencyRecord.objects.get(key="k-8").state == IdempotencyRecord.State.DONE


@pytest.mark.django_db
def test_keys_live_24_hours_and_the_beat_task_purges_them(client_for, settings):
    client = client_for("admin")
    post(client, {"name": "old"}, key="k-9")
    post(client, {"name": "young"}, key="k-10")
    record = IdempotencyRecord.objects.get(key="k-9")
    assert record.expires_at - record.created_at == timedelta(hours=24)
    IdempotencyRecord.objects.filter(key="k-9").update(expires_at=timezone.now() - timedelta(seconds=1))
    # An expired key is a new key: the work runs again.
    assert "Idempotent-Replayed" not in post(client, {"name": "old"}, key="k-9")
    assert rows("old") == 2
    IdempotencyRecord.objects.filter(key="k-9").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert idempotency_records_purge_task() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k-10"]
    assert "identity.tasks.idempotency_records_purge_task" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_with_one_key_do_the_work_once(client_for):
    client = client_for("accountant")
    header = client._credentials["HTTP_AUTHORIZATION"]
    barrier, answers, errors = threading.Barrier(20), [], []

    def one_request():
        from rest_framework.test import APIClient

        try:
            thread_client = APIClient()
            thread_client.credentials(HTTP_AUTHORIZATION=header)
            barrier.wait(timeout=30)
            answers.append(post(thread_client, {"name": "raced", "sleep": 0.3}, key="race-key"))
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_request) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(answers) == 20
    assert rows("raced") == 1  # the work ran exactly once
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409}, [a.content for a in answers]
    fresh = [a for a in answers if a.status_code == 201 and "Idempotent-Replayed" not in a]
    assert len(fresh) == 1
    created = fresh[0].json()["data"]
    for answer in answers:
        if answer.status_code == 201:
            assert answer.json()["data"] == created
        else:
            assert answer.json()["error"]["code"] == "IDEMPOTENCY_CONFLICT"
    # Once the first has finished, a late retry is a replay.
    late = post(client, {"name": "raced", "sleep": 0.3}, key="race-key")
    assert late.status_code == 201 and late["Idempotent-Replayed"] == "true" and late.json()["data"] == created
