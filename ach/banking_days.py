"""Banking days: Monday to Friday except the Federal Reserve's holidays (DESIGN §8).

The holidays come from the maintained `holidays` library's Federal Reserve calendar (`XFED`), not
a hand-written list and not the NYSE's: the Fed observes Veterans Day and Columbus Day, which the
stock exchange does not, and does not observe a Saturday holiday on the Friday before."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

# Stripe: an ACH Direct Debit takes up to four business days to succeed or fail.
SETTLEMENT_BANKING_DAYS = 4


@lru_cache(maxsize=64)
def _fed_holidays(year: int) -> holidays.HolidayBase:
    return holidays.financial_holidays("XFED", years=year)


def holiday_name(day: dt.date) -> str | None:
    return _fed_holidays(day.year).get(day)


def is_banking_day(day: dt.date) -> bool:
    return day.weekday() < 5 and holiday_name(day) is None


def next_banking_day(day: dt.date) -> dt.date:
    """`day` itself when it is a banking day, else the first banking day after it."""
    while not is_banking_day(day):
        day += dt.timedelta(days=1)
    return day


def add_banking_days(day: dt.date, count: int) -> dt.date:
    while count > 0:
        day += dt.timedelta(days=1)
        if is_banking_day(day):
            count -= 1
    return day


def estimated_settlement(scheduled: dt.date) -> dt.date:
    return add_banking_days(scheduled, SETTLEMENT_BANKING_DAYS)
