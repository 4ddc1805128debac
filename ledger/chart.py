"""The chart of accounts of DESIGN §7, seeded for every organisation. Other apps name accounts by
these codes (never by database id): `from ledger.chart import STRIPE_BALANCE`."""

from __future__ import annotations

from typing import NamedTuple

STRIPE_BALANCE = "1010"
STRIPE_PENDING = "1020"
OPERATING_BANK = "1030"
ACCOUNTS_RECEIVABLE = "1100"
PAYROLL_CLEARING = "2100"
SALES_REVENUE = "4000"
REFUNDS = "4100"  # contra revenue: debit balance inside the revenue section
ACH_RETURNS = "4200"  # contra revenue, as refunds: money we recognised and then lost
PROCESSING_FEES = "5000"
PAYROLL_EXPENSE = "6000"

# Accounts whose movements Stripe sees as balance transactions: reconciliation reads these.
STRIPE_ACCOUNTS = (STRIPE_BALANCE, STRIPE_PENDING)


class ChartAccount(NamedTuple):
    code: str
    name: str
    type: str  # ledger.models.AccountType value
    normal_balance: str  # "debit" | "credit"


CHART: tuple[ChartAccount, ...] = (
    ChartAccount(STRIPE_BALANCE, "Stripe balance", "asset", "debit"),
    ChartAccount(STRIPE_PENDING, "Stripe pending", "asset", "debit"),
    ChartAccount(OPERATING_BANK, "Operating bank", "asset", "debit"),
    ChartAccount(ACCOUNTS_RECEIVABLE, "Accounts receivable", "asset", "debit"),
    ChartAccount(PAYROLL_CLEARING, "Payroll clearing", "liability", "credit"),
    ChartAccount(SALES_REVENUE, "Sales revenue", "revenue", "credit"),
    ChartAccount(REFUNDS, "Refunds (contra revenue)", "revenue", "debit"),
    ChartAccount(ACH_RETURNS, "ACH returns", "revenue", "debit"),
    ChartAccount(PROCESSING_FEES, "Processing fees", "expense", "debit"),
    ChartAccount(PAYROLL_EXPENSE, "Payroll expense", "expense", "debit"),
)

DEFAULT_CURRENCY = "usd"
