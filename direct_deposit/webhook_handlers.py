"""Stripe events about recipients' accounts, transfers and payouts (issue 10), routed by the
webhooks registry into the services the API uses.

`account.updated` re-reads the account from Stripe (and `ordered=True` skips an event older than
one already applied), so the verification columns follow Stripe's latest state. Payout events re-read
the payout from Stripe (events arrive late and out of order) and move the status only forward;
a payout whose own create answer was lost is first finished with the same keys."""

from __future__ import annotations

from typing import Any

from direct_deposit.models import Payout, Recipient
from direct_deposit.services import payout_attempt_run, payout_status_advance, payout_transfer_record, recipient_sync
from oracle_ledger import gateway
from oracle_ledger.actors import Actor
from webhooks.exceptions import EventIgnored
from webhooks.registry import handles


@handles("account.updated", ordered=True)
def account_updated(*, event, obj: dict[str, Any]):
    recipient = Recipient.objects.select_related("organization").filter(stripe_account_id=obj["id"]).first()
    ours = (obj.get("metadata") or {}).get("recipientId")
    if recipient is None and ours:
        recipient = Recipient.objects.select_related("organization").filter(public_id=ours).first()
    if recipient is None:
        raise EventIgnored(f"Account {obj['id']} is not one of our recipients.")
    # Stripe's `created` is in whole seconds: two updates in one second may arrive in either order,
    # so the columns follow the account as Stripe holds it now, never an older payload.
    account = gateway.account_retrieve(obj["id"]).to_dict()
    recipient_sync(recipient=recipient, account=account, actor=Actor.stripe(organization=recipient.organization))
    return recipient.organization


def _payout_for(obj: dict[str, Any], *, id_field: str) -> Payout:
    qs = Payout.objects.select_related("organization", "recipient")
    payout = qs.filter(**{id_field: obj["id"]}).first()
    ours = (obj.get("metadata") or {}).get("payoutId")
    if payout is None and ours:
        payout = qs.filter(public_id=ours).first()
    if payout is None:
        raise EventIgnored(f"{obj.get('object', 'object')} {obj['id']} is not one of our payouts.")
    return payout


@handles("payout.created", "payout.updated", "payout.paid", "payout.failed", "payout.canceled", atomic=False)
def payout_changed(*, event, obj: dict[str, Any]):
    payout = _payout_for(obj, id_field="stripe_payout_id")
    actor = Actor.stripe(organization=payout.organization)
    if payout.attempt in (Payout.Attempt.TRANSFER, Payout.Attempt.PAYOUT):
        payout = payout_attempt_run(payout=payout, actor=actor)  # same keys: records what Stripe did
    current = gateway.payout_retrieve(obj["id"], stripe_account=payout.recipient.stripe_account_id).to_dict()
    payout_status_advance(payout=payout, stripe_payout=current, actor=actor)
    return payout.organization


@handles("transfer.created", atomic=False)
def transfer_created(*, event, obj: dict[str, Any]):
    """Records the transfer of a payout whose create answer was lost (the payout step then
    follows with the sweeper or a resumed run); otherwise already recorded, nothing to do."""
    payout = _payout_for(obj, id_field="stripe_transfer_id")
    if payout.attempt == Payout.Attempt.TRANSFER:
        payout_transfer_record(payout=payout, transfer_id=obj["id"],
                               actor=Actor.stripe(organization=payout.organization))
    return payout.organization
