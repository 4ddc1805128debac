"""Request and response shapes of the guide's Customer Management API (camelCase)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from customers import validation
from customers.models import Customer, PaymentMethod
from oracle_ledger.api.envelope import utc_timestamp

MAX_PAYMENT_METHODS_PER_REQUEST = 10


def _rule(check):
    """A DRF field validator from one of customers.validation's functions."""

    def run(value):
        try:
            return check(value)
        except validation.FieldInvalid as exc:
            raise serializers.ValidationError(exc.reason) from None

    return run


class PhoneField(serializers.CharField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        return _rule(validation.normalize_phone)(value) if value else ""


class AddressInput(serializers.Serializer):
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100)
    state = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postalCode = serializers.CharField(max_length=20, required=False, allow_blank=True)  # noqa: N815
    country = serializers.CharField(max_length=2, min_length=2, validators=[_rule(validation.validate_country)])

    def validate(self, attrs):
        # A US address must carry a valid state and ZIP; elsewhere both are free text.
        if attrs.get("country") == "US":
            errors = {}
            for name, check in (("state", validation.validate_us_state), ("postalCode", validation.validate_us_zip)):
                try:
                    attrs[name] = check(attrs.get(name) or "")
                except validation.FieldInvalid as exc:
                    errors[name] = [exc.reason if attrs.get(name) else "Required for a US address"]
            if errors:
                raise serializers.ValidationError(errors)
        return {key: value for key, value in attrs.items() if value not in ("", None)}


class MetadataField(serializers.DictField):
    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError("Must be an object")
        problems = validation.metadata_problems(data)
        too_many = [reason for suffix, reason in problems if not suffix]
        if too_many:
            raise serializers.ValidationError(too_many)
        if problems:
            raise serializers.ValidationError({suffix.lstrip("."): [reason] for suffix, reason in problems})
        return dict(data)


class UsBankAccountInput(serializers.Serializer):
    routingNumber = serializers.CharField()  # noqa: N815
    accountNumber = serializers.CharField(write_only=True)  # noqa: N815
    accountHolderName = serializers.CharField(max_length=200)  # noqa: N815
    accountHolderType = serializers.ChoiceField(choices=["individual", "company"])  # noqa: N815
    accountType = serializers.ChoiceField(choices=["checking", "savings"])  # noqa: N815

    def validate_routingNumber(self, value):  # noqa: N802
        if not validation.routing_number_valid(value):
            raise serializers.ValidationError("Invalid routing number (9 digits passing the ABA checksum)")
        return value

    def validate_accountNumber(self, value):  # noqa: N802
        if not validation.ACCOUNT_NUMBER.fullmatch(value):
            raise serializers.ValidationError("Account number must be 4 to 17 digits")
        return value


class PaymentMethodInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=PaymentMethod.Type.values)
    token = serializers.CharField(required=False, max_length=255)
    usBankAccount = UsBankAccountInput(required=False)  # noqa: N815
    isDefault = serializers.BooleanField(required=False, default=False)  # noqa: N815

    def validate(self, attrs):
        if attrs["type"] == PaymentMethod.Type.CARD:
            token = attrs.get("token")
            if not token:
                raise serializers.ValidationError({"token": ["Required for a card"]})
            if not token.startswith(("tok_", "pm_")):
                raise serializers.ValidationError(
                    {"token": ["Must be a Stripe token (tok_…) or PaymentMethod id (pm_…)"]})
        elif not attrs.get("usBankAccount"):
            raise serializers.ValidationError({"usBankAccount": ["Required for a US bank account"]})
        return attrs


def _one_default(methods: list[dict]) -> list[dict]:
    if sum(1 for method in methods if method.get("isDefault")) > 1:
        raise serializers.ValidationError("At most one payment method can be the default")
    return methods


class CustomerUpdateInput(serializers.Serializer):
    firstName = serializers.CharField(max_length=100, required=False)  # noqa: N815
    lastName = serializers.CharField(max_length=100, required=False)  # noqa: N815
    email = serializers.EmailField(max_length=254, required=False, error_messages={"invalid": "Invalid email format"})
    phone = PhoneField(max_length=40, required=False, allow_blank=True)
    billingAddress = AddressInput(required=False, allow_null=True)  # noqa: N815
    shippingAddress = AddressInput(required=False, allow_null=True)  # noqa: N815
    customerId = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True)  # noqa: N815
    metadata = MetadataField(required=False)


