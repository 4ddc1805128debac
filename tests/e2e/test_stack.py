"""`make run`'s process (`manage.py serve`) on a fresh, isolated embedded stack: it answers,
Ctrl-C stops every process it started, and a second start finds the same data."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_of(data_dir: Path) -> list[psutil.Process]:
    """Every live process started for this data dir (they all carry it in their environment)."""
    found = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.environ().get("ORACLE_LEDGER_DATA_DIR") == str(data_dir) and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def server_processes(data_dir: Path) -> list[str]:
    """PostgreSQL and Redis are started by us but do not inherit our environment: find them by
    their data directory on the command line."""
    out = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmd and proc.info["status"] != psutil.STATUS_ZOMBIE:
            out.append(cmd)
    return out


def start(data_dir: Path, port: int, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "PYTEST_XDIST_WORKER"}}
    env.update(ORACLE_LEDGER_DATA_DIR=str(data_dir), PORT=str(port), WEB_CONCURRENCY="1", CELERY_CONCURRENCY="1")
    return subprocess.Popen([sys.executable, "manage.py", "serve"], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def wait_for_health(port: int, proc: subprocess.Popen, log: Path, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as response:
                import json

                return json.loads(response.read())
        except OSError:
            time.sleep(0.5)
    raise AssertionError("server did not answer in time:\n" + log.read_text())


def ctrl_c(proc: subprocess.Popen, log: Path) -> None:
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("serve did not stop on Ctrl-C:\n" + log.read_text()) from None


def assert_nothing_left(data_dir: Path, timeout: float = 20) -> None:
    """Every process of the run is gone (polling: a backend may take a moment to exit after its
    postmaster has already answered pg_ctl)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not processes_of(data_dir) and not server_processes(data_dir):
            return
        time.sleep(0.25)
    assert processes_of(data_dir) == []
    assert server_processes(data_dir) == []


def credentials(log: Path) -> list[str]:
    return re.findall(r"^\s+\w+\s+\S+@demo\.oracle-ledger\.local\s+\S+$", log.read_text(), re.MULTILINE)


@pytest.fixture
def data_dir():
    """A data directory inside the checkout's `.data/`, not under pytest's tmp_path: pgserver (run
    as root) opens its parents' permissions for its `pgserver` user, and pytest resets its own
    temporary root to 0700 whenever another xdist worker touches it, locking PostgreSQL out."""
    from oracle_ledger import embedded

    path = embedded.DATA_DIR / f"e2e-{uuid.uuid4().hex[:8]}"
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_serve_answers_stops_cleanly_and_keeps_its_data(tmp_path, data_dir):
    port = free_port()
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"

    proc = start(data_dir, port, first_log)
    try:
        body = wait_for_health(port, proc, first_log)
        assert body["success"] is True and body["data"] == {"status": "ok"}
        first_credentials = credentials(first_log)
        assert len(first_credentials) == 6, first_log.read_text()
        org_line = re.search(r"Demo organisation: .*", first_log.read_text()).group(0)
    finally:
        ctrl_c(proc, first_log)
    assert_nothing_left(data_dir)

    proc = start(data_dir, port, second_log)
    try:
        wait_for_health(port, proc, second_log)
        # Same organisation id and the same passwords: the data survived the restart.
        assert re.search(r"Demo organisation: .*", second_log.read_text()).group(0) == org_line
        assert credentials(second_log) == first_credentials
    finally:
        ctrl_c(proc, second_log)
    assert_nothing_left(data_dir)
