"""Card payment and refund writes (issue 7)."""

from payments.services.payments import payment_attempt_run, payment_cancel, payment_confirm, payment_create
from payments.services.refunds import payment_refund, refund_attempt_run
from payments.services.status import (
    outcome_from_intent,
    payment_status_advance,
    refund_status_advance,
)
from payments.services.sweeper import payment_attempts_sweep

__all__ = ["payment_attempt_run", "payment_cancel", "payment_confirm", "payment_create", "payment_refund",
           "refund_attempt_run", "outcome_from_intent", "payment_status_advance", "refund_status_advance",
           "payment_attempts_sweep"]
