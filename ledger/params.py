"""Reading the ledger endpoints' query parameters. An unreadable value is INVALID_REQUEST naming
the parameter (DESIGN §4); a readable but impossible range is VALIDATION_ERROR."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date as Date

from ledger import clock
from ledger.chart import DEFAULT_CURRENCY
from ledger.models import EntryKind
from oracle_ledger.errors import InvalidRequestError, ValidationFailedError

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CURRENCY = re.compile(r"^[a-z]{3}$")


def _bad(name: str, reason: str, value) -> InvalidRequestError:
    return InvalidRequestError(f"`{name}` {reason.lower()}.", details=[{"field": name, "reason": reason, "value": value}])


def date_param(params: Mapping[str, str], name: str, default: Date | None = None) -> Date | None:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        if not _DATE.match(raw):
            raise ValueError
        return Date.fromisoformat(raw)
    except ValueError:
        raise _bad(name, "Must be a date YYYY-MM-DD", raw) from None


def as_of_param(params: Mapping[str, str]) -> Date:
    return date_param(params, "asOf") or clock.today()


def currency_param(params: Mapping[str, str]) -> str:
    raw = params.get("currency") or DEFAULT_CURRENCY
    if not _CURRENCY.match(raw):
        raise _bad("currency", "Must be a lowercase ISO 4217 code", raw)
    return raw


def date_range(params: Mapping[str, str], *, required: bool = False) -> tuple[Date | None, Date | None]:
    start, end = date_param(params, "from"), date_param(params, "to")
    if required:
        missing = [name for name, value in (("from", start), ("to", end)) if value is None]
        if missing:
            raise ValidationFailedError("`from` and `to` are required.", details=[
                {"field": name, "reason": "Required", "value": None} for name in missing])
    if start and end and start > end:
        raise ValidationFailedError("`from` must not be after `to`.", details=[
            {"field": "from", "reason": "Must not be after `to`", "value": start.isoformat()}])
    return start, end


def entry_filters(params: Mapping[str, str]) -> dict:
    kind = params.get("kind") or None
    if kind and kind not in EntryKind.values:
        raise _bad("kind", f"Must be one of: {', '.join(EntryKind.values)}", kind)
    start, end = date_range(params)
    return {"account": params.get("account") or None, "kind": kind, "source_type": params.get("sourceType"),
            "source_id": params.get("sourceId"), "stripe_reference": params.get("stripeReference"),
            "date_from": start, "date_to": end}
