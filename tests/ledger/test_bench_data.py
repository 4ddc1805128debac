"""The benchmark's bulk generator writes through the real tables: its entries pass the commit-time
balance check and the per-day totals agree with the lines (the same code, at a small size)."""

from __future__ import annotations

import pytest

from bench.suites import ledger as bench_ledger
from ledger.models import JournalEntry, JournalLine

pytestmark = pytest.mark.django_db(transaction=True)


def test_generated_lines_commit_and_balances_agree(monkeypatch):
    monkeypatch.setattr(bench_ledger, "LINES", 3000)
    monkeypatch.setattr(bench_ledger, "ENTRIES", 1000)
    monkeypatch.setattr(bench_ledger, "BATCH", 300)
    org = bench_ledger._organization()
    bench_ledger._generate(org)
    assert JournalEntry.objects.filter(organization=org).count() == 1000
    assert JournalLine.objects.filter(organization=org).count() == 3000
    bench_ledger._check(org)
    bench_ledger._generate(org)  # a second run adds nothing
    assert JournalLine.objects.filter(organization=org).count() == 3000
