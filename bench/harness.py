"""The benchmark harness: an isolated database on the embedded stack, gunicorn on loopback, a
bounded closed-loop load (requests and seconds capped), one JSON line per benchmark with the same
figures for `GET /api/health` measured just before it, and the ratio between them.

A benchmark module registers itself with `@benchmark(...)` on a function that receives the
prepared `Context` (Django is set up against the bench database, so setup code may use the ORM or
raw SQL) and returns a `Load`: how to build the i-th request."""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "oracle_ledger_bench"


@dataclass
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Load:
    make_request: Callable[[int], Request]
    concurrency: int = 8
    max_requests: int = 3000
    max_seconds: float = 15.0
    ok_statuses: tuple[int, ...] = (200, 201)
    unit: str = "requests"  # what one request stands for in the printed rate (e.g. "payouts")
    units_per_request: float = 1.0


@dataclass
class Measured:
    """A benchmark measured end to end in-process rather than over HTTP (e.g. a payroll run
    processed by Celery workers): `run()` does the work and returns the figures (at least
    `seconds` and `rps`); the `baseline` load against the server is measured just before it, so
    the printed line has the same shape and `ratio_rps` as an HTTP benchmark."""

    run: Callable[[], dict]
    baseline: Load


@dataclass
class Context:
    base_url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # e.g. an API key set by a setup step


@dataclass
class Benchmark:
    name: str
    prepare: Callable[[Context], Load]
    needs_server: bool = True


REGISTRY: list[Benchmark] = []


def benchmark(name: str, *, needs_server: bool = True):
    def register(fn: Callable[[Context], Load]):
        REGISTRY.append(Benchmark(name=name, prepare=fn, needs_server=needs_server))
        return fn
    return register


# --- the stack ----------------------------------------------------------------------------------

def bench_environment() -> dict[str, str]:
    """Start (or join) the embedded stack and point this process at a database of its own, so a
    benchmark never touches the developer's data."""
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        env = dict(os.environ)
    else:
        from oracle_ledger import embedded

        urls = embedded.ensure_started()
        admin_url = urls["database_url"]
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
                conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
        parts = urllib.parse.urlsplit(admin_url)
        bench_url = urllib.parse.urlunsplit(parts._replace(scheme="postgres", path=f"/{BENCH_DB}"))
        env = dict(os.environ, DATABASE_URL=bench_url, REDIS_URL=urls["redis_url"])
        env.setdefault("SECRET_KEY", (embedded.DATA_DIR / "secret_key").read_text().strip()
                       if (embedded.DATA_DIR / "secret_key").exists() else "bench-only-secret-key-" + "x" * 40)
    env.update(
        CACHE_KEY_PREFIX="bench", CELERY_BROKER_DB="62", ALLOWED_HOSTS="127.0.0.1,localhost",
        # The guide's per-minute limits would cap every benchmark at a few dozen requests.
        RATE_LIMIT_MULTIPLIER="100000", LOG_LEVEL="WARNING",
    )
    os.environ.update(env)
    return env


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oracle_ledger.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn on loopback, stopped on exit whatever happens."""

    def __init__(self, env: dict[str, str], workers: int = 4, threads: int = 4):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "oracle_ledger.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
             "--access-logfile", "/dev/null", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.base_url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited: " + self.proc.stderr.read().decode()[-2000:])
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/api/health")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not become ready")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# --- the load -----------------------------------------------------------------------------------

def run_load(port: int, load: Load) -> dict:
    """Closed loop: `concurrency` clients with keep-alive connections, each sending its next
    request when the last one answered, until max_requests were sent or max_seconds passed."""
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(load.max_requests))
    lock = threading.Lock()
    stop_at = time.monotonic() + load.max_seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            req = load.make_request(i)
            headers = {"Content-Type": "application/json", **req.headers}
            started = time.perf_counter()
            try:
                conn.request(req.method, req.path, body=req.body, headers=headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(type(exc).__name__)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status not in load.ok_statuses:
                    errors.append(f"{response.status}:{body[:200].decode(errors='replace')}")

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(load.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return summarise(latencies, errors, wall, load)


def summarise(latencies: list[float], errors: list[str], wall: float, load: Load) -> dict:
    ordered = sorted(latencies)

    def pct(p: float) -> float | None:
        if not ordered:
            return None
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000, 2)

    done = len(ordered)
    return {
        "requests": done,
        "seconds": round(wall, 3),
        "rps": round(done / wall, 1) if wall else 0.0,
        f"{load.unit}_per_s": round(done * load.units_per_request / wall, 1) if wall else 0.0,
        "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2) if ordered else None,
        "errors": len(errors),
        "error_sample": errors[:3],
        "concurrency": load.concurrency,
    }


def baseline_load(load: Load) -> Load:
    return Load(make_request=lambda i: Request("GET", "/api/health"), concurrency=load.concurrency,
                max_requests=load.max_requests, max_seconds=load.max_seconds)


def main(argv: list[str]) -> int:
    env = bench_environment()
    setup_django()
    import bench.suites  # noqa: F401  (registers every benchmark module)

    wanted = [a for a in argv if not a.startswith("-")]
    selected = [b for b in REGISTRY if not wanted or b.name in wanted]
    if not selected:
        print(f"no benchmark matches {wanted}; known: {[b.name for b in REGISTRY]}", file=sys.stderr)
        return 2
    ctx = Context(env=env)
    server = Server(env)
    try:
        server.wait_ready()
        ctx.base_url = server.base_url
        for bench in selected:
            load = bench.prepare(ctx)
            if isinstance(load, Measured):
                baseline = run_load(server.port, load.baseline)
                result = load.run()
            else:
                baseline = run_load(server.port, baseline_load(load))
                result = run_load(server.port, load)
            line = {
                "benchmark": bench.name, **result,
                "baseline": {"endpoint": "GET /api/health", **baseline},
                "ratio_rps": round(result["rps"] / baseline["rps"], 3) if baseline["rps"] else None,
            }
            print(json.dumps(line), flush=True)
    finally:
        server.stop()
    return 0
