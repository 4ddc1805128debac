"""`manage.py process_ach_returns`: ask Stripe about every ACH debit that may still come back,
record the returns it reports and apply their rules (the same service as the webhooks, so a
return already applied is not applied again), with a progress bar and a summary."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from ach.services import ach_returns_process
from ach.services.returns import ach_return_candidates


class Command(BaseCommand):
    help = "Pick up ACH returns Stripe reported, apply the NACHA rules, and print what was done."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (logs, cron).")

    def handle(self, *args, no_progress: bool = False, **options):
        candidates = list(ach_return_candidates())

        def progress(rows):
            return tqdm(rows, desc="ACH debits", unit="debit", file=self.stderr._out, disable=no_progress)

        result = ach_returns_process(payments=candidates, progress=progress)
        self.stdout.write(result.summary())
