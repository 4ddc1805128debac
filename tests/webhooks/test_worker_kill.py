"""A worker SIGKILLed in the middle of a handler (issue 8): real `celery worker` processes on
this test's database and broker. The first worker posts to the ledger inside the handler's
transaction and blocks; it is killed; the message, acknowledged late, is redelivered to a second
worker, which takes over the dead worker's claim and finishes. The entry is posted once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.webhooks.helpers import event, post
from tests.webhooks.ledger_handlers import entries_for, intent
from webhooks.models import WebhookEvent

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def worker_env(tmp_path: Path) -> dict[str, str]:
    db = connection.settings_dict
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host", "")
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@/{db['NAME']}?host={host}" if host.startswith("/") else \
        f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{db['PORT']}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DATABASE_URL=url, REDIS_URL=settings.REDIS_URL, CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        SECRET_KEY=settings.SECRET_KEY, CACHE_KEY_PREFIX=settings.CACHES["default"]["KEY_PREFIX"],
        # The dead worker's message comes back once older than this (kombu restores it when the
        # next worker starts polling); its claim counts as dead once older than the claim timeout.
        CELERY_VISIBILITY_TIMEOUT="2", WEBHOOK_CLAIM_TIMEOUT="1s",
        WEBHOOK_HANDLER_MODULES="tests.webhooks.ledger_handlers",
        WEBHOOK_TEST_STARTED_FILE=str(tmp_path / "started"), WEBHOOK_TEST_BLOCK_FILE=str(tmp_path / "block"),
    )
    return env


def start_worker(name: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "oracle_ledger", "worker", "-P", "solo", "-n", f"{name}@%h",
         "--without-heartbeat", "--without-mingle", "--without-gossip", "-l", "info"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def wait_until(check, what: str, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}:\n{log.read_text()[-4000:]}")


def test_a_worker_killed_mid_handler_is_replaced_and_the_entry_is_posted_once(api_client, org, tmp_path):
    env = worker_env(tmp_path)
    started, block = Path(env["WEBHOOK_TEST_STARTED_FILE"]), Path(env["WEBHOOK_TEST_BLOCK_FILE"])
    block.touch()
    payload = event("test.blocking_payment", intent(org, "pi_killed"))
    first = start_worker("first", env, tmp_path / "first.log")
    second = None
    try:
        assert post(api_client, payload).status_code == 200  # enqueued on commit, to this test's broker
        wait_until(started.exists, "the first worker to enter the handler", tmp_path / "first.log")
        row = WebhookEvent.objects.get(stripe_event_id=payload["id"])
        assert (row.status, row.attempts) == ("processing", 1)
        stop(first)  # SIGKILL while the handler's transaction is open: its posting rolls back
        assert entries_for("pi_killed") == 0
        block.unlink()
        time.sleep(2.5)  # past the visibility timeout, so the next worker restores the message
        second = start_worker("second", env, tmp_path / "second.log")
        wait_until(lambda: WebhookEvent.objects.get(pk=row.pk).status == "processed", "the second worker",
                   tmp_path / "second.log")
    finally:
        stop(first)
        if second is not None:
            stop(second, signal.SIGTERM)
        connection.close()
    row.refresh_from_db()
    assert row.attempts == 2 and row.organization == org
    assert entries_for("pi_killed") == 1
