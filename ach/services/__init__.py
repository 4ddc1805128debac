"""Every write of the ACH app (issue 9).

    debits      create a debit, re-present a returned one
    submission  send a due debit to Stripe (at creation, the daily task, the sandbox clock's hook)
    lifecycle   apply what Stripe reports: processing, settled (ledger), returned (rules, reversal)
    returns     the returns sweep behind `manage.py process_ach_returns`
"""

from ach.services.debits import AchDebitRequest, ach_payment_create, ach_payment_retry
from ach.services.lifecycle import ach_intent_apply, ach_return_record
from ach.services.returns import ach_returns_process
from ach.services.submission import ach_due_submit, ach_payment_submit

__all__ = ["AchDebitRequest", "ach_due_submit", "ach_intent_apply", "ach_payment_create", "ach_payment_retry",
           "ach_payment_submit", "ach_return_record", "ach_returns_process"]
