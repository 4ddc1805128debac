"""Nightly reconciliation (beat: `ledger-reconcile-nightly` in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task

from identity.models import Organization
from ledger import clock
from ledger.services import reconciliation_run
from oracle_ledger.actors import Actor
from oracle_ledger.gateway import GatewayError

log = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=5)
def reconciliation_nightly_task(self, *, day: str | None = None, from_pk: int = 0) -> None:
    """Reconcile the previous day (by the system clock) for every organisation, recording a run
    each, then the platform-level run (unattributed Stripe transactions). A retry (Stripe
    unavailable) resumes at the organisation that failed (`from_pk=-1`: only the platform run is
    left); running the task twice only adds runs."""
    target = dt.date.fromisoformat(day) if day else clock.today() - dt.timedelta(days=1)
    organizations = [] if from_pk < 0 else list(Organization.objects.filter(pk__gte=from_pk).order_by("pk"))
    for organization in [*organizations, None]:
        try:
            run = reconciliation_run(organization=organization, date_from=target, date_to=target,
                                     actor=Actor.system(organization=organization, name="reconciliation_nightly"))
        except GatewayError as exc:
            if not exc.retryable:
                raise
            raise self.retry(exc=exc, countdown=60 * 2 ** self.request.retries, kwargs={
                "day": target.isoformat(), "from_pk": organization.pk if organization else -1}) from exc
        if run.difference_count:
            log.warning("reconciliation found differences", extra={
                "organization": organization.slug if organization else "(unattributed)", "run": run.public_id,
                "differences": run.difference_count, "day": target.isoformat()})
