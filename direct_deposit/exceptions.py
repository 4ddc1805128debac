"""Direct deposit errors (STYLE §5): DomainError subclasses the API handler maps to the envelope."""

from __future__ import annotations

from oracle_ledger.errors import DomainError, ResourceAlreadyExistsError, StripeError


class RecipientNotVerifiedError(DomainError):
    """DESIGN §4/§8: a payout to a recipient whose payouts Stripe has not enabled."""

    code, http_status, default_message = (
        "RECIPIENT_NOT_VERIFIED", 409, "The recipient's payouts are not enabled: identity verification is not complete.")
    suggestion = "Wait for Stripe to verify the recipient (see verificationStatus), then retry."


class RecipientExistsError(ResourceAlreadyExistsError):
    """DESIGN §9: a second active recipient for one employeeId."""

    default_message = "An active recipient already exists for this employeeId."
    suggestion = "Use the existing recipient, or deactivate it first."


class PayrollRunConflictError(ResourceAlreadyExistsError):
    """The payrollId was already submitted with different content: a payroll id names one run."""

    default_message = "A payroll run with this payrollId already exists with different content."
    suggestion = "Use a new payrollId for a different run; resubmitting the same content returns the existing run."


class DirectDepositStripeUnavailableError(StripeError):
    """Stripe could not be reached: the attempt stays recorded and is finished later by the sweeper
    with the same Stripe idempotency keys, so nothing is paid twice."""

    default_message = "Stripe is unavailable; the payout is recorded and will be completed."
    suggestion = "Read the payout later; do not create it again."
