"""Direct deposit (issue 10, DESIGN §8): recipients (Stripe Connect custom accounts), their bank
accounts, payouts and payroll runs.

Only the last 4 of an SSN and of an account number, the bank name, the routing number and the
account type are stored (DESIGN §5): the account number goes straight to Stripe.

A payout is two Stripe calls (a transfer to the recipient's connected account, then a payout to
its bank account), each with a key derived from the payout (`dd-transfer:po_…`, `dd-payout:po_…`).
`attempt` names the step in flight; it is committed before the call, so a crash between the two
leaves a row the sweeper (or a resumed payroll run) finishes with the same keys (DESIGN §6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from oracle_ledger.ids import public_id_factory


class Recipient(models.Model):
    class SyncState(models.TextChoices):
        PENDING = "pending", "Pending (Stripe account not recorded yet)"
        SYNCED = "synced", "Synced"

    organization = models.ForeignKey("identity.Organization", on_delete=models.PROTECT,
                                     related_name="dd_recipients")
    public_id = models.CharField(max_length=48, unique=True, default=public_id_factory("dd_recipient_"),
                                 editable=False)
    employee_id = models.CharField(max_length=100)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=40)
    date_of_birth = models.DateField()
    ssn_last4 = models.CharField(max_length=4)
    address = models.JSONField(default=dict)  # {line1, line2?, city, state, postalCode, country}

    stripe_account_id = models.CharField(max_length=255, blank=True, db_index=True)
    sync_state = models.CharField(max_length=16, choices=SyncState.choices, default=SyncState.PENDING)
    verification_status = models.CharField(max_length=16, default="pending", db_index=True)
    account_status = models.CharField(max_length=16, default="pending")
    kyc_status = models.CharField(max_length=16, default="pending")
    charges_enabled = models.BooleanField(default=False)
    transfers_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    requirements = models.JSONField(default=dict, blank=True)
    disabled_reason = models.CharField(max_length=64, blank=True)
    active = models.BooleanField(default=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="dd_recipients_created")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One active recipient per employee (DESIGN §9: a second one is 409); this index decides races.
            models.UniqueConstraint(fields=["organization", "employee_id"], condition=Q(active=True),
                                    name="dd_recipient_employee_unique_active"),
        ]
        indexes = [models.Index(fields=["organization", "-created_at", "-id"], name="dd_recipient_org_created")]

    def __str__(self) -> str:
        return self.public_id

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class RecipientBankAccount(models.Model):
    class AccountType(models.TextChoices):
        CHECKING = "checking", "Checking"
        SAVINGS = "savings", "Savings"

    public_id = models.CharField(max_length=40, unique=True, default=public_id_factory("dd_bank_"), editable=False)
    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="bank_accounts")
    stripe_bank_account_id = models.CharField(max_length=255, blank=True, db_index=True)
    bank_name = models.CharField(max_length=200, blank=True)
    last4 = models.CharField(max_length=4)
    routing_number = models.CharField(max_length=9)
    account_type = models.CharField(max_length=16, choices=AccountType.choices)
    account_holder_name = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False)
    is_verified = models.BooleanField(default=False)
    status = models.CharField(max_length=16, default="pending")  # pending, new, verified, errored
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient"], condition=Q(is_default=True),
                                    name="dd_bank_one_default_per_recipient"),
        ]

    def __str__(self) -> str:
        return self.public_id


class PayrollRun(models.Model):
    class Status(models.TextChoices):
        VALIDATING = "validating", "Validating"
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        COMPLETED = "completed", "Completed"
        COMPLETED_WITH_FAILURES = "completed_with_failures", "Completed with failures"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey("identity.Organization", on_delete=models.PROTECT,
                                     related_name="payroll_runs")
    public_id = models.CharField(max_length=40, unique=True, default=public_id_factory("pr_"), editable=False)
    payroll_id = models.CharField(max_length=100)
    content_hash = models.CharField(max_length=64)  # the same payrollId with other content is refused
    description = models.CharField(max_length=1000, blank=True)
    currency = models.CharField(max_length=3, default="usd")
    pay_period_start = models.DateField(null=True, blank=True)
    pay_period_end = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.QUEUED, db_index=True)
    total_cents = models.PositiveBigIntegerField(default=0)
    line_count = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=16, default="api")  # api, csv
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="payroll_runs_created")
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Idempotency per payroll id (issue 10 item 5): this index decides a race of two submissions.
            models.UniqueConstraint(fields=["organization", "payroll_id"], name="payroll_run_payroll_id_unique"),
        ]

    def __str__(self) -> str:
        return self.public_id


class Payout(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        IN_TRANSIT = "in_transit", "In transit"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    class Attempt(models.TextChoices):
        NONE = "", "None"
        TRANSFER = "transfer", "Transfer to the connected account"
        PAYOUT = "payout", "Payout to the bank account"
        REVERSE = "reverse", "Transfer reversal after a failure"

    organization = models.ForeignKey("identity.Organization", on_delete=models.PROTECT, related_name="dd_payouts")
    public_id = models.CharField(max_length=40, unique=True, default=public_id_factory("po_"), editable=False)
    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="payouts")
    bank_account = models.ForeignKey(RecipientBankAccount, on_delete=models.PROTECT, related_name="payouts")
    payroll_run = models.ForeignKey(PayrollRun, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="payouts")
    amount_cents = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3, default="usd")
    description = models.CharField(max_length=1000, blank=True)
    pay_period_start = models.DateField(null=True, blank=True)
    pay_period_end = models.DateField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)

    stripe_transfer_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_payout_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_transfer_reversal_id = models.CharField(max_length=255, blank=True)
    fee_cents = models.BigIntegerField(null=True, blank=True)
    net_cents = models.BigIntegerField(null=True, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    scheduled_date = models.DateField(null=True, blank=True)
    estimated_arrival_at = models.DateTimeField(null=True, blank=True)
    actual_payout_at = models.DateTimeField(null=True, blank=True)
    actual_arrival_at = models.DateTimeField(null=True, blank=True)

    attempt = models.CharField(max_length=16, choices=Attempt.choices, blank=True, default="")
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    # The API's Idempotency-Key (caller:key) and request fingerprint: a retry after a 5xx, whose key
    # record was released, resumes this payout with its own Stripe keys instead of paying again.
    request_key = models.CharField(max_length=400, blank=True, default="")
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="dd_payouts_created")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="dd_payout_amount_positive"),
            models.UniqueConstraint(fields=["organization", "request_key"], condition=~Q(request_key=""),
                                    name="dd_payout_request_key_unique"),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-created_at"], name="dd_payout_org_status"),
            models.Index(fields=["attempt_started_at"], condition=~Q(attempt=""), name="dd_payout_attempt_open"),
        ]

    def __str__(self) -> str:
        return self.public_id


# Forward order: a later report only moves a payout to a higher rank (an old event never wins).
# FAILED ranks above PAID: Stripe documents that a bank can return a payout after it was `paid`
# (`payout.failed` follows `payout.paid`). CANCELED is terminal: only a pending payout is canceled.
RANK = {Payout.Status.PENDING: 0, Payout.Status.IN_TRANSIT: 1, Payout.Status.PAID: 2,
        Payout.Status.FAILED: 3, Payout.Status.CANCELED: 2}


def statuses_before(status: str) -> list[str]:
    return [name for name, rank in RANK.items() if rank < RANK[status] and name != Payout.Status.CANCELED]


class PayrollRunLine(models.Model):
    class Result(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(PayrollRun, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="payroll_lines")
    bank_account = models.ForeignKey(RecipientBankAccount, on_delete=models.PROTECT, related_name="payroll_lines")
    amount_cents = models.PositiveBigIntegerField()
    description = models.CharField(max_length=1000, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    result = models.CharField(max_length=16, choices=Result.choices, default=Result.QUEUED, db_index=True)
    error = models.CharField(max_length=500, blank=True)
    # One payout per line, created in the transaction that claims the line: a resumed run finds it.
    payout = models.OneToOneField(Payout, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="payroll_line")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["run", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "line_number"], name="payroll_line_number_unique"),
            models.UniqueConstraint(fields=["run", "recipient"], name="payroll_line_one_per_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.run.public_id}#{self.line_number}"
