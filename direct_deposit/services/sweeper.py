"""Finishing abandoned payout steps (DESIGN §6): a process that died between a Stripe call and the
transaction recording it left a payout with an open `attempt`. The sweeper repeats the step with
the same Stripe key (Stripe answers what it did, or does it now, once), and restarts payroll runs
whose batch tasks all died."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from direct_deposit.exceptions import DirectDepositStripeUnavailableError
from direct_deposit.models import Payout, PayrollRun, Recipient, RecipientBankAccount
from direct_deposit.services.payouts import payout_attempt_run
from direct_deposit.services.payroll import payroll_run_dispatch, payroll_run_finish_if_done, stalled_runs
from oracle_ledger.actors import Actor

logger = logging.getLogger(__name__)
BATCH = 200
# A recipient still pending after this long lost its process between the row and Stripe's answer.
RECIPIENT_PENDING_TIMEOUT = timedelta(minutes=15)


def payout_attempts_sweep(*, older_than: timedelta | None = None) -> int:
    """Finish every step open for longer than `older_than` (default DIRECT_DEPOSIT_ATTEMPT_SWEEP_AFTER);
    returns how many payouts this call finished. Each row is claimed with a compare-and-set on its
    timestamp first, so two sweepers never work on the same one."""
    age = older_than if older_than is not None else settings.DIRECT_DEPOSIT_ATTEMPT_SWEEP_AFTER
    cutoff = timezone.now() - age
    done = 0
    for pk, started in (Payout.objects.exclude(attempt="").filter(attempt_started_at__lt=cutoff)
                        .values_list("pk", "attempt_started_at")[:BATCH]):
        if not Payout.objects.filter(pk=pk, attempt_started_at=started).exclude(attempt="").update(
                attempt_started_at=timezone.now()):
            continue
        payout = Payout.objects.select_related("organization").get(pk=pk)
        try:
            payout_attempt_run(payout=payout, actor=Actor.system(organization=payout.organization,
                                                                 name="direct-deposit-sweeper"))
            done += 1
        except DirectDepositStripeUnavailableError as exc:  # still no answer: the next sweep tries again
            logger.warning("payout %s still open: %s", payout.public_id, exc)
    for run in stalled_runs(older_than=age):
        payroll_run_dispatch(run=run)
    for run in PayrollRun.objects.filter(status=PayrollRun.Status.PROCESSING, updated_at__lt=cutoff):
        payroll_run_finish_if_done(run=run, actor=Actor.system(organization=run.organization,
                                                               name="direct-deposit-sweeper"))
    recipients_pending_sweep()
    return done


def recipients_pending_sweep(*, older_than: timedelta = RECIPIENT_PENDING_TIMEOUT) -> int:
    """Remove recipients whose create never got Stripe's answer recorded, so their employeeId is
    free again. The account number was never stored, so the create cannot be repeated; a Stripe
    account made meanwhile is left orphaned (its metadata names the recipient id that never was)."""
    removed = 0
    for recipient in Recipient.objects.filter(sync_state=Recipient.SyncState.PENDING,
                                              created_at__lt=timezone.now() - older_than)[:BATCH]:
        with transaction.atomic():
            RecipientBankAccount.objects.filter(recipient=recipient).delete()
            if Recipient.objects.filter(pk=recipient.pk, sync_state=Recipient.SyncState.PENDING).delete()[0]:
                removed += 1
                audit_record(actor=Actor.system(organization=recipient.organization, name="direct-deposit-sweeper"),
                             action="recipient.abandoned", target_type="dd_recipient", target_id=recipient.public_id,
                             organization=recipient.organization, metadata={"employeeId": recipient.employee_id})
    return removed
