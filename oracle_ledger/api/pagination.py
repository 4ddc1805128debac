"""The guide's two list styles. Page style (`page`, `limit` default 50 max 100, and
`pagination {page, limit, total, totalPages, hasNext, hasPrevious}`) for customers, ACH and
recipients; cursor style (`limit` default 10, `startingAfter`, `hasMore`) for payments."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet

from oracle_ledger.errors import InvalidRequestError


def query_int(params, name: str, default: int, *, minimum: int = 1, maximum: int | None = None) -> int:
    """A positive integer query parameter; over the maximum is clamped (DESIGN §4), unreadable or
    below the minimum is INVALID_REQUEST naming the parameter."""
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InvalidRequestError(f"`{name}` must be an integer.",
                                  details=[{"field": name, "reason": "Must be an integer", "value": raw}]) from None
    if value < minimum:
        raise InvalidRequestError(f"`{name}` must be at least {minimum}.",
                                  details=[{"field": name, "reason": f"Must be at least {minimum}", "value": raw}])
    return min(value, maximum) if maximum else value


def page_paginate(params, queryset: QuerySet | Sequence, *, key: str, serialize: Callable[[Any], Any],
                  default_limit: int = 50, max_limit: int = 100) -> dict[str, Any]:
    page = query_int(params, "page", 1)
    limit = query_int(params, "limit", default_limit, maximum=max_limit)
    total = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
    total_pages = max(1, math.ceil(total / limit)) if total else 0
    offset = (page - 1) * limit
    rows = list(queryset[offset:offset + limit])
    return {
        key: [serialize(row) for row in rows],
        "pagination": {
            "page": page,
            "limit": limit,
            "total": total,
            "totalPages": total_pages,
            "hasNext": page < total_pages,
            "hasPrevious": page > 1,
        },
    }
