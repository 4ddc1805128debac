"""Beat tasks: submit the debits whose banking day has come, and sweep Stripe for returns."""

from __future__ import annotations

from celery import shared_task

from ach.services import ach_due_submit, ach_returns_process


@shared_task(ignore_result=True)
def ach_due_submit_task() -> dict[str, int]:
    """Hourly: a debit scheduled for a later day goes to Stripe on its date, never before; one left
    `scheduled` by a Stripe outage or a crash is submitted again with the same key."""
    return ach_due_submit()


@shared_task(ignore_result=True)
def ach_returns_process_task() -> str:
    return ach_returns_process().summary()
