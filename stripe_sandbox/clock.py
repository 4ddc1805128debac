"""Sandbox time: real time plus a stored offset (DESIGN §9 "one clock"). Every `created`, due date
and settlement date in the sandbox comes from here. Engineer B's `advance` moves the offset."""

from __future__ import annotations

import datetime as dt
import time

from stripe_sandbox.models import SandboxClock


def clock_row(*, for_update: bool = False) -> SandboxClock:
    """The single clock row, created on first use (lock it to move time)."""
    SandboxClock.objects.get_or_create(pk=1)
    qs = SandboxClock.objects.select_for_update() if for_update else SandboxClock.objects
    return qs.get(pk=1)


def now() -> int:
    """Unix seconds in sandbox time."""
    row = SandboxClock.objects.filter(pk=1).first()
    if row is None:
        return int(time.time())
    if row.frozen_at is not None:
        return row.frozen_at
    return int(time.time()) + row.offset_seconds


def today() -> dt.date:
    return dt.datetime.fromtimestamp(now(), tz=dt.UTC).date()


def offset_seconds() -> int:
    row = SandboxClock.objects.filter(pk=1).first()
    return row.offset_seconds if row else 0


def add_business_days(start: dt.date, days: int) -> dt.date:
    """Weekdays only (Stripe's ACH settlement counts business days)."""
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def timestamp(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())
