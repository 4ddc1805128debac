"""Which function handles which Stripe event type. The owning app registers its own handlers in
its `webhook_handlers.py` (discovered at startup), so routing lives beside the services it calls:

    from webhooks.registry import handles

    @handles("payment_intent.succeeded", ordered=True)
    def payment_intent_succeeded(*, event, obj):
        ...                          # call the payments service; return the organisation or None

A handler takes the stored `WebhookEvent` and `obj` (the event's `data.object` as a dict) and
returns the `Organization` the event belongs to (or None). It must be idempotent: replays and
redeliveries run it again. Raise `webhooks.exceptions.EventIgnored` to record the event as
`ignored` with a reason (e.g. an object that is not ours)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.module_loading import autodiscover_modules

Handler = Callable[..., Any]


@dataclass(frozen=True)
class Registration:
    type: str
    fn: Handler
    # True: the handler and the "processed" mark commit in one transaction (the usual case).
    # False: the handler runs its own transactions (services with `durable=True` blocks or Stripe
    # calls between writes); it must then be safe to run twice, which every handler must anyway.
    atomic: bool = True
    # True: an event older than one already applied to the same Stripe object is skipped.
    ordered: bool = False


HANDLERS: dict[str, Registration] = {}

# Types issue 8 names whose owning app has not registered a handler yet: stored as `ignored` with
# this note, to be replayed (`replay_webhooks --status ignored --type …`) once the owner lands.
AWAITING_OWNER = {
    **dict.fromkeys(["payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.processing",
                     "payment_intent.canceled", "charge.succeeded", "charge.failed", "charge.refunded",
                     "refund.created", "refund.updated", "charge.dispute.created"], "payments / ACH (issues 7, 9)"),
    **dict.fromkeys(["payout.created", "payout.updated", "payout.paid", "payout.failed", "payout.canceled",
                     "transfer.created", "account.updated"], "direct deposit (issue 10)"),
}


def handles(*types: str, atomic: bool = True, ordered: bool = False) -> Callable[[Handler], Handler]:
    if ordered and not atomic:
        raise ValueError("ordered=True needs atomic=True: the object's cursor moves in the handler's transaction")

    def register(fn: Handler) -> Handler:
        for type_ in types:
            existing = HANDLERS.get(type_)
            if existing is not None and existing.fn is not fn:
                raise ValueError(f"{type_} is already handled by {existing.fn.__module__}.{existing.fn.__name__}")
            HANDLERS[type_] = Registration(type=type_, fn=fn, atomic=atomic, ordered=ordered)
        return fn
    return register


def registration_for(type_: str) -> Registration | None:
    return HANDLERS.get(type_)


def unhandled_note(type_: str) -> str:
    owner = AWAITING_OWNER.get(type_)
    if owner:
        return f"No handler for {type_} yet (owned by {owner}); replay it once that app registers one."
    return f"No handler for {type_}."


def discover() -> None:
    """Import every installed app's `webhook_handlers` module, then the extra modules named in
    settings.WEBHOOK_HANDLER_MODULES (plug-ins; the worker-kill test uses it)."""
    autodiscover_modules("webhook_handlers")
    for module in getattr(settings, "WEBHOOK_HANDLER_MODULES", []):
        importlib.import_module(module)
