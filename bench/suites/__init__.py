"""Every module here registers its benchmarks on import; add yours to the list."""

from bench.suites import (  # noqa: F401
    customers,  # issue 6: customer create, search over a million
    direct_deposit,  # issue 10: a payroll run of 10,000 payouts, payouts/s
    ledger,  # issue 5: trial balance, account balances over a million lines
    payments,  # issue 7: card payment create, list over a million
    platform,  # issue 2: readiness (PostgreSQL, Redis, broker)
    webhooks,  # issue 8: signed events acknowledged per second
)
