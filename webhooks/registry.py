"""Which function handles which Stripe event type. The owning app registers its own handlers in
its `webhook_handlers.py` (discovered at startup), so routing lives beside the services it calls:

    from webhooks.registry import handles

    @handles("payment_intent.succeeded", ordered=True)
    def payment_intent_succeeded(*, event, obj):
        ...                          # call the payments service; return the organisation or None

A handler takes the stored `WebhookEvent` and `obj` (the event's `data.object` as a dict) and
returns the `Organization` the event belongs to (or None). It must be idempotent: replays and
redeliveries run it again. Raise `webhooks.exceptions.EventIgnored` to record the event as
`ignored` with a reason (e.g. an object that is not ours).

Several apps may handle one type when each registration says `shared=True` or the type's other
handler is exclusive: Stripe sends `payment_intent.*` / `charge.*` for card payments (payments) and
ACH debits (ach) alike. The handlers then run in registration order until one does not raise
`EventIgnored` (each ignores objects it does not own); the event is `ignored` only when all did."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from webhooks.exceptions import EventIgnored

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
    shared: bool = False
    members: tuple[Registration, ...] = ()  # the handlers of a shared type, in the order they run


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


def handles(*types: str, atomic: bool = True, ordered: bool = False,
            shared: bool = False) -> Callable[[Handler], Handler]:
    """`shared=True`: this handler may sit beside another app's for the same type (see the module
    docstring); it must raise EventIgnored for objects that are not its own."""
    if ordered and not atomic:
        raise ValueError("ordered=True needs atomic=True: the object's cursor moves in the handler's transaction")

    def register(fn: Handler) -> Handler:
        for type_ in types:
            new = Registration(type=type_, fn=fn, atomic=atomic, ordered=ordered, shared=shared)
            existing = HANDLERS.get(type_)
            if existing is None or existing.fn is fn:
                HANDLERS[type_] = new
            elif shared or existing.shared:
                HANDLERS[type_] = _combined(existing, new)
            else:
                raise ValueError(f"{type_} is already handled by {existing.fn.__module__}.{existing.fn.__name__}")
        return fn
    return register


def _combined(existing: Registration, new: Registration) -> Registration:
    members = (*(existing.members or (existing,)), new)
    if len({m.ordered for m in members}) > 1:
        raise ValueError(f"{new.type}: handlers sharing a type must agree on ordered=")

    def run_in_turn(*, event, obj):
        reasons = []
        for member in members:
            try:
                if member.atomic:  # it expects its writes to commit with the event's outcome
                    with transaction.atomic():
                        return member.fn(event=event, obj=obj)
                return member.fn(event=event, obj=obj)
            except EventIgnored as exc:
                reasons.append(str(exc))
        raise EventIgnored(" ".join(reasons))

    run_in_turn.__name__ = f"shared_{new.type.replace('.', '_')}"
    return Registration(type=new.type, fn=run_in_turn, atomic=all(m.atomic for m in members),
                        ordered=members[0].ordered, shared=True, members=members)


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
