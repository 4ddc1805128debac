"""Request and response shapes of the guide's ACH Payments API (camelCase). The NACHA rules are
checked by the services (ach/services/rules.py), not here: these only read the fields."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from ach.models import AchPayment, AchReturn
from customers.serializers import MetadataField
from oracle_ledger.api.envelope import utc_timestamp
from payments.serializers import StrictAmountField, _statement_descriptor
from payments.validation import MINIMUM_AMOUNT_CENTS


class AchPaymentCreateInput(serializers.Serializer):
    customerId = serializers.CharField(max_length=40)  # noqa: N815
    paymentMethodId = serializers.CharField(max_length=40)  # noqa: N815
    amount = StrictAmountField(minimum=MINIMUM_AMOUNT_CENTS["usd"])
    currency = serializers.CharField(max_length=10)
    description = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    achClassCode = serializers.ChoiceField(choices=AchPayment.ClassCode.values)  # noqa: N815
    scheduledDate = serializers.DateField(required=False, allow_null=True, default=None,  # noqa: N815
                                          input_formats=["%Y-%m-%d"])
    metadata = MetadataField(required=False, default=dict)
    statementDescriptor = serializers.CharField(required=False, allow_blank=True, default="",  # noqa: N815
                                                trim_whitespace=False, validators=[_statement_descriptor])
    applicationFee = StrictAmountField(minimum=0, required=False, default=0)  # noqa: N815

    def validate_applicationFee(self, value: int) -> int:  # noqa: N802
        if value:
            raise serializers.ValidationError("Application fees need a Connect destination; ACH debits here "
                                              "are for the platform itself, so only 0 is accepted")
        return value


class AchPaymentRetryInput(serializers.Serializer):
    scheduledDate = serializers.DateField(required=False, allow_null=True, default=None,  # noqa: N815
                                          input_formats=["%Y-%m-%d"])


def _moment(value) -> str | None:
    return utc_timestamp(value) if value else None


def _ach_details(payment: AchPayment, *, full: bool) -> dict[str, Any]:
    details = {"classCode": payment.class_code, "companyName": settings.ACH_COMPANY_NAME,
               "companyIdentification": settings.ACH_COMPANY_ID,
               "scheduledDate": payment.scheduled_date.isoformat()}
    if full:
        details["processedDate"] = _moment(payment.submitted_at)
    details["estimatedSettlementDate"] = payment.estimated_settlement_date.isoformat()
    if full:
        details["actualSettlementDate"] = _moment(payment.settled_at)
    return details


def _bank_account(payment: AchPayment, *, full: bool) -> dict[str, Any]:
    pm = payment.payment_method
    account = {"bankName": pm.bank_name or None, "last4": pm.last4 or None}
    if full:
        account["accountType"] = pm.bank_account_type or None
    return account


def _representment(payment: AchPayment) -> dict[str, Any]:
    return {"presentment": payment.presentment,
            "originalPaymentId": payment.original_payment.public_id if payment.original_payment_id else None,
            "representsPaymentId": payment.represents.public_id if payment.represents_id else None}


def ach_payment_created(payment: AchPayment) -> dict[str, Any]:
    """The guide's create (200) answer."""
    return {"id": payment.public_id, "object": "payment_intent", "amount": payment.amount_cents,
            "currency": payment.currency, "status": payment.status, "customer": payment.customer.public_id,
            "paymentMethod": payment.payment_method.public_id, "achDetails": _ach_details(payment, full=False),
            "nextAction": None, "stripePaymentIntentId": payment.stripe_payment_intent_id or None,
            **_representment(payment), "createdAt": utc_timestamp(payment.created_at)}


def ach_payment_data(payment: AchPayment) -> dict[str, Any]:
    """The guide's retrieve answer."""
    return {"id": payment.public_id, "object": "payment_intent", "amount": payment.amount_cents,
            "currency": payment.currency, "status": payment.status, "customer": payment.customer.public_id,
            "paymentMethod": payment.payment_method.public_id, "description": payment.description or None,
            "achDetails": _ach_details(payment, full=True), "bankAccount": _bank_account(payment, full=True),
            "returnCode": payment.return_code or None, "returnReason": payment.return_reason or None,
            "fee": payment.fee_cents, "metadata": payment.metadata,
            "statementDescriptor": payment.statement_descriptor or None,
            "stripePaymentIntentId": payment.stripe_payment_intent_id or None, **_representment(payment),
            "createdAt": utc_timestamp(payment.created_at), "updatedAt": utc_timestamp(payment.updated_at)}


def ach_payment_list_item(payment: AchPayment) -> dict[str, Any]:
    return {"id": payment.public_id, "amount": payment.amount_cents, "currency": payment.currency,
            "status": payment.status, "customer": payment.customer.public_id,
            "description": payment.description or None, "scheduledDate": payment.scheduled_date.isoformat(),
            "bankAccount": _bank_account(payment, full=False), "createdAt": utc_timestamp(payment.created_at)}


def ach_return_data(ret: AchReturn) -> dict[str, Any]:
    return {"id": ret.public_id, "achPaymentId": ret.ach_payment.public_id, "returnCode": ret.return_code,
            "returnReason": ret.return_reason, "returnedAt": utc_timestamp(ret.returned_at),
            "adjustedAmount": ret.adjusted_amount_cents, "corrected": ret.corrected, "notes": ret.notes or None,
            "category": ret.category, "late": ret.late, "ruleApplied": ret.rule_applied,
            "stripeFailureCode": ret.stripe_failure_code or None}
