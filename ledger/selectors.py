"""Every shared read of the ledger, scoped to one organisation. Balances read the per-day
account totals (one row per account, day and slot), never the lines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date as Date
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from identity.models import Organization
from ledger.chart import DEFAULT_CURRENCY
from ledger.models import Account, JournalEntry, JournalLine
from oracle_ledger.errors import ResourceNotFoundError


@dataclass(frozen=True)
class AccountBalance:
    account: Account
    debits_cents: int
    credits_cents: int

    @property
    def balance_cents(self) -> int:
        """Debits minus credits: the journal's sign convention (an asset is positive, revenue negative)."""
        return self.debits_cents - self.credits_cents


@dataclass(frozen=True)
class TrialBalance:
    as_of: Date
    currency: str
    rows: list[AccountBalance]

    @property
    def total_debits_cents(self) -> int:
        return sum(max(row.balance_cents, 0) for row in self.rows)

    @property
    def total_credits_cents(self) -> int:
        return sum(max(-row.balance_cents, 0) for row in self.rows)

    @property
    def balanced(self) -> bool:
        return self.total_debits_cents == self.total_credits_cents


def account_balances(*, org: Organization, as_of: Date, currency: str = DEFAULT_CURRENCY) -> list[AccountBalance]:
    """Every account of the organisation's chart in `currency` with its totals up to and including
    `as_of`. One query."""
    upto = Q(day_totals__date__lte=as_of)
    accounts = (Account.objects.filter(organization=org, currency=currency)
                .annotate(debits=Coalesce(Sum("day_totals__debit_cents", filter=upto), 0),
                          credits=Coalesce(Sum("day_totals__credit_cents", filter=upto), 0))
                .order_by("code"))
    return [AccountBalance(account=a, debits_cents=a.debits, credits_cents=a.credits) for a in accounts]


def trial_balance(*, org: Organization, as_of: Date, currency: str = DEFAULT_CURRENCY) -> TrialBalance:
    return TrialBalance(as_of=as_of, currency=currency,
                        rows=account_balances(org=org, as_of=as_of, currency=currency))


def journal_entry_list(*, org: Organization, filters: Mapping[str, Any] | None = None) -> QuerySet[JournalEntry]:
    """Entries newest first, lines (with their accounts) prefetched in one more query. Filters:
    account (code), kind, source_type, source_id, stripe_reference, date_from, date_to."""
    filters = filters or {}
    qs = JournalEntry.objects.filter(organization=org)
    for name, lookup in (("kind", "kind"), ("source_type", "source_type"), ("source_id", "source_id"),
                         ("stripe_reference", "stripe_reference"), ("date_from", "date__gte"), ("date_to", "date__lte")):
        if filters.get(name) not in (None, ""):
            qs = qs.filter(**{lookup: filters[name]})
    if filters.get("account"):
        qs = qs.filter(Exists(JournalLine.objects.filter(entry=OuterRef("pk"), account__code=filters["account"])))
    return journal_entries_with_lines(qs)


def journal_entries_with_lines(qs: QuerySet[JournalEntry]) -> QuerySet[JournalEntry]:
    """Newest first, with the reversed entry joined and lines (with accounts) prefetched."""
    lines = JournalLine.objects.select_related("account").order_by("id")
    return (qs.select_related("reverses").prefetch_related(Prefetch("lines", queryset=lines))
            .order_by("-date", "-id"))


def journal_entry_get(*, org: Organization, public_id: str) -> JournalEntry:
    entry = journal_entry_list(org=org).filter(public_id=public_id).first()
    if entry is None:
        raise ResourceNotFoundError(f"Journal entry {public_id} not found.",
                                    details=[{"field": "id", "reason": "Not found", "value": public_id}])
    return entry
