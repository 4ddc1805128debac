"""Gateway failures as the API reports them (decided for issue 6):

- Stripe unreachable, 5xx or rate limited: STRIPE_ERROR 502, nothing saved; safe to retry.
- Stripe rejects what the CLIENT sent (a bad or used token, a bank account Stripe refuses):
  VALIDATION_ERROR 422 naming the request field. It is the client's input, and a 4xx keeps the
  guide's retry helper from resending it; a 502 would invite pointless retries.
- A card declined while being attached: STRIPE_ERROR 402 (DESIGN §4), naming the field.
- Stripe rejects what WE built (a bug): STRIPE_ERROR 502 with Stripe's code and message."""

from __future__ import annotations

from oracle_ledger import gateway
from oracle_ledger.api.errors import redact
from oracle_ledger.errors import StripeError, ValidationFailedError


class PaymentMethodDeclinedError(StripeError):
    http_status, default_message = 402, "The card was declined."


def _stripe_details(exc: gateway.GatewayError) -> dict:
    return {"stripeErrorCode": getattr(exc, "code", None), "stripeMessage": str(exc),
            "stripeType": type(exc).__name__}


def stripe_error(exc: gateway.GatewayError, *, field: str | None = None, value=None) -> Exception:
    """The DomainError for a gateway failure; `field` names the client input being sent."""
    if isinstance(exc, gateway.CardDeclined):
        return PaymentMethodDeclinedError(details={**_stripe_details(exc), "declineCode": exc.decline_code,
                                                   "field": field})
    if isinstance(exc, gateway.StripeRejected) and field:
        return ValidationFailedError("Stripe rejected the payment method.", details=[
            {"field": field, "reason": str(exc), "value": redact(field, value)}])
    if isinstance(exc, gateway.StripeUnavailable):
        return StripeError("Stripe is unavailable; nothing was saved. Retry later.", details=_stripe_details(exc))
    return StripeError(details=_stripe_details(exc))
