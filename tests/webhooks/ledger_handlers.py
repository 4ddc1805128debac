"""Handlers that post to the ledger, standing in for issue 7's payments handlers (not landed yet)
so that "posted exactly once" is checked against the real posting service.

Imported by the test worker processes through WEBHOOK_HANDLER_MODULES (test_worker_kill.py):
`test.blocking_payment` posts, then blocks while the file named by WEBHOOK_TEST_BLOCK_FILE
exists, so a test can kill the worker in the middle of the handler's transaction."""

from __future__ import annotations

import os
import time
from pathlib import Path

from identity.models import Organization
from ledger.models import JournalEntry
from ledger.services import card_payment_post
from webhooks.registry import handles


def post_payment(*, event, obj):
    """What a payment_intent.succeeded handler does: one card-payment entry per intent."""
    org = Organization.objects.get(public_id=obj["metadata"]["organization"])
    card_payment_post(organization=org, source_type="payment_intent", source_id=obj["id"],
                      amount_cents=obj["amount"], fee_cents=round(obj["amount"] * 0.029) + 30, currency="usd",
                      stripe_reference=obj["latest_charge"])
    return org


def entries_for(intent_id: str) -> int:
    return JournalEntry.objects.filter(source_type="payment_intent", source_id=intent_id).count()


def intent(org, intent_id: str = "pi_test_1", amount: int = 2599) -> dict:
    return {"id": intent_id, "object": "payment_intent", "amount": amount, "currency": "usd",
            "status": "succeeded", "latest_charge": f"ch_{intent_id}", "metadata": {"organization": org.public_id}}


@handles("test.blocking_payment")
def blocking_payment(*, event, obj):
    org = post_payment(event=event, obj=obj)
    Path(os.environ["WEBHOOK_TEST_STARTED_FILE"]).write_text(str(os.getpid()))
    block, deadline = Path(os.environ["WEBHOOK_TEST_BLOCK_FILE"]), time.monotonic() + 60
    while block.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return org
