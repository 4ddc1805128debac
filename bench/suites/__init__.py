"""Every module here registers its benchmarks on import; add yours to the list."""

import bench.suites.customers  # noqa: F401  (issue 6: customer create, search over a million)
import bench.suites.direct_deposit  # noqa: F401  (issue 10: a payroll run of 10,000 payouts, payouts/s)
import bench.suites.ledger  # noqa: F401  (issue 5: trial balance, account balances)
import bench.suites.payments  # noqa: F401  (issue 7: card payment create, list over a million)
from bench.suites import platform  # noqa: F401
from bench.suites import webhooks  # noqa: F401  (issue 8: signed events acknowledged per second)
