"""Periodic work for customers (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from customers.services.customers import customer_pending_sweep


@shared_task
def customer_pending_sweep_task() -> int:
    """Remove creates that crashed between their pending row and Stripe's answer; safe to run twice."""
    return customer_pending_sweep()
