"""Payouts of the PLATFORM's own Stripe balance to our operating bank (DESIGN §7 "Stripe payout to
the bank"), routed by the webhooks registry. Direct deposit handles the same `payout.*` types for
its employees' connected accounts; both register `shared=True` and each ignores the other's
payouts: an event with an `account` is a connected account's, never ours here.

The platform's balance belongs to no one organisation, while every journal entry needs one, so
the books that hold it are named by `settings.PLATFORM_LEDGER_ORGANIZATION` (a slug). Unset or
unknown: the event is recorded as ignored with that reason, to be replayed once it is set
(`replay_webhooks --status ignored --type payout.paid`).

Stripe debits the balance when the payout is created and credits it back (`payout_failure`) if
the payout fails, even after `paid`. So `payout.paid` posts BANK_PAYOUT once per `po_…`, and
`payout.failed` makes sure that entry exists and posts its reversal once: a failure delivered
before (or without) `paid` still nets to zero like Stripe's two transactions, and a `paid`
delivered after it finds the entry already posted. A canceled payout was never paid (only a
pending one can be canceled), so nothing was posted and nothing is handled."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from identity.models import Organization
from ledger.models import JournalEntry
from ledger.services import bank_payout_failure_post, bank_payout_post
from oracle_ledger.actors import Actor
from webhooks.exceptions import EventIgnored
from webhooks.registry import handles

SOURCE_TYPE = "stripe_payout"


def _platform_books(*, event, obj: dict[str, Any]) -> Organization:
    if event is None:  # called without the stored event (direct calls): whose payout it is is unknown
        raise EventIgnored(f"Payout {obj['id']}: no event to tell the platform's payouts from a connected account's.")
    if event.account:
        raise EventIgnored(f"Payout {obj['id']} is on connected account {event.account}, not the platform's "
                           "balance: no bank payout to book.")
    slug = getattr(settings, "PLATFORM_LEDGER_ORGANIZATION", "")
    organization = Organization.objects.filter(slug=slug).first() if slug else None
    if organization is None:
        raise EventIgnored(f"Platform payout {obj['id']} not booked: PLATFORM_LEDGER_ORGANIZATION "
                           f"({slug or 'unset'}) names no organisation; set it, then replay this event.")
    return organization


def _payout_entry(*, organization: Organization, obj: dict[str, Any], actor: Actor) -> JournalEntry:
    # Standard payouts carry no fee on the payout's balance transaction.
    return bank_payout_post(organization=organization, source_type=SOURCE_TYPE, source_id=obj["id"],
                            amount_cents=obj["amount"], currency=obj["currency"], stripe_reference=obj["id"],
                            actor=actor)


@handles("payout.paid", shared=True)
def platform_payout_paid(*, event, obj: dict[str, Any]):
    organization = _platform_books(event=event, obj=obj)
    _payout_entry(organization=organization, obj=obj, actor=Actor.stripe(organization=organization))
    return organization


@handles("payout.failed", shared=True)
def platform_payout_failed(*, event, obj: dict[str, Any]):
    organization = _platform_books(event=event, obj=obj)
    actor = Actor.stripe(organization=organization)
    entry = _payout_entry(organization=organization, obj=obj, actor=actor)
    reason = obj.get("failure_message") or obj.get("failure_code") or "payout failed"
    bank_payout_failure_post(payout_entry=entry, reason=f"Payout {obj['id']} failed: {reason}", actor=actor)
    return organization
