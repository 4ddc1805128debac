"""The ACH codes of DESIGN §8. Each is 422: the request is readable and well-formed, but the
NACHA rules forbid the debit (a 4xx also keeps the guide's retry helper from resending it). The
details follow the guide's "Insufficient Funds (ACH)" example: `{returnCode, returnReason,
originalPaymentId}`, plus `paymentMethodId` for the account codes."""

from __future__ import annotations

from oracle_ledger.errors import DomainError, ValidationFailedError


class AchRuleError(DomainError):
    # Never raised itself; the code keeps the code -> status table consistent (422 as the guide's).
    code, http_status = "VALIDATION_ERROR", 422


class AchAccountClosedError(AchRuleError):
    code, default_message = "ACH_ACCOUNT_CLOSED", "The bank account was closed (ACH return R02)."
    suggestion = "Ask the customer for another bank account."


class AchNoAccountError(AchRuleError):
    code, default_message = "ACH_NO_ACCOUNT", "The bank account could not be located (ACH return R03)."
    suggestion = "Ask the customer to check the account details and add the account again."


class AchInvalidAccountError(AchRuleError):
    code, default_message = "ACH_INVALID_ACCOUNT", "The bank account number is invalid (ACH return R04)."
    suggestion = "Ask the customer to check the account details and add the account again."


class AchUnauthorizedError(AchRuleError):
    code, default_message = "ACH_UNAUTHORIZED", "The customer reported a debit as unauthorized."
    suggestion = "The customer is under compliance review; obtain a new written authorization first."


class AchInsufficientFundsError(AchRuleError):
    code, default_message = "ACH_INSUFFICIENT_FUNDS", "ACH payment failed due to insufficient funds"
    suggestion = "NACHA allows at most two re-presentments within 180 days; collect by other means."


class AchNotRepresentableError(ValidationFailedError):
    """A retry of a debit that did not come back R01/R09, or that was re-presented already."""

    default_message = "This ACH payment cannot be re-presented."


# The return code that disabled an account -> the error a later debit on it gets.
ERROR_FOR_DISABLING_CODE: dict[str, type[AchRuleError]] = {
    "R02": AchAccountClosedError, "R03": AchNoAccountError, "R04": AchInvalidAccountError,
    **dict.fromkeys(["R05", "R07", "R10", "R29", "R51"], AchUnauthorizedError),
}
