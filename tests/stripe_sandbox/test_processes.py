"""Two processes see the same sandbox: a `manage.py shell` child, and gunicorn serving
/sandbox/stripe/v1/ (the `curl -u sk_test_sandbox:` path and the SDK over real HTTP)."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connections

from oracle_ledger import gateway
from stripe_sandbox.models import SandboxObject

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def child_env() -> dict[str, str]:
    """Environment for a child process on this test's own database."""
    db = connections["default"].settings_dict
    host = db["HOST"] or db["OPTIONS"].get("host", "")
    url = f"postgresql://{db['USER']}:{db.get('PASSWORD') or ''}@/{db['NAME']}?host={host}"
    if db["HOST"] and db["PORT"]:
        url = f"postgresql://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_XDIST_WORKER", "STRIPE_SECRET_KEY"}}
    env.update(DATABASE_URL=url, SECRET_KEY="test-child-secret-key-not-for-production", SANDBOX_WEBHOOK_URL="",
               ALLOWED_HOSTS="127.0.0.1,localhost")
    return env


def test_a_shell_in_another_process_reads_and_writes_the_same_objects():
    mine = gateway.customer_create(email="parent@x.co", idempotency_key="parent")
    code = ("from oracle_ledger import gateway\n"
            f"print(gateway.customer_retrieve('{mine.id}').email)\n"
            "print(gateway.customer_create(email='child@x.co', idempotency_key='child').id)\n")
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=child_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    email, child_id = done.stdout.split()[-2:]
    assert email == "parent@x.co"
    assert gateway.customer_retrieve(child_id).email == "child@x.co"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(django_db_setup, django_db_blocker):
    """One gunicorn for the module (it only needs the test database to exist)."""
    port, log = free_port(), ROOT / ".data" / f"sandbox-gunicorn-{os.getpid()}.log"
    log.parent.mkdir(exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "oracle_ledger.wsgi", "--bind", f"127.0.0.1:{port}",
                             "--workers", "1", "--threads", "2"], cwd=ROOT, env=child_env(),
                            stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.unlink(missing_ok=True)


@pytest.mark.e2e
def test_curl_style_request_creates_a_customer_the_sdk_reads_back(gunicorn):
    request = urllib.request.Request(f"{gunicorn}/sandbox/stripe/v1/customers", data=b"email=a@b.co", headers={  # noqa: S310
        "Authorization": "Basic " + base64.b64encode(b"sk_test_sandbox:").decode(),
        "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        body = json.loads(response.read())
        assert response.headers["Request-Id"].startswith("req_")
    assert gateway.customer_retrieve(body["id"]).email == "a@b.co"


@pytest.mark.e2e
def test_the_sdk_over_real_http_reaches_the_served_sandbox(gunicorn, settings):
    settings.STRIPE_API_BASE = f"{gunicorn}/sandbox/stripe"
    gateway.reset_client()
    assert not isinstance(gateway.client()._requestor._client, gateway.SandboxHTTPClient)
    customer = gateway.customer_create(email="http@x.co", idempotency_key="over-http")
    again = gateway.customer_create(email="http@x.co", idempotency_key="over-http")
    assert again.id == customer.id and again.last_response.headers["Idempotent-Replayed"] == "true"
    with pytest.raises(gateway.CardDeclined) as exc:
        gateway.payment_intent_create(amount_cents=1_000, currency="usd", customer_id=customer.id,
                                      payment_method_id="pm_card_chargeDeclinedInsufficientFunds",
                                      idempotency_key="declined-over-http")
    assert exc.value.decline_code == "insufficient_funds"
    assert SandboxObject.objects.get(id=customer.id).data["email"] == "http@x.co"


@pytest.mark.e2e
def test_served_sandbox_answers_stripe_errors_without_csrf_or_envelope(gunicorn):
    request = urllib.request.Request(f"{gunicorn}/sandbox/stripe/v1/customers", data=b"colour=red", headers={  # noqa: S310
        "Authorization": "Bearer sk_test_sandbox"})
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310 - loopback
    body = json.loads(exc.value.read())
    assert exc.value.code == 400
    assert body == {"error": {"type": "invalid_request_error", "code": "parameter_unknown", "param": "colour",
                              "message": "Received unknown parameter: colour",
                              "doc_url": "https://stripe.com/docs/error-codes/parameter-unknown"}}
