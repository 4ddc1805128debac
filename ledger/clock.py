"""The ledger's "today" (DESIGN §9: one clock for the whole system). Real time for now; the
sandbox clock plugs in here so ledger dates and reconciliation periods follow it."""

from __future__ import annotations

from datetime import date

from django.utils import timezone


def today() -> date:
    return timezone.localdate()
