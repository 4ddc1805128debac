"""`manage.py verify_ledger`: every entry balanced, per-day totals equal to the lines. Exit 1 and
list the findings when anything disagrees."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from ledger.integrity import ledger_integrity_problems


class Command(BaseCommand):
    help = "Check that journal entries balance and per-day account totals match the lines."

    def handle(self, *args, **options):
        problems = ledger_integrity_problems()
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            sys.exit(1)
        self.stdout.write("ledger intact: every entry balances and day totals match the lines")
