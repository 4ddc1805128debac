"""Payment errors (STYLE §5): DomainError subclasses the API handler maps to the envelope."""

from __future__ import annotations

from oracle_ledger.errors import ResourceAlreadyExistsError, StripeError, ValidationFailedError


class PaymentDeclinedError(StripeError):
    """DESIGN §4's deliberate difference: a decline is STRIPE_ERROR with Stripe's own 402, so the
    guide's retry helper (which retries every non-4xx) does not charge a declined card again."""

    http_status, default_message = 402, "The card was declined."
    suggestion = "Ask the customer for another payment method."


class PaymentStripeUnavailableError(StripeError):
    """Stripe could not be reached: the attempt stays recorded and is finished later with the
    same Stripe idempotency key (by a retry with the same Idempotency-Key, or by the sweeper)."""

    default_message = "Stripe is unavailable; the attempt is recorded and will be completed."
    suggestion = "Retry with the same Idempotency-Key, or read the payment later."


class RefundTooLargeError(ValidationFailedError):
    default_message = "The refund exceeds the refundable amount."


class PaymentStateError(ValidationFailedError):
    """The payment's status does not allow the operation (refund a failed payment, confirm twice)."""


class PaymentBusyError(ResourceAlreadyExistsError):
    """Another operation on the payment is waiting for Stripe's answer."""

    code, http_status, default_message = (
        "IDEMPOTENCY_CONFLICT", 409, "Another operation on this payment is still in progress.")
    suggestion = "Retry after it has finished."
