"""The ledger's "today" (DESIGN §9: one clock for the whole system): the sandbox clock in sandbox
mode, so ledger dates and reconciliation periods follow `stripe_sandbox advance`; real time (UTC,
as Stripe's `created`) in live mode."""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone


def today() -> dt.date:
    if settings.STRIPE_SANDBOX:
        return dt.datetime.fromtimestamp(_sandbox_now(), tz=dt.UTC).date()
    return timezone.localdate()


def _sandbox_now() -> int:
    """stripe_sandbox.clock.now(), read on the caller's own connection: the clock row is in the same
    database, and a posting (or its test) should not open the sandbox's separate connection."""
    from stripe_sandbox.models import SandboxClock

    row = SandboxClock.objects.using(DEFAULT_DB_ALIAS).filter(pk=1).first()
    if row is None:
        return int(time.time())
    return row.frozen_at if row.frozen_at is not None else int(time.time()) + row.offset_seconds
