"""Direct deposit writes (STYLE §1): recipients, payouts, payroll runs and the sweeper."""

from direct_deposit.services.payouts import (
    payout_attempt_run,
    payout_create,
    payout_ensure_payable,
    payout_status_advance,
    payout_transfer_record,
)
from direct_deposit.services.payroll import (
    RunRequest,
    payroll_run_batch_process,
    payroll_run_dispatch,
    payroll_run_finish_if_done,
    payroll_run_progress,
    payroll_run_resume,
    payroll_run_submit,
)
from direct_deposit.services.recipients import (
    recipient_bank_account_add,
    recipient_bank_account_set_default,
    recipient_bank_data_viewed,
    recipient_create,
    recipient_sync,
    recipient_verify,
    verification_fields,
)
from direct_deposit.services.sweeper import payout_attempts_sweep

__all__ = [
    "RunRequest", "payout_attempt_run", "payout_attempts_sweep", "payout_create", "payout_ensure_payable",
    "payout_status_advance", "payout_transfer_record", "payroll_run_batch_process", "payroll_run_dispatch",
    "payroll_run_finish_if_done", "payroll_run_progress", "payroll_run_resume", "payroll_run_submit",
    "recipient_bank_account_add", "recipient_bank_account_set_default", "recipient_bank_data_viewed",
    "recipient_create", "recipient_sync", "recipient_verify", "verification_fields",
]
