"""Which organisation a Stripe balance transaction belongs to. One Stripe account serves every
organisation (DESIGN §5: no organisation may see another's records), so before reconciling, each
transaction is attributed by, in order:

1. the ledger: an organisation's journal entry whose `stripe_reference` is the transaction's source
   (whoever books an object owns it, also when another organisation's metadata would say otherwise);
2. the source's metadata `organization` (our public id), trusted only on object types where our
   code writes that key after the caller's own metadata (charges copy it from the PaymentIntent:
   card payments and ACH debits; transfers and payouts of direct deposits, whose payout fee Stripe
   bills to the platform);
3. for a refund or a transfer reversal, its parent charge or transfer by rules 1 and 2 (a refund's
   own metadata carries caller-supplied keys, so it is never trusted). A parent outside the read
   window is retrieved once, so the calls are bounded by the distinct parents left unattributed.

Anything else is unattributable: shown to no organisation, only to the platform-level run."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from identity.models import Organization
from ledger.models import JournalEntry
from oracle_ledger import gateway

ORGANIZATION_KEY = "organization"
TRUSTED_METADATA = frozenset({"charge", "transfer", "payout"})
PARENTS = {"refund": ("charge", "charge_retrieve"), "transfer_reversal": ("transfer", "transfer_retrieve")}


@dataclass(frozen=True)
class StripeTxn:
    reference: str
    day: dt.date
    amount_cents: int
    fee_cents: int
    currency: str
    source: dict[str, Any] | None  # the expanded source object (None when Stripe names none)


def stripe_owners(window: Iterable[StripeTxn], refs: set[str]) -> dict[str, frozenset[int]]:
    """The organisation pks each reference in `refs` belongs to (empty: unattributable)."""
    sources = {t.reference: t.source for t in window if t.source}
    parents = {ref: _parent_id(sources.get(ref)) for ref in refs}
    booked = _booked_by(refs | {p for p in parents.values() if p})
    metadata_orgs = _MetadataOrgs(sources)
    owners = {}
    for ref in refs:
        owners[ref] = booked.get(ref) or metadata_orgs.of(sources.get(ref))
        parent = parents[ref]
        if not owners[ref] and parent:
            owners[ref] = booked.get(parent) or metadata_orgs.of_parent(sources[ref], parent)
    return owners


def _parent_id(source: dict[str, Any] | None) -> str | None:
    if not source or source.get("object") not in PARENTS:
        return None
    parent = source.get(PARENTS[source["object"]][0])
    return parent if isinstance(parent, str) else (parent or {}).get("id")


def _booked_by(refs: set[str]) -> dict[str, frozenset[int]]:
    named: dict[str, set[int]] = defaultdict(set)
    for org_id, ref in JournalEntry.objects.filter(stripe_reference__in=refs).values_list(
            "organization_id", "stripe_reference").distinct():
        named[ref].add(org_id)
    return {ref: frozenset(orgs) for ref, orgs in named.items()}


class _MetadataOrgs:
    """Organisation pks from trusted metadata; parents not in the window are retrieved once each."""

    def __init__(self, sources: dict[str, dict[str, Any]]):
        self._by_id = {s.get("id"): s for s in sources.values()}
        self._pks: dict[str, int] = {}

    def of(self, source: dict[str, Any] | None) -> frozenset[int]:
        if not source or source.get("object") not in TRUSTED_METADATA:
            return frozenset()
        public_id = (source.get("metadata") or {}).get(ORGANIZATION_KEY)
        if not public_id:
            return frozenset()
        if public_id not in self._pks:
            self._pks[public_id] = Organization.objects.filter(public_id=public_id).values_list(
                "pk", flat=True).first()
        pk = self._pks[public_id]
        return frozenset() if pk is None else frozenset({pk})

    def of_parent(self, source: dict[str, Any], parent_id: str) -> frozenset[int]:
        if parent_id not in self._by_id:
            retrieve = getattr(gateway, PARENTS[source["object"]][1])
            self._by_id[parent_id] = retrieve(parent_id).to_dict()
        return self.of(self._by_id[parent_id])
