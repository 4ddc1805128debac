"""The rate-limit count is shared by every web process: two gunicorn servers, one Redis."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from tests.identity.factories import ApiKeyFactory

ROOT = Path(__file__).resolve().parents[2]
# Same xdist group as the other server-starting tests: they run one after another, not at once.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e"), pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    """The test database, as a URL the servers' settings understand."""
    db = connection.settings_dict
    auth = quote(db["USER"]) + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    socket_dir = db.get("OPTIONS", {}).get("host")
    if socket_dir and not db["HOST"]:
        return f"postgres://{auth}@/{db['NAME']}?host={quote(socket_dir)}"
    return f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def start_server(port: int, log: Path, limit: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))}
    env.update(DATABASE_URL=database_url(), REDIS_URL=settings.REDIS_URL, SECRET_KEY=settings.SECRET_KEY,
               CACHE_KEY_PREFIX=settings.CACHES["default"]["KEY_PREFIX"],
               RATELIMIT_CACHE_PREFIX=settings.RATELIMIT_CACHE_PREFIX, RATE_LIMIT_GENERAL=limit,
               DJANGO_SETTINGS_MODULE="oracle_ledger.settings", ALLOWED_HOSTS="127.0.0.1", DEBUG="false")
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "oracle_ledger.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--access-logfile", "/dev/null"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback http only
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def wait_until_up(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if get(port, "/api/health", {})[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("server did not start:\n" + log.read_text())


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_limit_is_counted_across_two_server_processes(tmp_path, org):
    _, secret = ApiKeyFactory.create_with_secret(role="auditor", organization=org)
    headers = {"X-API-Key": secret}
    ports, procs = [free_port(), free_port()], []
    try:
        for i, port in enumerate(ports):
            procs.append(start_server(port, tmp_path / f"server{i}.log", limit="4/h"))
        for port, proc, i in zip(ports, procs, range(2), strict=True):
            wait_until_up(port, proc, tmp_path / f"server{i}.log")
        # Alternate between the servers: each sees only half of the traffic, so only a shared
        # count reaches the limit of 4 on the fifth request.
        answers = [get(ports[n % 2], "/api/v1/rate-limit-probe", headers) for n in range(6)]
    finally:
        for proc in procs:
            stop(proc)
    statuses = [status for status, _, _ in answers]
    assert statuses == [404, 404, 404, 404, 429, 429], [body for _, _, body in answers]
    assert [h["X-RateLimit-Remaining"] for _, h, _ in answers] == ["3", "2", "1", "0", "0", "0"]
    status, headers_429, body = answers[4]
    assert body["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert body["error"]["details"]["limit"] == 4 and body["error"]["details"]["window"] == "1 hour"
    assert int(headers_429["Retry-After"]) == body["error"]["details"]["retryAfter"] > 0
    assert headers_429["X-RateLimit-Limit"] == "4" and headers_429["X-RateLimit-Window"] == "3600"
    assert len({h["X-RateLimit-Reset"] for _, h, _ in answers}) <= 2  # one window (±1 s of rounding)
    assert all(proc.poll() is not None for proc in procs)
