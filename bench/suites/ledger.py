"""Ledger: trial balance and account balances over a million journal lines (issue 5).

The data is written by SQL (INSERT … SELECT generate_series) through the real tables, so every
guard runs as for any posting: the deferred balance check on each entry and line, and the
statement trigger that keeps the per-day account totals the balances read. It is generated once
per bench database (kept between runs) in batches of BATCH entries per transaction."""

from __future__ import annotations

import sys
import time

from bench.harness import Context, Load, Request, benchmark

ORG_SLUG = "bench-ledger"
LINES = 1_000_000
LINES_PER_ENTRY = 3  # a card payment: Stripe balance, processing fees, sales revenue
ENTRIES = -(-LINES // LINES_PER_ENTRY)
DAYS = 365
BATCH = 50_000

# One statement per batch: the entries, then their three lines each (a data-modifying CTE).
_BATCH_SQL = """
WITH entry AS (
    INSERT INTO ledger_journalentry (public_id, organization_id, date, description, kind, source_type, source_id,
                                     stripe_reference, request_id, created_at)
    SELECT 'je_bench' || lpad(g::text, 12, '0'), %(org)s, DATE '2025-01-01' + (g %% %(days)s),
           'Card payment (bench)', 'card_payment', 'bench_payment', 'bench_' || g, 'ch_bench_' || g, '', now()
      FROM generate_series(%(first)s, %(last)s) AS g
    RETURNING id, organization_id
), priced AS (
    SELECT id, organization_id, 1000 + (id %% 9000) AS gross,
           round((1000 + (id %% 9000)) * 0.029)::bigint + 30 AS fee
      FROM entry
)
INSERT INTO ledger_journalline (entry_id, organization_id, account_id, amount_cents, currency)
SELECT p.id, p.organization_id, l.account_id, l.amount, 'usd'
  FROM priced AS p
 CROSS JOIN LATERAL (VALUES (%(balance)s::bigint, p.gross - p.fee), (%(fees)s::bigint, p.fee),
                            (%(revenue)s::bigint, -p.gross)) AS l(account_id, amount)
"""

_state: dict[str, str] = {}


def _organization():
    from identity.models import Organization

    org, _ = Organization.objects.get_or_create(slug=ORG_SLUG, defaults={"name": "Bench ledger"})
    return org


def _generate(org) -> None:
    from django.db import connection, transaction

    from ledger import chart
    from ledger.models import Account, JournalLine

    have = JournalLine.objects.filter(organization=org).count()
    if have >= LINES:
        print(f"ledger bench: {have} journal lines already present", file=sys.stderr)
        return
    accounts = {a.code: a.pk for a in Account.objects.filter(organization=org, currency="usd")}
    ids = {"balance": accounts[chart.STRIPE_BALANCE], "fees": accounts[chart.PROCESSING_FEES],
           "revenue": accounts[chart.SALES_REVENUE]}
    started = time.monotonic()
    done = have // LINES_PER_ENTRY
    for first in range(done + 1, ENTRIES + 1, BATCH):
        bounds = {"org": org.pk, "days": DAYS, "first": first, "last": min(first + BATCH - 1, ENTRIES), **ids}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_BATCH_SQL, bounds)
        print(f"ledger bench: {bounds['last'] * LINES_PER_ENTRY} lines ({time.monotonic() - started:.0f}s)",
              file=sys.stderr)


def _check(org) -> None:
    """The trial balance read from day totals must equal the lines summed directly."""
    from django.db.models import Sum

    from ledger import clock
    from ledger.models import JournalLine
    from ledger.selectors import trial_balance

    tb = trial_balance(org=org, as_of=clock.today())
    debits = JournalLine.objects.filter(organization=org, amount_cents__gt=0).aggregate(s=Sum("amount_cents"))["s"]
    assert tb.balanced, "trial balance does not balance"
    assert sum(r.debits_cents for r in tb.rows) == debits, "day totals disagree with the lines"


def _headers(org) -> dict[str, str]:
    from identity.services import api_key_create
    from oracle_ledger.actors import Actor

    created = api_key_create(name="ledger bench", role="accountant", organization=org,
                             actor=Actor.system(organization=org, name="bench"))
    return {"Authorization": f"Bearer {created.secret}"}


def _auth(ctx: Context) -> dict[str, str]:
    """Generate (once per bench database) and check the data; an accountant's API key."""
    if "auth" not in _state:
        org = _organization()
        _generate(org)
        _check(org)
        _state["auth"] = _headers(org)["Authorization"]
    return {"Authorization": _state["auth"]}


@benchmark("ledger_trial_balance")
def ledger_trial_balance(ctx: Context) -> Load:
    headers = _auth(ctx)
    return Load(make_request=lambda i: Request("GET", f"/api/v1/ledger/trial-balance?asOf=2025-{1 + i % 12:02d}-28",
                                               headers=headers),
                concurrency=8, max_requests=2000, max_seconds=15, unit="trial balances")


@benchmark("ledger_account_balances")
def ledger_account_balances(ctx: Context) -> Load:
    headers = _auth(ctx)
    return Load(make_request=lambda i: Request("GET", f"/api/v1/ledger/accounts?asOf=2025-{1 + i % 12:02d}-15",
                                               headers=headers),
                concurrency=8, max_requests=2000, max_seconds=15, unit="balance sheets")
