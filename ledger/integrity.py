"""Checks that the journal's derived data still agrees with the lines: every entry balanced with
lines (the commit-time trigger guarantees it unless someone disabled triggers), and the per-day
account totals equal to the lines they summarise (nothing forbids writing that table directly).
`manage.py verify_ledger` prints the findings."""

from __future__ import annotations

from django.db import connection

_UNBALANCED = """
SELECT e.public_id, COALESCE(l.currency, ''), COALESCE(SUM(l.amount_cents), 0)
  FROM ledger_journalentry e LEFT JOIN ledger_journalline l ON l.entry_id = e.id
 GROUP BY e.id, e.public_id, l.currency
HAVING COUNT(l.id) = 0 OR SUM(l.amount_cents) <> 0
 ORDER BY e.id LIMIT %s
"""

_DAY_TOTAL_DRIFT = """
WITH from_lines AS (
    SELECT l.account_id, e.date,
           SUM(GREATEST(l.amount_cents, 0)) AS debit, SUM(GREATEST(-l.amount_cents, 0)) AS credit
      FROM ledger_journalline l JOIN ledger_journalentry e ON e.id = l.entry_id
     GROUP BY l.account_id, e.date
), kept AS (
    SELECT account_id, date, SUM(debit_cents) AS debit, SUM(credit_cents) AS credit
      FROM ledger_accountdaytotal GROUP BY account_id, date
)
SELECT a.code, a.currency, o.slug, COALESCE(f.date, k.date), COALESCE(f.debit, 0), COALESCE(k.debit, 0),
       COALESCE(f.credit, 0), COALESCE(k.credit, 0)
  FROM from_lines f FULL OUTER JOIN kept k ON k.account_id = f.account_id AND k.date = f.date
  JOIN ledger_account a ON a.id = COALESCE(f.account_id, k.account_id)
  JOIN identity_organization o ON o.id = a.organization_id
 WHERE COALESCE(f.debit, 0) <> COALESCE(k.debit, 0) OR COALESCE(f.credit, 0) <> COALESCE(k.credit, 0)
 ORDER BY 3, 1, 4 LIMIT %s
"""


def ledger_integrity_problems(*, limit: int = 50) -> list[str]:
    """Human-readable findings, at most `limit` of each kind; empty when the ledger is sound."""
    problems = []
    with connection.cursor() as cursor:
        cursor.execute(_UNBALANCED, [limit])
        for public_id, currency, total in cursor.fetchall():
            problems.append(f"entry {public_id}: " + (f"{currency} lines sum to {total}" if currency else "no lines"))
        cursor.execute(_DAY_TOTAL_DRIFT, [limit])
        for code, currency, slug, day, debit, kept_debit, credit, kept_credit in cursor.fetchall():
            problems.append(f"day totals of {slug} {code} ({currency}) on {day}: lines debit {debit} credit "
                            f"{credit}, totals debit {kept_debit} credit {kept_credit}")
    return problems
