"""Celery tasks of the payments app: ids in, safe to run twice (STYLE §3)."""

from __future__ import annotations

from celery import shared_task

from payments.services import payment_attempts_sweep


@shared_task(acks_late=True)
def payment_attempts_sweep_task() -> int:
    """Beat (PAYMENT_ATTEMPT_SWEEP_INTERVAL): finish attempts whose process died (DESIGN §6)."""
    return payment_attempts_sweep()
