"""Request and response shapes of the guide's Direct Deposit API (camelCase). Field rules reuse
customers.validation (phone, address, ABA routing checksum, account number digits)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rest_framework import serializers

from customers import validation
from customers.serializers import AddressInput, MetadataField, PhoneField
from direct_deposit.models import Payout, PayrollRun, PayrollRunLine, Recipient, RecipientBankAccount
from oracle_ledger.api.envelope import utc_timestamp
from payments.serializers import StrictAmountField

SSN_LAST4 = re.compile(r"\d{4}")
CURRENCIES = ("usd",)  # Connect custom accounts here are US individuals paid in dollars
MAX_BANK_ACCOUNTS_PER_REQUEST = 5
MAX_PAYROLL_LINES = 10_000


class BankAccountInput(serializers.Serializer):
    accountHolderName = serializers.CharField(max_length=200)  # noqa: N815
    bankName = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")  # noqa: N815
    routingNumber = serializers.CharField()  # noqa: N815
    accountNumber = serializers.CharField(write_only=True, trim_whitespace=False)  # noqa: N815
    accountType = serializers.ChoiceField(choices=RecipientBankAccount.AccountType.values)  # noqa: N815
    isDefault = serializers.BooleanField(required=False, default=False)  # noqa: N815

    def validate_routingNumber(self, value):  # noqa: N802
        if not validation.routing_number_valid(value):
            raise serializers.ValidationError("Invalid routing number (9 digits passing the ABA checksum)")
        return value

    def validate_accountNumber(self, value):  # noqa: N802
        if not validation.ACCOUNT_NUMBER.fullmatch(value):
            raise serializers.ValidationError("Account number must be 4 to 17 digits")
        return value


def _one_default(accounts: list[dict]) -> list[dict]:
    if sum(1 for account in accounts if account.get("isDefault")) > 1:
        raise serializers.ValidationError("At most one bank account can be the default")
    return accounts


class USAddressInput(AddressInput):
    def validate_country(self, value: str) -> str:
        if value != "US":
            raise serializers.ValidationError("Direct deposit recipients must have a US address")
        return value


class RecipientCreateInput(serializers.Serializer):
    employeeId = serializers.CharField(max_length=100)  # noqa: N815
    firstName = serializers.CharField(max_length=100)  # noqa: N815
    lastName = serializers.CharField(max_length=100)  # noqa: N815
    email = serializers.EmailField(max_length=254, error_messages={"invalid": "Invalid email format"})
    phone = PhoneField(max_length=40)
    dateOfBirth = serializers.DateField(input_formats=["%Y-%m-%d"])  # noqa: N815
    ssnLast4 = serializers.CharField(trim_whitespace=False)  # noqa: N815
    address = USAddressInput()
    bankAccounts = serializers.ListField(  # noqa: N815
        child=BankAccountInput(), min_length=1, max_length=MAX_BANK_ACCOUNTS_PER_REQUEST, validators=[_one_default])

    def validate_ssnLast4(self, value):  # noqa: N802
        if not SSN_LAST4.fullmatch(value):
            raise serializers.ValidationError("Must be exactly the last 4 digits of the SSN")
        return value

    def validate_dateOfBirth(self, value):  # noqa: N802
        from ledger import clock

        if value >= clock.today():
            raise serializers.ValidationError("Date of birth must be in the past")
        if value.year < 1900:
            raise serializers.ValidationError("Date of birth must be 1900 or later")
        return value


class PayoutCreateInput(serializers.Serializer):
    recipientId = serializers.CharField(max_length=48)  # noqa: N815
    amount = StrictAmountField()
    currency = serializers.CharField(max_length=10)
    description = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    payPeriodStart = serializers.DateField(input_formats=["%Y-%m-%d"], required=False, allow_null=True)  # noqa: N815
    payPeriodEnd = serializers.DateField(input_formats=["%Y-%m-%d"], required=False, allow_null=True)  # noqa: N815
    bankAccountId = serializers.CharField(max_length=40, required=False, allow_null=True)  # noqa: N815
    metadata = MetadataField(required=False, default=dict)

    def validate_currency(self, value: str) -> str:
        if value not in CURRENCIES:
            raise serializers.ValidationError("Must be usd (direct deposit pays US bank accounts)")
        return value

    def validate(self, attrs):
        return _period_checked(attrs)


def _period_checked(attrs: dict) -> dict:
    start, end = attrs.get("payPeriodStart"), attrs.get("payPeriodEnd")
    if start and end and start > end:
        raise serializers.ValidationError({"payPeriodEnd": ["payPeriodStart must be on or before payPeriodEnd"]})
    return attrs


class PayrollLineInput(serializers.Serializer):
    """One payout of a payroll run: the recipient by `recipientId` or by `employeeId`."""

    recipientId = serializers.CharField(max_length=48, required=False)  # noqa: N815
    employeeId = serializers.CharField(max_length=100, required=False)  # noqa: N815
    amount = StrictAmountField()
    bankAccountId = serializers.CharField(max_length=40, required=False, allow_null=True)  # noqa: N815
    description = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    metadata = MetadataField(required=False, default=dict)

    def validate(self, attrs):
        if not attrs.get("recipientId") and not attrs.get("employeeId"):
            raise serializers.ValidationError({"recipientId": ["recipientId or employeeId is required"]})
        return attrs


class PayrollRunCreateInput(serializers.Serializer):
    payrollId = serializers.CharField(max_length=100)  # noqa: N815
    description = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    currency = serializers.CharField(max_length=10, required=False, default="usd")
    payPeriodStart = serializers.DateField(input_formats=["%Y-%m-%d"], required=False, allow_null=True)  # noqa: N815
    payPeriodEnd = serializers.DateField(input_formats=["%Y-%m-%d"], required=False, allow_null=True)  # noqa: N815
    # Lines are checked one by one in services.payroll so that every bad line is named.
    payouts = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=MAX_PAYROLL_LINES)

    def validate_currency(self, value: str) -> str:
        if value not in CURRENCIES:
            raise serializers.ValidationError("Must be usd (direct deposit pays US bank accounts)")
        return value

    def validate(self, attrs):
        return _period_checked(attrs)


# --- Output ------------------------------------------------------------------------------------------

def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _ts(value: dt.datetime | None) -> str | None:
    return utc_timestamp(value) if value else None


def bank_account_data(bank: RecipientBankAccount, *, full: bool = True) -> dict[str, Any]:
    data = {"bankName": bank.bank_name or None, "last4": bank.last4, "accountType": bank.account_type,
            "isDefault": bank.is_default, "isVerified": bank.is_verified}
    if full:
        data = {"id": bank.public_id, **data, "status": bank.status, "routingNumber": bank.routing_number,
                "accountHolderName": bank.account_holder_name}
    return data


def recipient_data(recipient: Recipient) -> dict[str, Any]:
    """The guide's Create Recipient body (Retrieve answers the same)."""
    return {
        "id": recipient.public_id, "stripeAccountId": recipient.stripe_account_id or None,
        "employeeId": recipient.employee_id, "firstName": recipient.first_name, "lastName": recipient.last_name,
        "email": recipient.email, "phone": recipient.phone, "dateOfBirth": _date(recipient.date_of_birth),
        "ssnLast4": recipient.ssn_last4, "address": recipient.address, **_verification(recipient),
        "requirements": recipient.requirements or {}, "active": recipient.active,
        "bankAccounts": [bank_account_data(b) for b in recipient.bank_accounts.all()],
        "createdAt": utc_timestamp(recipient.created_at), "updatedAt": utc_timestamp(recipient.updated_at),
    }


