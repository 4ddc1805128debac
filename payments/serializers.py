"""Request and response shapes of the guide's Payment Processing API (camelCase). Rules that are
data live in payments.validation; these only apply them to the fields."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from customers.serializers import MetadataField
from oracle_ledger.api.envelope import utc_timestamp
from payments import validation
from payments.models import Payment, Refund


class StrictAmountField(serializers.IntegerField):
    """An integer number of cents, and nothing that merely looks like one: DRF's IntegerField
    would take "2599" and 2599.0, and money must never pass through a float or a string. (An
    IntegerField subclass so the OpenAPI schema says integer.)"""

    def __init__(self, *, minimum: int = 1, **kwargs):
        self.minimum = minimum
        super().__init__(min_value=minimum, max_value=validation.MAXIMUM_AMOUNT_CENTS, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            raise serializers.ValidationError("Must be an integer number of cents (not a string or a decimal)")
        if data < self.minimum:
            raise serializers.ValidationError(f"Must be at least {self.minimum}" if data >= 0 else
                                              "Must not be negative")
        if data > validation.MAXIMUM_AMOUNT_CENTS:
            raise serializers.ValidationError(f"Must be at most {validation.MAXIMUM_AMOUNT_CENTS}")
        return data

    def to_representation(self, value):
        return value


def _statement_descriptor(value: str) -> str:
    if len(value) > validation.STATEMENT_DESCRIPTOR_MAX:
        raise serializers.ValidationError(f"At most {validation.STATEMENT_DESCRIPTOR_MAX} characters")
    if any(c in value for c in validation.STATEMENT_DESCRIPTOR_FORBIDDEN):
        raise serializers.ValidationError("May not contain < > \\ ' or \"")
    return value


class PaymentCreateInput(serializers.Serializer):
    customerId = serializers.CharField(max_length=40)  # noqa: N815
    amount = StrictAmountField()
    currency = serializers.CharField(max_length=10)
    description = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    paymentMethodId = serializers.CharField(max_length=40, required=False, allow_null=True)  # noqa: N815
    confirm = serializers.BooleanField(required=False, default=True)
    metadata = MetadataField(required=False, default=dict)
    statementDescriptor = serializers.CharField(required=False, allow_blank=True, default="",  # noqa: N815
                                                trim_whitespace=False, validators=[_statement_descriptor])
    receiptEmail = serializers.EmailField(max_length=254, required=False, allow_blank=True)  # noqa: N815

    def validate_currency(self, value: str) -> str:
        if value not in validation.MINIMUM_AMOUNT_CENTS:
            raise serializers.ValidationError(
                f"Must be a supported lowercase ISO 4217 code: {', '.join(validation.MINIMUM_AMOUNT_CENTS)}")
        return value

    def validate(self, attrs):
        minimum = validation.MINIMUM_AMOUNT_CENTS[attrs["currency"]]
        if attrs["amount"] < minimum:
            raise serializers.ValidationError(
                {"amount": [f"Must be at least {minimum} (Stripe's minimum for {attrs['currency']})"]})
        return attrs


class RefundCreateInput(serializers.Serializer):
    amount = StrictAmountField(required=False)
    reason = serializers.ChoiceField(choices=Refund.Reason.values, required=False, allow_blank=True, default="")
    metadata = MetadataField(required=False, default=dict)


def _charges(payment: Payment) -> dict[str, Any]:
    if not payment.stripe_charge_id:
        return {"data": []}
    charge = {"id": payment.stripe_charge_id, "amount": payment.amount_cents, "currency": payment.currency,
              "status": payment.charge_status or None, "receiptUrl": payment.receipt_url or None,
              "billingDetails": {"name": (payment.billing_details or {}).get("name"),
                                 "email": (payment.billing_details or {}).get("email")}}
    if payment.failure_code:
        charge.update(failureCode=payment.failure_code, failureMessage=payment.failure_message or None)
    return {"data": [charge]}


def _fees(payment: Payment) -> dict[str, Any] | None:
    if payment.fee_cents is None:
        return None
    return {"applicationFeeAmount": 0, "stripeFeeAmount": payment.fee_cents, "netAmount": payment.net_cents}


def payment_data(payment: Payment) -> dict[str, Any]:
    """The guide's Retrieve Payment body (Create answers the same, a superset of its example)."""
    data = {
        "id": payment.public_id, "object": "payment_intent", "amount": payment.amount_cents,
        "currency": payment.currency, "status": payment.status, "customer": payment.customer.public_id,
        "paymentMethod": payment.payment_method.public_id, "description": payment.description or None,
        "statementDescriptor": payment.statement_descriptor or None, "receiptEmail": payment.receipt_email or None,
        "metadata": payment.metadata, "charges": _charges(payment), "fees": _fees(payment),
        "amountRefunded": payment.refunded_cents, "stripePaymentIntentId": payment.stripe_payment_intent_id or None,
        "transfer": None, "createdAt": utc_timestamp(payment.created_at), "updatedAt": utc_timestamp(payment.updated_at),
    }
    if payment.failure_code:
        data["lastPaymentError"] = {"code": payment.failure_code, "declineCode": payment.decline_code or None,
                                    "message": payment.failure_message or None}
    if payment.stripe_dispute_id:
        data["dispute"] = {"id": payment.stripe_dispute_id, "status": payment.dispute_status,
                           "reason": payment.dispute_reason, "amount": payment.dispute_amount_cents}
    return data


def payment_list_item(payment: Payment) -> dict[str, Any]:
    return {"id": payment.public_id, "amount": payment.amount_cents, "currency": payment.currency,
            "status": payment.status, "customer": payment.customer.public_id,
            "description": payment.description or None, "createdAt": utc_timestamp(payment.created_at)}


def refund_data(refund: Refund) -> dict[str, Any]:
    payment = refund.payment
    return {"id": refund.public_id, "object": "refund", "amount": refund.amount_cents, "currency": payment.currency,
            "status": refund.status, "paymentIntent": payment.public_id, "charge": payment.stripe_charge_id or None,
            "reason": refund.reason or None, "metadata": refund.metadata,
            "stripeRefundId": refund.stripe_refund_id or None, "createdAt": utc_timestamp(refund.created_at)}
