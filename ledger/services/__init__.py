"""Every write to the ledger. Other apps call these inside their own transaction:

    from ledger.services import card_payment_post, journal_entry_post
"""

from ledger.services.flows import (
    ach_return_post,
    ach_settlement_post,
    bank_payout_failure_post,
    bank_payout_post,
    card_payment_post,
    payroll_paid_post,
    payroll_paid_reversal_post,
    payroll_payout_failure_post,
    payroll_transfer_post,
    payroll_transfer_reversal_post,
    refund_post,
    stripe_fee_post,
    stripe_topup_post,
)
from ledger.services.posting import Line, chart_of_accounts_ensure, journal_entry_post, journal_entry_reverse
from ledger.services.reconciliation import (
    reconciliation_compare,
    reconciliation_compute,
    reconciliation_run,
    reconciliation_unattributed_compute,
)

__all__ = [
    "Line", "chart_of_accounts_ensure", "journal_entry_post", "journal_entry_reverse",
    "card_payment_post", "refund_post", "ach_settlement_post", "ach_return_post", "payroll_transfer_post",
    "payroll_paid_post", "payroll_paid_reversal_post", "payroll_transfer_reversal_post", "payroll_payout_failure_post",
    "bank_payout_post", "bank_payout_failure_post",
    "stripe_topup_post", "stripe_fee_post",
    "reconciliation_compare", "reconciliation_compute", "reconciliation_run", "reconciliation_unattributed_compute",
]
