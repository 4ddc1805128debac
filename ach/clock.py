"""ACH's "today" and "now" are the ledger's (DESIGN §9, one clock): the sandbox clock in sandbox
mode, real time in live mode. Scheduling, submission and settlement dates all read it here."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from ledger import clock as ledger_clock


def today() -> dt.date:
    return ledger_clock.today()


def now() -> dt.datetime:
    if settings.STRIPE_SANDBOX:
        return dt.datetime.fromtimestamp(ledger_clock._sandbox_now(), tz=dt.UTC)
    return timezone.now()
