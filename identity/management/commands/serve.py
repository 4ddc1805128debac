"""`make run`: the whole system in the foreground: migrate, seed the demo organisation, then
gunicorn, a Celery worker and beat, until Ctrl-C stops them all (and, as the last user of the
embedded stack, PostgreSQL and Redis too)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import BaseCommand, call_command


class Command(BaseCommand):
    help = "Migrate, seed demo data and serve web, worker and beat until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "3")))
        parser.add_argument("--no-seed", action="store_true")

    def handle(self, *args, port: int, host: str, web_workers: int, no_seed: bool, **options):
        # Children read PORT for the sandbox's webhook URL (the project's own endpoint).
        os.environ["PORT"] = str(port)
        call_command("migrate", interactive=False, verbosity=0)
        if not no_seed:
            call_command("seed_demo")
        python = sys.executable
        children = {
            "web": [python, "-m", "gunicorn", "oracle_ledger.wsgi", "--bind", f"{host}:{port}",
                    "--workers", str(web_workers), "--worker-class", "gthread", "--threads", "4",
                    "--access-logfile", "-" if settings.DEBUG else "/dev/null", "--graceful-timeout", "10"],
            "worker": [python, "-m", "celery", "-A", "oracle_ledger", "worker", "--loglevel", "INFO",
                       "--concurrency", os.environ.get("CELERY_CONCURRENCY", "2")],
            "beat": [python, "-m", "celery", "-A", "oracle_ledger", "beat", "--loglevel", "INFO",
                     "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME],
        }
        procs = {name: subprocess.Popen(cmd) for name, cmd in children.items()}
        self.stdout.write(self.style.SUCCESS(
            f"Serving on http://{host}:{port}/  (API docs /api/docs, admin /admin/, "
            f"Stripe sandbox /sandbox/stripe/v1/). Ctrl-C stops everything."))

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    self.stderr.write(f"{name} exited with status {proc.returncode}; stopping everything.")
                    exit_code, stopping = 1, True
                    break
            time.sleep(0.5)
        self._terminate(procs)
        self.stdout.write("Stopped web, worker and beat.")
        if exit_code:
            sys.exit(exit_code)

    @staticmethod
    def _terminate(procs: dict[str, subprocess.Popen]) -> None:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 25
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
