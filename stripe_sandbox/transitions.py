"""Deferred state changes (ACH settlement, payout arrival): rows in SandboxTransition with a due
time, executed by the clock (`stripe_sandbox advance`, test clocks) through this registry.

    @transition("ach_settle")
    def ach_settle(row: SandboxTransition) -> None: ...
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

from stripe_sandbox import DB
from stripe_sandbox.models import SandboxTransition

log = logging.getLogger(__name__)
TransitionHandler = Callable[[SandboxTransition], None]
HANDLERS: dict[str, TransitionHandler] = {}


def transition(kind: str) -> Callable[[TransitionHandler], TransitionHandler]:
    def register(handler: TransitionHandler) -> TransitionHandler:
        HANDLERS[kind] = handler
        return handler
    return register


def schedule(kind: str, object_id: str, due_at: int, params: dict[str, Any] | None = None) -> SandboxTransition:
    """Call inside the handler's sandbox transaction: the change becomes due with it."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown transition kind {kind!r}")
    return SandboxTransition.objects.using(DB).create(kind=kind, object_id=object_id, due_at=due_at,
                                                      params=params or {})


def execute(row: SandboxTransition) -> None:
    """Run one due row in its own transaction; mark it done (or failed, with the error)."""
    from stripe_sandbox import clock

    with transaction.atomic(using=DB):
        locked = (SandboxTransition.objects.using(DB).select_for_update(skip_locked=True)
                  .filter(pk=row.pk, status=SandboxTransition.Status.PENDING).first())
        if locked is None:
            return  # another clock run took it
        HANDLERS[locked.kind](locked)
        locked.status, locked.executed_at = SandboxTransition.Status.DONE, clock.now()
        locked.save(update_fields=["status", "executed_at"])


def run_due(until: int) -> int:
    """Execute every pending transition due at or before `until`, in due order. Returns the count.
    A handler that raises marks its row failed and does not stop the others."""
    count = 0
    for row in (SandboxTransition.objects.using(DB)
                .filter(status=SandboxTransition.Status.PENDING, due_at__lte=until).order_by("due_at", "id")):
        try:
            execute(row)
            count += 1
        except Exception as exc:  # noqa: BLE001 - recorded on the row, the clock goes on
            log.exception("sandbox transition failed", extra={"transition": row.pk, "kind": row.kind})
            SandboxTransition.objects.using(DB).filter(pk=row.pk).update(
                status=SandboxTransition.Status.FAILED, last_error=repr(exc))
    return count
