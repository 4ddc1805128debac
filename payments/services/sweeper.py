"""Finishing abandoned attempts (DESIGN §6): a process that died between its two transactions left
a payment with an open `attempt` or a refund with `attempt_open`. The sweeper repeats the same
Stripe call with the same idempotency key, so Stripe answers what it did (or does it now, once),
and stores the outcome through the same services as the API."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from oracle_ledger.actors import Actor
from oracle_ledger.errors import DomainError
from payments.exceptions import PaymentStripeUnavailableError
from payments.models import Payment, Refund
from payments.services.payments import payment_attempt_run
from payments.services.refunds import refund_attempt_run

logger = logging.getLogger(__name__)
BATCH = 100


def payment_attempts_sweep(*, older_than: timedelta | None = None) -> int:
    """Finish every attempt older than `older_than` (default PAYMENT_ATTEMPT_SWEEP_AFTER); returns
    how many this call finished. Two sweepers never work on the same row: each claims it with a
    compare-and-set on its timestamp first."""
    cutoff = timezone.now() - (older_than if older_than is not None else settings.PAYMENT_ATTEMPT_SWEEP_AFTER)
    done = 0
    for pk, started in (Payment.objects.exclude(attempt="").filter(attempt_started_at__lt=cutoff)
                        .values_list("pk", "attempt_started_at")[:BATCH]):
        if Payment.objects.filter(pk=pk, attempt_started_at=started).exclude(attempt="").update(
                attempt_started_at=timezone.now()):
            done += _finish(payment_attempt_run, "payment", Payment.objects.select_related(
                "organization", "customer", "payment_method").get(pk=pk))
    for pk, updated in (Refund.objects.filter(attempt_open=True, updated_at__lt=cutoff)
                        .values_list("pk", "updated_at")[:BATCH]):
        if Refund.objects.filter(pk=pk, attempt_open=True, updated_at=updated).update(updated_at=timezone.now()):
            done += _finish(refund_attempt_run, "refund", Refund.objects.select_related(
                "payment__organization").get(pk=pk))
    return done


def _finish(run, kind: str, row) -> int:
    organization = row.organization if kind == "payment" else row.payment.organization
    actor = Actor.system(organization=organization, name="payments-sweeper")
    try:
        run(**{kind: row, "actor": actor})
    except PaymentStripeUnavailableError as exc:  # still no answer: the next sweep tries again
        logger.warning("payment attempt %s still open: %s", row.public_id, exc)
        return 0
    except DomainError:  # a decline or a refusal is an outcome: stored, the attempt closed
        pass
    return 1
