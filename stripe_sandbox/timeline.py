"""Moving sandbox time forward (DESIGN §9 "one clock"): `manage.py stripe_sandbox advance --days N`
and the test-clock endpoints both come here.

Time moves one day at a time. After each step the project's own work for the new day runs first
(the callables listed in `settings.SANDBOX_DAILY_HOOKS`, each called with the new date: ACH
submissions, payroll runs), then every SandboxTransition that has come due, in due order. So when
`advance_to` returns, every consequence has at least been enqueued (events emitted, webhook
deliveries queued)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.module_loading import import_string

from stripe_sandbox import DB, clock, transitions
from stripe_sandbox.commands import subcommand
from stripe_sandbox.models import SandboxObject, SandboxTransition

DAY = 86_400
MAX_ROUNDS = 10


@dataclass
class Step:
    """What one step of the clock did (printed by the command, returned to callers)."""

    at: int
    hooks: list[str] = field(default_factory=list)
    transitions: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    events: int = 0

    def describe(self) -> str:
        day = dt.datetime.fromtimestamp(self.at, tz=dt.UTC)
        done = ", ".join(f"{kind} x{n}" for kind, n in sorted(self.transitions.items())) or "none"
        hooks = f" ({', '.join(self.hooks)})" if self.hooks else ""
        text = f"{day:%Y-%m-%d %H:%M} UTC: hooks {len(self.hooks)}{hooks}, transitions {done}, events {self.events}"
        return text + (f", FAILED {self.failed}" if self.failed else "")


def _last_event_seq() -> int:
    return SandboxObject.objects.using(DB).filter(object="event").aggregate(m=Max("seq"))["m"] or 0


def daily_hooks() -> list[Callable[[dt.date], object]]:
    return [import_string(path) for path in settings.SANDBOX_DAILY_HOOKS]


def _move_to(target: int) -> tuple[int, int]:
    """Set sandbox time to `target` (never backwards) under the clock row's lock. Returns the time
    before and after, as seen under that lock, so two clocks advancing at once never both claim
    the same day."""
    with transaction.atomic(using=DB):
        row = clock.clock_row(for_update=True)
        current = clock.now()
        if target > current:
            if row.frozen_at is not None:
                row.frozen_at = target
            else:
                row.offset_seconds += target - current
            row.save(update_fields=["offset_seconds", "frozen_at"])
        return current, clock.now()  # still under the lock: another clock may move it right after


def _run_due(step: Step, until: int) -> None:
    """Run what is due, again while transitions schedule further work that is already due (a
    payout that goes in transit and arrives within the same step)."""
    for _ in range(MAX_ROUNDS):
        kinds = dict(SandboxTransition.objects.using(DB)
                     .filter(status=SandboxTransition.Status.PENDING, due_at__lte=until).values_list("pk", "kind"))
        if not kinds:
            return
        transitions.run_due(until)
        for pk, status in SandboxTransition.objects.using(DB).filter(pk__in=kinds).values_list("pk", "status"):
            if status == SandboxTransition.Status.DONE:
                step.transitions[kinds[pk]] = step.transitions.get(kinds[pk], 0) + 1
            elif status == SandboxTransition.Status.FAILED:
                step.failed += 1


def advance_to(target: int, *, on_step: Callable[[Step], object] | None = None) -> list[Step]:
    """Move the clock to `target`, one day (or the remainder) at a time; each time the date
    changes, run the daily hooks with the new date; after each step run what is due."""
    from stripe_sandbox.router import current_request

    token = current_request.set(None)  # events fired by time have no API request behind them
    steps: list[Step] = []
    try:
        while True:
            now = clock.now()
            if now >= target and steps:
                break
            first_event = _last_event_seq()
            before, reached = _move_to(min(now + DAY, target))
            step = Step(at=reached)
            new_day = dt.datetime.fromtimestamp(reached, tz=dt.UTC).date()
            if new_day != dt.datetime.fromtimestamp(before, tz=dt.UTC).date():
                for hook in daily_hooks():
                    hook(new_day)
                    step.hooks.append(f"{hook.__module__}.{hook.__qualname__}")
            _run_due(step, reached)
            step.events = SandboxObject.objects.using(DB).filter(object="event", seq__gt=first_event).count()
            steps.append(step)
            if on_step:
                on_step(step)
            if reached >= target:
                break
    finally:
        current_request.reset(token)
    return steps


@shared_task(ignore_result=True)
def due_transitions_task() -> int:
    """Real time moving is the clock moving too: run what has come due since (payout arrivals, ACH
    settlements, verifications), as Stripe would, when nobody calls `advance`. Beat runs it every
    minute in sandbox mode (settings)."""
    step = Step(at=clock.now())
    _run_due(step, step.at)
    return sum(step.transitions.values())


def advance(days: int, *, on_step: Callable[[Step], object] | None = None) -> list[Step]:
    if days < 0:
        raise ValueError("the sandbox clock only moves forward")
    return advance_to(clock.now() + days * DAY, on_step=on_step)


def _arguments(parser) -> None:
    parser.add_argument("--days", type=int, default=1, help="Days to move forward (default 1).")


@subcommand("advance", help="Move the sandbox clock forward one day at a time, running the project's daily "
                            "work and every transition that comes due.", arguments=_arguments)
def advance_command(out, *, days: int = 1, **options) -> None:
    if days < 0:
        from django.core.management.base import CommandError

        raise CommandError("--days must be 0 or more: the sandbox clock only moves forward.")
    start = clock.now()
    steps = advance(days, on_step=lambda step: out.write(step.describe() + "\n"))
    total = sum(sum(s.transitions.values()) for s in steps)
    failed = sum(s.failed for s in steps)
    out.write(f"Advanced {days} day(s) from {dt.datetime.fromtimestamp(start, tz=dt.UTC):%Y-%m-%d} to "
                 f"{clock.today():%Y-%m-%d}: {total} transition(s) executed, {failed} failed.\n")