def _verification(recipient: Recipient) -> dict[str, Any]:
    return {"verificationStatus": recipient.verification_status, "accountStatus": recipient.account_status,
            "kycStatus": recipient.kyc_status, "chargesEnabled": recipient.charges_enabled,
            "transfersEnabled": recipient.transfers_enabled, "payoutsEnabled": recipient.payouts_enabled}


def recipient_list_item(recipient: Recipient) -> dict[str, Any]:
    return {
        "id": recipient.public_id, "stripeAccountId": recipient.stripe_account_id or None,
        "employeeId": recipient.employee_id, "firstName": recipient.first_name, "lastName": recipient.last_name,
        "email": recipient.email, **_verification(recipient),
        "bankAccounts": [bank_account_data(b, full=False) for b in recipient.bank_accounts.all()],
        "createdAt": utc_timestamp(recipient.created_at),
    }


def payout_data(payout: Payout) -> dict[str, Any]:
    """The guide's Process Payment and Retrieve Payout bodies in one (a superset of both)."""
    bank = payout.bank_account
    fees = None if payout.fee_cents is None else {"stripeFeeAmount": payout.fee_cents, "netAmount": payout.net_cents}
    return {
        "id": payout.public_id, "stripePayoutId": payout.stripe_payout_id or None,
        "stripeTransferId": payout.stripe_transfer_id or None, "object": "payout", "amount": payout.amount_cents,
        "currency": payout.currency, "status": payout.status, "recipientId": payout.recipient.public_id,
        "description": payout.description or None, "payPeriodStart": _date(payout.pay_period_start),
        "payPeriodEnd": _date(payout.pay_period_end), "metadata": payout.metadata,
        "bankAccount": {"id": bank.public_id, "bankName": bank.bank_name or None, "last4": bank.last4,
                        "accountType": bank.account_type},
        "scheduledPayoutDate": _date(payout.scheduled_date), "actualPayoutDate": _ts(payout.actual_payout_at),
        "estimatedArrivalDate": _ts(payout.estimated_arrival_at), "actualArrivalDate": _ts(payout.actual_arrival_at),
        "method": "standard", "fees": fees, "failureReason": payout.failure_reason or None,
        "failureCode": payout.failure_code or None,
        "payrollRunId": payout.payroll_run.public_id if payout.payroll_run_id else None,
        "createdAt": utc_timestamp(payout.created_at), "updatedAt": utc_timestamp(payout.updated_at),
    }


def payroll_run_data(run: PayrollRun, progress: dict[str, int], lines: list[PayrollRunLine] | None = None
                     ) -> dict[str, Any]:
    done = progress.get("sent", 0) + progress.get("failed", 0)
    data = {
        "id": run.public_id, "payrollId": run.payroll_id, "status": run.status, "description": run.description or None,
        "currency": run.currency, "payPeriodStart": _date(run.pay_period_start),
        "payPeriodEnd": _date(run.pay_period_end), "totalAmount": run.total_cents, "payoutCount": run.line_count,
        "progress": {"total": run.line_count, "queued": progress.get("queued", 0),
                     "processing": progress.get("processing", 0), "sent": progress.get("sent", 0),
                     "failed": progress.get("failed", 0),
                     "percent": (100 * done // run.line_count) if run.line_count else 100},
        "createdAt": utc_timestamp(run.created_at), "startedAt": _ts(run.started_at),
        "completedAt": _ts(run.completed_at),
    }
    if lines is not None:
        data["lines"] = [{"line": line.line_number, "recipientId": line.recipient.public_id,
                          "amount": line.amount_cents, "result": line.result, "error": line.error or None,
                          "payoutId": line.payout.public_id if line.payout_id else None} for line in lines]
    return data
