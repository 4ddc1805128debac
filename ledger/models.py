"""The double-entry journal. Rows are append-only: PostgreSQL triggers (migration 0002) reject
UPDATE and DELETE of entries and lines, and a deferred constraint trigger rejects at commit any
entry whose lines do not sum to zero per currency, whoever writes the rows."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from oracle_ledger.ids import public_id_factory


class AccountType(models.TextChoices):
    ASSET = "asset", "Asset"
    LIABILITY = "liability", "Liability"
    EQUITY = "equity", "Equity"
    REVENUE = "revenue", "Revenue"
    EXPENSE = "expense", "Expense"


class NormalBalance(models.TextChoices):
    DEBIT = "debit", "Debit"
    CREDIT = "credit", "Credit"


class EntryKind(models.TextChoices):
    """What an entry records. Unique per source object: one entry per (source, kind)."""

    CARD_PAYMENT = "card_payment", "Card payment succeeded"
    REFUND = "refund", "Refund"
    ACH_SETTLEMENT = "ach_settlement", "ACH payment settled"
    ACH_RETURN = "ach_return", "ACH return"
    # A direct-deposit payout moves through payroll clearing: transfer in, then paid (expense) or
    # transfer reversed (money back), each exactly once per payout.
    PAYROLL_TRANSFER = "payroll_transfer", "Payroll transfer to an employee (into clearing)"
    PAYROLL_PAID = "payroll_paid", "Payroll payout paid (expense out of clearing)"
    PAYROLL_TRANSFER_REVERSAL = "payroll_transfer_reversal", "Payroll transfer reversed (failed payout)"
    # A payout the bank returned after it was paid: its PAYROLL_PAID undone before the reversal.
    PAYROLL_PAID_REVERSAL = "payroll_paid_reversal", "Payroll payout returned after paid (expense back to clearing)"
    # Before clearing, expense was booked at the transfer; kept so entries posted then stay valid.
    PAYROLL_PAYOUT = "payroll_payout", "Payroll payout (expense at transfer, before clearing)"
    PAYROLL_PAYOUT_FAILURE = "payroll_payout_failure", "Payroll payout failed (reversal, before clearing)"
    BANK_PAYOUT = "bank_payout", "Stripe payout to bank"
    BANK_PAYOUT_FAILURE = "bank_payout_failure", "Stripe payout to bank failed (reversal)"
    STRIPE_TOPUP = "stripe_topup", "Top-up of the Stripe balance from the bank"
    STRIPE_FEE = "stripe_fee", "Fee billed by Stripe as its own transaction"
    REVERSAL = "reversal", "Correction (reversal)"
    ADJUSTMENT = "adjustment", "Manual adjustment"


class Account(models.Model):
    """One account of an organisation's chart, in one currency (codes repeat per currency)."""

    organization = models.ForeignKey("identity.Organization", on_delete=models.CASCADE,
                                     related_name="ledger_accounts")
    code = models.CharField(max_length=16)
    name = models.CharField(max_length=120)
    type = models.CharField(max_length=16, choices=AccountType.choices)
    normal_balance = models.CharField(max_length=6, choices=NormalBalance.choices)
    currency = models.CharField(max_length=3, default="usd")  # lowercase ISO 4217, as Stripe sends it
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["code", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code", "currency"], name="ledger_account_code_unique"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[a-z]{3}$"), name="ledger_account_currency_lower"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name} ({self.currency})"


class JournalEntry(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=public_id_factory("je_"), editable=False)
    organization = models.ForeignKey("identity.Organization", on_delete=models.PROTECT,
                                     related_name="journal_entries")
    date = models.DateField()
    description = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=32, choices=EntryKind.choices)
    source_type = models.CharField(max_length=40)
    source_id = models.CharField(max_length=80)
    # The Stripe object whose balance transaction this entry mirrors (ch_…, re_…, po_…, tr_…);
    # reconciliation matches on it. Empty for entries that do not move the Stripe balance.
    stripe_reference = models.CharField(max_length=80, blank=True, default="")
    request_id = models.CharField(max_length=128, blank=True, default="")
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "journal entries"
        constraints = [
            models.UniqueConstraint(fields=["organization", "source_type", "source_id", "kind"],
                                    name="ledger_entry_once_per_source_kind"),
        ]
        indexes = [
            models.Index(fields=["organization", "date", "id"], name="ledger_entry_org_date"),
            models.Index(fields=["organization", "stripe_reference"], name="ledger_entry_org_stripe_ref",
                         condition=~Q(stripe_reference="")),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.kind} {self.date}"


class JournalLine(models.Model):
    """Debits positive, credits negative. `organization` and `currency` repeat the entry's and
    the account's so composite foreign keys (migration 0002) keep a line inside its organisation
    and in its account's currency."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    organization = models.ForeignKey("identity.Organization", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_cents=0), name="ledger_line_amount_nonzero"),
        ]
        indexes = [models.Index(fields=["account", "entry"], name="ledger_line_account_entry")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_cents} {self.currency}"

    @property
    def debit_cents(self) -> int:
        return max(self.amount_cents, 0)

    @property
    def credit_cents(self) -> int:
        return max(-self.amount_cents, 0)


class AccountDayTotal(models.Model):
    """Debits and credits per account and day, maintained by a trigger on journal lines in the
    inserting transaction (migration 0002), so balances read days, not lines. `slot` spreads one
    account-day over several rows (by backend pid) so concurrent postings rarely wait on one row
    lock until commit; readers sum the slots."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="day_totals")
    date = models.DateField()
    slot = models.SmallIntegerField(default=0)
    debit_cents = models.BigIntegerField(default=0)
    credit_cents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "date", "slot"], name="ledger_day_total_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.date} +{self.debit_cents} -{self.credit_cents}"


class ReconciliationRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        CLEAN = "clean", "No differences"
        DIFFERENCES = "differences", "Differences found"
        FAILED = "failed", "Failed"

    public_id = models.CharField(max_length=40, unique=True, default=public_id_factory("recon_"), editable=False)
    # None: the platform-level run (Stripe transactions no organisation owns; ops only).
    organization = models.ForeignKey("identity.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="reconciliation_runs")
    date_from = models.DateField()
    date_to = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    stripe_count = models.PositiveIntegerField(default=0)
    ledger_count = models.PositiveIntegerField(default=0)
    difference_count = models.PositiveIntegerField(default=0)
    differences = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, default="")
    triggered_by = models.CharField(max_length=80, blank=True, default="")
    request_id = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(date_from__lte=models.F("date_to")), name="ledger_recon_range_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.date_from}..{self.date_to} {self.status}"
