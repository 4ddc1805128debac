"""Subcommands of `manage.py stripe_sandbox <name>`; each registers with `@subcommand(...)`.

    @subcommand("advance", help="Move the clock", arguments=lambda p: p.add_argument("--days", type=int))
    def advance(out, *, days, **options): ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction


@dataclass
class Subcommand:
    name: str
    handler: Callable[..., Any]
    help: str
    arguments: Callable[[Any], None] | None


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, *, help: str = "", arguments: Callable[[Any], None] | None = None):
    """`handler(stdout, **options)`; `arguments(parser)` adds the subcommand's own options."""
    def register(handler):
        SUBCOMMANDS[name] = Subcommand(name, handler, help, arguments)
        return handler
    return register


@subcommand("reset", help="Delete every sandbox object, key, failure, transition and delivery; "
                          "reset the clock.")
def reset(stdout, **options) -> None:
    from stripe_sandbox import DB
    from stripe_sandbox.models import (
        SandboxClock,
        SandboxFailure,
        SandboxIdempotencyKey,
        SandboxObject,
        SandboxTransition,
        SandboxWebhookDelivery,
    )

    with transaction.atomic(using=DB):
        for model in (SandboxObject, SandboxIdempotencyKey, SandboxFailure, SandboxTransition,
                      SandboxWebhookDelivery, SandboxClock):
            model.objects.using(DB).all().delete()
    stdout.write("Stripe sandbox reset: no objects, clock at real time.\n")


@subcommand("status", help="Objects by type, the clock, pending transitions and undelivered events.")
def status(stdout, **options) -> None:
    import datetime as dt

    from django.db.models import Count

    from stripe_sandbox import DB, clock
    from stripe_sandbox.models import SandboxFailure, SandboxObject, SandboxTransition, SandboxWebhookDelivery

    now = clock.now()
    stdout.write(f"clock: {dt.datetime.fromtimestamp(now, tz=dt.UTC).isoformat()} "
                 f"(offset {clock.offset_seconds() // 86400} days)\n")
    stdout.write("objects:\n")
    for row in (SandboxObject.objects.using(DB).filter(deleted=False).values("object")
                .annotate(n=Count("seq")).order_by("object")):
        stdout.write(f"  {row['object']}: {row['n']}\n")
    pending = SandboxTransition.objects.using(DB).filter(status=SandboxTransition.Status.PENDING)
    stdout.write(f"pending transitions: {pending.count()} "
                 f"(due now: {pending.filter(due_at__lte=now).count()})\n")
    undelivered = SandboxWebhookDelivery.objects.using(DB).exclude(status=SandboxWebhookDelivery.Status.SUCCEEDED)
    stdout.write(f"undelivered events: {undelivered.values('event_id').distinct().count()} "
                 f"(failed for good: {undelivered.filter(status='failed').count()})\n")
    stdout.write(f"injected failures waiting: {SandboxFailure.objects.using(DB).count()}\n")


def _fail_arguments(parser) -> None:
    parser.add_argument("--kind", choices=("timeout", "connection", "500", "429"), default="500")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--path", default="", help="only calls whose path starts with this, e.g. /v1/payouts")
    parser.add_argument("--clear", action="store_true", help="drop every waiting failure instead")


@subcommand("fail", help="Make the next N Stripe calls fail (timeout, connection, 500, 429).",
            arguments=_fail_arguments)
def fail(stdout, *, kind: str, count: int, path: str, clear: bool, **options) -> None:
    from stripe_sandbox import failures

    if clear:
        failures.clear()
        stdout.write("No injected failures are waiting.\n")
        return
    failures.inject(kind, count=count, path_prefix=path)
    stdout.write(f"The next {count} call(s){' to ' + path if path else ''} fail with {kind}.\n")
