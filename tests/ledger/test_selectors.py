"""Reads: query counts pinned, balances from day totals agree with the lines."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Sum

from ledger.models import JournalLine
from ledger.selectors import account_balances, journal_entry_list, trial_balance

pytestmark = pytest.mark.django_db


def test_account_balances_is_one_query(org, post, django_assert_num_queries):
    for i in range(5):
        post(f"pi_{i}", 1000, 59, date=date(2026, 1, 1 + i))
    with django_assert_num_queries(1):
        rows = account_balances(org=org, as_of=date(2026, 12, 31))
    assert len(rows) == 10


def test_journal_entry_list_is_two_queries_whatever_the_rows(org, post, django_assert_num_queries):
    for i in range(20):
        post(f"pi_{i}", 1000, 59)
    with django_assert_num_queries(2):
        entries = list(journal_entry_list(org=org))
        assert sum(len(e.lines.all()) for e in entries) == 60
        assert {line.account.code for e in entries for line in e.lines.all()}


def test_balances_from_day_totals_equal_the_sum_of_lines(org, post):
    for i in range(12):
        post(f"pi_{i}", 1000 + i, 30 + i, date=date(2026, 1 + i % 3, 1 + i))
        if i % 4 == 0:
            post(f"re_{i}", 10 + i, date=date(2026, 2, 1 + i), kind="refund")
    as_of = date(2026, 2, 15)
    from_lines = dict(JournalLine.objects.filter(organization=org, entry__date__lte=as_of)
                      .values_list("account__code").annotate(total=Sum("amount_cents")))
    balances = {row.account.code: row.balance_cents for row in account_balances(org=org, as_of=as_of)}
    assert {code: bal for code, bal in balances.items() if bal} == {c: t for c, t in from_lines.items() if t}
    assert trial_balance(org=org, as_of=as_of).balanced
