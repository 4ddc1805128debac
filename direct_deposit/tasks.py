"""Celery tasks of direct deposit: ids in, safe to run twice (STYLE §3)."""

from __future__ import annotations

from celery import shared_task

from direct_deposit.models import PayrollRun


@shared_task(acks_late=True)
def payroll_run_batch_task(*, run_id: int) -> int:
    """One of the run's parallel batch workers: claims and pays queued lines until none is left."""
    from direct_deposit.services import payroll_run_batch_process

    run = PayrollRun.objects.select_related("organization").get(pk=run_id)
    return payroll_run_batch_process(run=run)


@shared_task(acks_late=True)
def payroll_run_resume_task(*, run_id: int) -> int:
    """After a crash (admin "Resume"): repeat open payout steps with their keys, pay queued lines."""
    from direct_deposit.services import payroll_run_resume

    run = PayrollRun.objects.select_related("organization").get(pk=run_id)
    return payroll_run_resume(run=run)


@shared_task(acks_late=True)
def payout_attempts_sweep_task() -> int:
    """Beat: finish payout steps whose process died; restart stalled payroll runs (DESIGN §6)."""
    from direct_deposit.services import payout_attempts_sweep

    return payout_attempts_sweep()
