"""Payroll runs (issue 10 item 5): many payouts submitted as one unit.

- The whole run is validated before anything is stored or sent; every bad line is named
  (`{line, field, reason, value}`) in one 422.
- Idempotent per payroll id: the same payrollId with the same content returns the existing run;
  with other content it is 409 RESOURCE_ALREADY_EXISTS (PayrollRunConflictError).
- Processed by Celery batch tasks in parallel (a group of PAYROLL_PARALLELISM tasks). Each claims
  PAYROLL_BATCH_SIZE queued lines at a time with `select_for_update(skip_locked=True)` and, in the
  same transaction, creates each line's Payout with its first step open. So a crash anywhere
  leaves either a queued line (claimed by the next batch) or a payout whose open step is repeated
  with the same Stripe keys (`payroll_run_resume`, the sweeper): nobody is paid twice."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from audit.services import audit_record
from customers.validation import metadata_problems
from direct_deposit.exceptions import DirectDepositStripeUnavailableError, PayrollRunConflictError
from direct_deposit.models import Payout, PayrollRun, PayrollRunLine, Recipient, RecipientBankAccount
from direct_deposit.services.payouts import payout_attempt_run
from ledger import clock
from oracle_ledger.actors import Actor
from oracle_ledger.errors import ValidationFailedError

logger = logging.getLogger(__name__)
MAX_AMOUNT_CENTS = 99_999_999  # Stripe's largest amount
LINE_FIELDS = {"recipientId", "employeeId", "amount", "bankAccountId", "description", "metadata"}


@dataclass
class RunRequest:
    payroll_id: str
    lines: list[dict[str, Any]]          # raw line objects, as the API or the CSV gave them
    line_numbers: list[int] | None = None  # CSV: the file's line numbers; API: 1, 2, 3, ...
    description: str = ""
    currency: str = "usd"
    pay_period_start: date | None = None
    pay_period_end: date | None = None
    source: str = "api"

    def content_hash(self) -> str:
        body = {"description": self.description, "currency": self.currency, "lines": self.lines,
                "start": str(self.pay_period_start), "end": str(self.pay_period_end)}
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


# --- Submit ---------------------------------------------------------------------------------------------

def payroll_run_submit(*, actor: Actor, request: RunRequest) -> tuple[PayrollRun, bool]:
    """Validate every line, then store the run and its lines and start processing on commit.
    Returns (run, created); created False: the same payroll was submitted before."""
    organization = actor.organization
    digest = request.content_hash()
    existing = _existing(organization, request.payroll_id, digest)
    if existing is not None:
        return existing, False
    resolved = _lines_validated(organization, request)
    try:
        run = _run_insert(actor=actor, request=request, digest=digest, resolved=resolved)
    except IntegrityError:  # the same payrollId won a race with us
        existing = _existing(organization, request.payroll_id, digest)
        if existing is None:
            raise
        return existing, False
    return run, True


def _existing(organization, payroll_id: str, digest: str) -> PayrollRun | None:
    run = PayrollRun.objects.filter(organization=organization, payroll_id=payroll_id).first()
    if run is not None and run.content_hash != digest:
        raise PayrollRunConflictError(details=[{"field": "payrollId", "reason": "Already submitted with different "
                                                "content", "value": payroll_id, "payrollRunId": run.public_id}])
    return run


@dataclass
class _Line:
    number: int
    recipient: Recipient
    bank: RecipientBankAccount
    amount_cents: int
    description: str
    metadata: dict[str, Any]


def _lines_validated(organization, request: RunRequest) -> list[_Line]:
    numbers = request.line_numbers or list(range(1, len(request.lines) + 1))
    recipients = _recipients_for(organization, request.lines)
    problems: list[dict[str, Any]] = []
    resolved: list[_Line] = []
    seen: dict[int, int] = {}
    for number, raw in zip(numbers, request.lines, strict=True):
        line_problems, line = _line_checked(number, raw, recipients)
        if line is not None and line.recipient.pk in seen:
            line_problems.append(_problem(number, "recipientId", f"The recipient is already paid on line "
                                          f"{seen[line.recipient.pk]}", line.recipient.public_id))
        if line is not None:
            seen.setdefault(line.recipient.pk, number)
        problems.extend(line_problems)
        if not line_problems and line is not None:
            resolved.append(line)
    if problems:
        raise ValidationFailedError(f"Payroll run validation failed: {len({p['line'] for p in problems})} bad "
                                    f"line(s); nothing was sent.", details=problems)
    return resolved


def _problem(line: int, field: str, reason: str, value: Any) -> dict[str, Any]:
    return {"line": line, "field": field, "reason": reason, "value": value}


def _recipients_for(organization, lines: list[dict[str, Any]]) -> dict[str, Recipient]:
    """Every recipient the lines name, by public id and by employee id, in two queries."""
    ids = {str(raw.get("recipientId")) for raw in lines if isinstance(raw, dict) and raw.get("recipientId")}
    employees = {str(raw.get("employeeId")) for raw in lines if isinstance(raw, dict) and raw.get("employeeId")}
    rows = (Recipient.objects.filter(organization=organization, active=True)
            .filter(Q(public_id__in=ids) | Q(employee_id__in=employees)).prefetch_related("bank_accounts"))
    found: dict[str, Recipient] = {}
    for recipient in rows:
        found[recipient.public_id] = recipient
        found[f"employee:{recipient.employee_id}"] = recipient
    return found


def _line_checked(number: int, raw: Any, recipients: dict[str, Recipient]) -> tuple[list[dict], _Line | None]:
    if not isinstance(raw, dict):
        return [_problem(number, "line", "Must be an object", None)], None
    problems = [_problem(number, key, "Unknown field", None) for key in raw if key not in LINE_FIELDS]
    amount = raw.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int):
        problems.append(_problem(number, "amount", "Must be an integer number of cents", amount))
    elif not 1 <= amount <= MAX_AMOUNT_CENTS:
        problems.append(_problem(number, "amount", f"Must be between 1 and {MAX_AMOUNT_CENTS}", amount))
    description = raw.get("description") or ""
    if not isinstance(description, str) or len(description) > 1000:
        problems.append(_problem(number, "description", "Must be text of at most 1000 characters", None))
    metadata = raw.get("metadata") or {}
    if not isinstance(metadata, dict):
        problems.append(_problem(number, "metadata", "Must be an object", None))
    else:
        problems.extend(_problem(number, f"metadata{suffix}", reason, None)
                        for suffix, reason in metadata_problems(metadata))
    recipient = _recipient_of(number, raw, recipients, problems)
    bank = _bank_of(number, raw, recipient, problems) if recipient is not None else None
    if problems or recipient is None or bank is None:
        return problems, (None if recipient is None else _Line(number, recipient, bank, 0, "", {}))
    return [], _Line(number, recipient, bank, amount, description, metadata)


def _recipient_of(number: int, raw: dict, recipients: dict[str, Recipient], problems: list) -> Recipient | None:
    if raw.get("recipientId"):
        field, value, recipient = "recipientId", raw["recipientId"], recipients.get(str(raw["recipientId"]))
    elif raw.get("employeeId"):
        field, value = "employeeId", raw["employeeId"]
        recipient = recipients.get(f"employee:{value}")
    else:
        problems.append(_problem(number, "recipientId", "recipientId or employeeId is required", None))
        return None
    if recipient is None:
        problems.append(_problem(number, field, "No active recipient with this id", value))
        return None
    if not recipient.payouts_enabled:
        problems.append(_problem(number, field, "RECIPIENT_NOT_VERIFIED: the recipient's payouts are not enabled "
                                 f"(verificationStatus {recipient.verification_status})", value))
    return recipient


def _bank_of(number: int, raw: dict, recipient: Recipient, problems: list) -> RecipientBankAccount | None:
    banks = list(recipient.bank_accounts.all())
    wanted = raw.get("bankAccountId")
    bank = next((b for b in banks if b.public_id == wanted), None) if wanted else \
        next((b for b in banks if b.is_default), None)
    if bank is None:
        problems.append(_problem(number, "bankAccountId", "No such bank account for this recipient" if wanted else
                                 "The recipient has no default bank account", wanted))
    elif not bank.stripe_bank_account_id or bank.status == "errored":
        problems.append(_problem(number, "bankAccountId", "The bank account cannot receive payouts (errored)",
                                 bank.public_id))
        return None
    return bank


def _run_insert(*, actor: Actor, request: RunRequest, digest: str, resolved: list[_Line]) -> PayrollRun:
    now = timezone.now()
    run = PayrollRun(organization=actor.organization, payroll_id=request.payroll_id, content_hash=digest,
                     description=request.description, currency=request.currency,
                     pay_period_start=request.pay_period_start, pay_period_end=request.pay_period_end,
                     status=PayrollRun.Status.QUEUED, total_cents=sum(line.amount_cents for line in resolved),
                     line_count=len(resolved), source=request.source, created_by_id=actor.user_pk,
                     created_at=now, updated_at=now)
    with transaction.atomic():
        run.save(force_insert=True)
        PayrollRunLine.objects.bulk_create(
            [PayrollRunLine(run=run, line_number=line.number, recipient=line.recipient, bank_account=line.bank,
                            amount_cents=line.amount_cents, description=line.description, metadata=line.metadata,
                            updated_at=now) for line in resolved], batch_size=1000)
        audit_record(actor=actor, action="payroll_run.created", target_type="dd_payroll_run",
                     target_id=run.public_id, organization=run.organization, changes={
                         "payrollId": run.payroll_id, "total": run.total_cents, "lines": run.line_count,
                         "currency": run.currency, "source": run.source})
        transaction.on_commit(lambda: payroll_run_dispatch(run=run))
    return run


# --- Processing -----------------------------------------------------------------------------------------

def payroll_run_dispatch(*, run: PayrollRun) -> None:
    """Start PAYROLL_PARALLELISM batch tasks for the run (a Celery group)."""
    from celery import group

    from direct_deposit.tasks import payroll_run_batch_task

    group(payroll_run_batch_task.si(run_id=run.pk) for _ in range(max(1, settings.PAYROLL_PARALLELISM))).apply_async()


def payroll_run_batch_process(*, run: PayrollRun, actor: Actor | None = None, max_lines: int | None = None) -> int:
    """Claim and pay queued lines until none is left (or `max_lines` were claimed); returns how
    many lines this call claimed. Safe to run in many processes at once."""
    actor = actor or Actor.system(organization=run.organization, name="payroll")
    _mark_started(run)
    claimed = 0
    while max_lines is None or claimed < max_lines:
        size = settings.PAYROLL_BATCH_SIZE if max_lines is None else min(settings.PAYROLL_BATCH_SIZE,
                                                                        max_lines - claimed)
        payouts = _claim(run, size, actor)
        if not payouts:
            break
        claimed += len(payouts)
        for payout in payouts:
            _pay(payout, actor)
    payroll_run_finish_if_done(run=run, actor=actor)
    return claimed


def _mark_started(run: PayrollRun) -> None:
    PayrollRun.objects.filter(pk=run.pk, status=PayrollRun.Status.QUEUED).update(
        status=PayrollRun.Status.PROCESSING, started_at=timezone.now(), updated_at=timezone.now())


def _claim(run: PayrollRun, size: int, actor: Actor) -> list[Payout]:
    """Lines claimed and their payouts created in one transaction: another batch skips locked
    lines instead of waiting, and a claimed line always has the payout a resume will find."""
    now = timezone.now()
    with transaction.atomic():
        lines = list(PayrollRunLine.objects.select_for_update(skip_locked=True)
                     .filter(run=run, result=PayrollRunLine.Result.QUEUED).order_by("line_number")[:size])
        if not lines:
            return []
        payouts = [Payout(organization=run.organization, recipient_id=line.recipient_id,
                          bank_account_id=line.bank_account_id, payroll_run=run, amount_cents=line.amount_cents,
                          currency=run.currency, description=line.description or run.description,
                          pay_period_start=run.pay_period_start, pay_period_end=run.pay_period_end,
                          metadata={**line.metadata, "payrollId": run.payroll_id, "line": line.line_number},
                          scheduled_date=clock.today(), attempt=Payout.Attempt.TRANSFER, attempt_started_at=now,
                          created_by_id=run.created_by_id, created_at=now, updated_at=now) for line in lines]
        Payout.objects.bulk_create(payouts)
        for line, payout in zip(lines, payouts, strict=True):
            line.payout, line.result, line.updated_at = payout, PayrollRunLine.Result.PROCESSING, now
        PayrollRunLine.objects.bulk_update(lines, ["payout", "result", "updated_at"])
        PayrollRun.objects.filter(pk=run.pk).update(updated_at=now)
        audit_record(actor=actor, action="payroll_run.lines_claimed", target_type="dd_payroll_run",
                     target_id=run.public_id, organization=run.organization, metadata={
                         "payouts": [{"line": line.line_number, "payoutId": p.public_id, "amount": p.amount_cents}
                                     for line, p in zip(lines, payouts, strict=True)]})
    return payouts


def _pay(payout: Payout, actor: Actor) -> None:
    try:
        payout_attempt_run(payout=payout, actor=actor)
    except DirectDepositStripeUnavailableError as exc:  # left open: resumed or swept with the same keys
        logger.warning("payroll payout %s left open: %s", payout.public_id, exc)


def payroll_run_resume(*, run: PayrollRun, actor: Actor | None = None) -> int:
    """After a crash: repeat the open step of every claimed line's payout (same Stripe keys, so a
    step Stripe already did is answered, not done again), then pay the lines still queued."""
    actor = actor or Actor.system(organization=run.organization, name="payroll")
    open_payouts = Payout.objects.filter(payroll_run=run).exclude(attempt="").order_by("id")
    resumed = 0
    for payout in open_payouts.iterator():
        _pay(payout, actor)
        resumed += 1
    audit_record(actor=actor, action="payroll_run.resumed", target_type="dd_payroll_run", target_id=run.public_id,
                 organization=run.organization, metadata={"openPayoutsResumed": resumed})
    return resumed + payroll_run_batch_process(run=run, actor=actor)


def payroll_run_progress(*, run: PayrollRun) -> dict[str, int]:
    counts = dict(PayrollRunLine.objects.filter(run=run).values_list("result").annotate(n=Count("id")))
    return {result: counts.get(result, 0) for result in PayrollRunLine.Result.values}


def payroll_run_finish_if_done(*, run: PayrollRun, actor: Actor) -> bool:
    """Close the run once every line has its answer (sent or failed)."""
    progress = payroll_run_progress(run=run)
    if progress["queued"] or progress["processing"]:
        return False
    status = PayrollRun.Status.COMPLETED_WITH_FAILURES if progress["failed"] else PayrollRun.Status.COMPLETED
    if not progress["sent"] and progress["failed"]:
        status = PayrollRun.Status.FAILED
    with transaction.atomic():
        moved = PayrollRun.objects.filter(pk=run.pk, status__in=(PayrollRun.Status.QUEUED,
                                                                 PayrollRun.Status.PROCESSING)).update(
            status=status, completed_at=timezone.now(), updated_at=timezone.now())
        if moved:
            audit_record(actor=actor, action=f"payroll_run.{status}", target_type="dd_payroll_run",
                         target_id=run.public_id, organization=run.organization, metadata=progress)
    return bool(moved)


def stalled_runs(*, older_than: timedelta) -> Iterable[PayrollRun]:
    """Runs still processing with queued lines that no batch has touched for `older_than`."""
    cutoff = timezone.now() - older_than
    return (PayrollRun.objects.filter(status=PayrollRun.Status.PROCESSING, updated_at__lt=cutoff,
                                      lines__result=PayrollRunLine.Result.QUEUED).distinct())
