"""The one posting service: a balanced journal entry, exactly once per (source object, kind)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date as Date

from django.db import connection, transaction

from identity.models import Organization
from ledger import clock
from ledger.chart import CHART, DEFAULT_CURRENCY
from ledger.exceptions import InvalidEntryError, UnbalancedEntryError, UnknownAccountError
from ledger.models import Account, EntryKind, JournalEntry, JournalLine
from oracle_ledger.actors import Actor
from oracle_ledger.api.context import current_request_id

_CURRENCY = re.compile(r"^[a-z]{3}$")


@dataclass(frozen=True)
class Line:
    account_code: str
    amount_cents: int  # debit positive, credit negative


def chart_of_accounts_ensure(*, organization: Organization, currency: str = DEFAULT_CURRENCY) -> None:
    """Create whatever is missing of the organisation's chart in `currency`. Safe to race: the
    unique (organization, code, currency) makes a concurrent second insert a no-op."""
    Account.objects.bulk_create(
        [Account(organization=organization, code=a.code, name=a.name, type=a.type,
                 normal_balance=a.normal_balance, currency=currency) for a in CHART],
        ignore_conflicts=True)


def journal_entry_post(*, organization: Organization, kind: str, source_type: str, source_id: str,
                       description: str, lines: Sequence[Line | tuple[str, int]],
                       currency: str = DEFAULT_CURRENCY, date: Date | None = None, stripe_reference: str = "",
                       reverses: JournalEntry | None = None, actor: Actor | None = None) -> JournalEntry:
    """Post one balanced entry for (source, kind), or return the entry already posted for it.

    Runs inside the caller's transaction (a savepoint of it), so the entry commits or rolls back
    with the state change that caused it. A concurrent call for the same (source, kind) waits on
    the unique index and then returns the winner's entry. The database re-checks the balance at
    commit (migration 0002)."""
    parsed = _lines_validated(lines, currency=currency, kind=kind, source_type=source_type, source_id=source_id)
    with transaction.atomic():
        accounts = _accounts_by_code(organization=organization, codes={code for code, _ in parsed}, currency=currency)
        entry, _ = _entry_insert_once(
            organization=organization, kind=kind, source_type=source_type, source_id=source_id,
            description=description, date=date or clock.today(), stripe_reference=stripe_reference,
            reverses=reverses, actor=actor,
            lines=[(accounts[code], amount) for code, amount in parsed])
    return entry


def journal_entry_reverse(*, entry: JournalEntry, reason: str, kind: str = EntryKind.REVERSAL,
                          date: Date | None = None, stripe_reference: str | None = None,
                          actor: Actor | None = None) -> JournalEntry:
    """Post the mirror image of `entry` (every line negated), linked by `reverses`. Exactly once per
    (entry, kind): the source of a reversal is the entry it reverses. A new reversal is audited
    (a correction is a decision someone made)."""
    from audit.services import audit_record

    with transaction.atomic():
        originals = list(entry.lines.select_related("account").order_by("id"))
        reversal, created = _entry_insert_once(
            organization=entry.organization, kind=kind, source_type="journal_entry", source_id=entry.public_id,
            description=f"Reversal of {entry.public_id}: {reason}"[:500], date=date or clock.today(),
            stripe_reference=entry.stripe_reference if stripe_reference is None else stripe_reference,
            reverses=entry, actor=actor,
            lines=[(line.account, -line.amount_cents) for line in originals])
        if created:
            audit_record(actor=actor, action="ledger.entry_reversed", target_type="journal_entry",
                         target_id=reversal.public_id, organization=entry.organization,
                         metadata={"reverses": entry.public_id, "kind": kind, "reason": reason})
    return reversal


def _lines_validated(lines: Iterable[Line | tuple[str, int]], *, currency: str, **source) -> list[tuple[str, int]]:
    parsed = [(line.account_code, line.amount_cents) if isinstance(line, Line) else tuple(line) for line in lines]
    if not _CURRENCY.match(currency or ""):
        raise InvalidEntryError("Currency must be a lowercase ISO 4217 code.",
                                details=[{"field": "currency", "reason": "Must be 3 lowercase letters", "value": currency}])
    for field in ("kind", "source_type", "source_id"):
        if not source[field]:
            raise InvalidEntryError(f"`{field}` is required.", details=[{"field": field, "reason": "Required", "value": ""}])
    if len(parsed) < 2:
        raise InvalidEntryError("A journal entry needs at least two lines.",
                                details=[{"field": "lines", "reason": "At least two lines", "value": len(parsed)}])
    for code, amount in parsed:
        if type(amount) is not int or amount == 0:
            raise InvalidEntryError("Line amounts are non-zero integers of cents.",
                                    details=[{"field": "lines", "reason": "Non-zero integer cents", "value": f"{code}: {amount!r}"}])
    total = sum(amount for _, amount in parsed)
    if total != 0:
        raise UnbalancedEntryError(
            details=[{"field": "lines", "reason": f"Lines sum to {total} {currency}, not 0", "value": total}])
    return parsed


def _accounts_by_code(*, organization: Organization, codes: set[str], currency: str) -> dict[str, Account]:
    def load() -> dict[str, Account]:
        return {a.code: a for a in Account.objects.filter(organization=organization, currency=currency, code__in=codes)}

    accounts = load()
    if len(accounts) < len(codes):
        # An organisation's first posting in a new currency gets the chart in that currency.
        chart_of_accounts_ensure(organization=organization, currency=currency)
        accounts = load()
    missing = sorted(codes - accounts.keys())
    if missing:
        raise UnknownAccountError(details=[{"field": "lines", "reason": "Unknown account code", "value": code}
                                           for code in missing])
    return accounts


_INSERT_ONCE = """
INSERT INTO ledger_journalentry (public_id, organization_id, date, description, kind, source_type, source_id,
                                 stripe_reference, request_id, reverses_id, created_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())
ON CONFLICT (organization_id, source_type, source_id, kind) DO NOTHING
RETURNING id, created_at
"""


def _entry_insert_once(*, organization: Organization, kind: str, source_type: str, source_id: str, description: str,
                       date: Date, stripe_reference: str, reverses: JournalEntry | None, actor: Actor | None,
                       lines: list[tuple[Account, int]]) -> tuple[JournalEntry, bool]:
    """INSERT … ON CONFLICT DO NOTHING: a racing second caller blocks on the unique index until
    the first commits, then inserts nothing and reads the first's entry (or, if the first rolled
    back, inserts its own). No savepoint, no IntegrityError to tell apart from other failures."""
    entry = JournalEntry(organization=organization, date=date, description=description, kind=kind,
                         source_type=source_type, source_id=source_id, stripe_reference=stripe_reference,
                         request_id=_request_id(actor), reverses=reverses)
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_ONCE, [entry.public_id, organization.pk, date, description, kind, source_type,
                                      source_id, stripe_reference, entry.request_id, reverses.pk if reverses else None])
        row = cursor.fetchone()
    if row is None:
        existing = JournalEntry.objects.get(organization=organization, source_type=source_type, source_id=source_id,
                                            kind=kind)
        return existing, False
    entry.pk, entry.created_at = row
    entry._state.adding = False
    JournalLine.objects.bulk_create([
        JournalLine(entry=entry, organization=organization, account=account, amount_cents=amount,
                    currency=account.currency) for account, amount in lines])
    return entry, True


def _request_id(actor: Actor | None) -> str:
    return (actor.request_id if actor and actor.request_id else current_request_id()) or ""
