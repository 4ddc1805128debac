"""Query filters of `GET /api/v1/audit-logs` and its CSV export (django-filter).

`from` / `to` take a date (`2026-01-31`), an ISO 8601 time or a Unix timestamp; a date `to`
covers that whole day. A value that cannot be read is INVALID_REQUEST naming the parameter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet

from audit.models import AuditEntry
from oracle_ledger.errors import InvalidRequestError

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_UNIX = re.compile(r"-?\d{1,12}(\.\d+)?")


def parse_moment(raw: str, *, end_of_day: bool = False) -> datetime:
    """A date (start of day, or the start of the next day with `end_of_day`), an ISO time (naive
    means UTC) or Unix seconds, as an aware UTC datetime. ValueError when unreadable."""
    raw = raw.strip()
    if _DATE.fullmatch(raw):
        day = date.fromisoformat(raw) + timedelta(days=1 if end_of_day else 0)
        return datetime.combine(day, time.min, tzinfo=UTC)
    if _UNIX.fullmatch(raw):
        return datetime.fromtimestamp(float(raw), tz=UTC)
    moment = datetime.fromisoformat(raw.replace("z", "Z"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class Bound:
    moment: datetime
    inclusive: bool  # False for a date `to`, which was moved to the start of the next day


class MomentField(forms.CharField):
    def __init__(self, *args, end_of_day: bool = False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(*args, **kwargs)

    def clean(self, value) -> Bound | None:
        value = (super().clean(value) or "").strip()
        if not value:
            return None
        try:
            moment = parse_moment(value, end_of_day=self.end_of_day)
        except (ValueError, OverflowError, OSError):
            raise forms.ValidationError("Must be a date (YYYY-MM-DD), an ISO 8601 time or a Unix timestamp.") \
                from None
        return Bound(moment, inclusive=not (self.end_of_day and _DATE.fullmatch(value)))


class MomentFilter(filters.Filter):
    """`timestamp` from (inclusive) or to (inclusive for a time, the whole day for a date)."""

    field_class = MomentField

    def filter(self, qs: QuerySet, value: Bound | None) -> QuerySet:
        if value is None:
            return qs
        if not self.extra.get("end_of_day"):
            return qs.filter(timestamp__gte=value.moment)
        return qs.filter(**{"timestamp__lte" if value.inclusive else "timestamp__lt": value.moment})


class AuditEntryFilter(filters.FilterSet):
    actor = filters.CharFilter(method="filter_actor")
    action = filters.CharFilter(field_name="action")
    objectType = filters.CharFilter(field_name="object_type")  # noqa: N815 - the query parameter's name
    objectId = filters.CharFilter(field_name="object_id")  # noqa: N815
    outcome = filters.ChoiceFilter(field_name="outcome", choices=AuditEntry.Outcome.choices)

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    def filter_actor(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # An actor is named by its public id (usr_…, key_…, "system") or a user's email.
        return queryset.filter(Q(actor_id=value) | Q(actor_email=value.strip().lower()))


# `from` is a Python keyword, so the two range parameters are declared here rather than as class
# attributes; FilterSet copies `base_filters` per instance, so the form gets both fields.
AuditEntryFilter.base_filters["from"] = MomentFilter(field_name="timestamp")
AuditEntryFilter.base_filters["to"] = MomentFilter(field_name="timestamp", end_of_day=True)


def audit_entry_filter(params, queryset: QuerySet) -> QuerySet:
    """`queryset` narrowed by the query parameters; INVALID_REQUEST naming each unusable one."""
    filterset = AuditEntryFilter(params, queryset=queryset)
    if not filterset.is_valid():
        details = [{"field": name, "reason": " ".join(errors), "value": params.get(name)}
                   for name, errors in filterset.errors.items()]
        names = ", ".join(f"`{d['field']}`" for d in details)
        raise InvalidRequestError(f"Invalid query parameter {names}.", details=details)
    start, end = filterset.form.cleaned_data.get("from"), filterset.form.cleaned_data.get("to")
    if start and end and (start.moment > end.moment or (start.moment == end.moment and not end.inclusive)):
        raise InvalidRequestError("`from` must not be after `to`.",
                                  details=[{"field": "from", "reason": "Must not be after `to`",
                                            "value": params.get("from")}])
    return filterset.qs


def requested_dates(params) -> tuple[date | None, date | None]:
    """The calendar dates a (valid) `from`/`to` names, for labelling an export."""
    start, end = (params.get(name, "").strip() for name in ("from", "to"))
    return (parse_moment(start).date() if start else None, parse_moment(end).date() if end else None)


FILTER_PARAMETERS = ("actor", "action", "objectType", "objectId", "from", "to", "outcome")