class CustomerCreateInput(CustomerUpdateInput):
    firstName = serializers.CharField(max_length=100)  # noqa: N815
    lastName = serializers.CharField(max_length=100)  # noqa: N815
    email = serializers.EmailField(max_length=254, error_messages={"invalid": "Invalid email format"})
    paymentMethods = serializers.ListField(  # noqa: N815
        child=PaymentMethodInput(), required=False, max_length=MAX_PAYMENT_METHODS_PER_REQUEST,
        validators=[_one_default])


# Python names of the API's customer fields, for services and the audit diff.
CUSTOMER_FIELDS = {"firstName": "first_name", "lastName": "last_name", "email": "email", "phone": "phone",
                   "billingAddress": "billing_address", "shippingAddress": "shipping_address",
                   "customerId": "customer_id", "metadata": "metadata"}


def customer_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {CUSTOMER_FIELDS[key]: value for key, value in data.items() if key in CUSTOMER_FIELDS}


def payment_method_data(pm: PaymentMethod, *, full: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {"id": pm.public_id, "type": pm.type}
    if pm.type == PaymentMethod.Type.CARD:
        data.update(brand=pm.card_brand, last4=pm.card_last4, expMonth=pm.card_exp_month, expYear=pm.card_exp_year)
    else:
        data.update(bankName=pm.bank_name, last4=pm.bank_last4, routingNumber=pm.bank_routing_number,
                    accountType=pm.bank_account_type, accountHolderType=pm.bank_account_holder_type,
                    mandateId=pm.stripe_mandate_id or None)
    if full:
        data.update(isDefault=pm.is_default, status=pm.status, createdAt=utc_timestamp(pm.created_at))
        if pm.status == PaymentMethod.Status.DISABLED:
            data["disabledReason"] = pm.disabled_reason
    return data


def statistics_data(customer: Customer, *, full: bool = True) -> dict[str, Any]:
    """From the annotations of selectors.customer_statistics_annotate."""
    data = {"totalPayments": customer.stat_total_payments, "totalAmountCents": customer.stat_total_amount_cents}
    if full:
        last = customer.stat_last_payment_at
        data.update(averagePaymentCents=customer.stat_average_payment_cents,
                    lastPaymentDate=utc_timestamp(last) if last else None)
    return data


def _base(customer: Customer) -> dict[str, Any]:
    return {"id": customer.public_id, "stripeCustomerId": customer.stripe_customer_id or None,
            "firstName": customer.first_name, "lastName": customer.last_name, "email": customer.email}


def customer_data(customer: Customer, *, payment_methods: list[PaymentMethod] | None = None) -> dict[str, Any]:
    """The guide's full customer (create, retrieve, update). `payment_methods` given: the
    retrieve shape with the list and statistics; otherwise the create shape."""
    data = {**_base(customer), "phone": customer.phone or None, "billingAddress": customer.billing_address,
            "shippingAddress": customer.shipping_address, "customerId": customer.customer_id,
            "metadata": customer.metadata}
    default = customer.default_payment_method
    data["defaultPaymentMethod"] = payment_method_data(default, full=False) if default else None
    if payment_methods is not None:
        data["paymentMethods"] = [payment_method_data(pm) for pm in payment_methods]
        data["statistics"] = statistics_data(customer)
    data.update(createdAt=utc_timestamp(customer.created_at), updatedAt=utc_timestamp(customer.updated_at),
                active=customer.active)
    if not customer.active:
        data["deletedAt"] = utc_timestamp(customer.deleted_at) if customer.deleted_at else None
    return data


def customer_list_item(customer: Customer) -> dict[str, Any]:
    default = customer.default_payment_method
    return {**_base(customer), "customerId": customer.customer_id,
            "defaultPaymentMethod": {"brand": default.card_brand or None, "last4": default.last4,
                                     "type": default.type} if default else None,
            "statistics": statistics_data(customer, full=False),
            "createdAt": utc_timestamp(customer.created_at), "active": customer.active}
