"""Card payments and their refunds (issue 7, DESIGN §7-8).

A payment row is committed BEFORE Stripe is called (status `pending`, `attempt_*` set), so a crash
between the Stripe call and the second transaction leaves a row the sweeper finishes with the same
Stripe idempotency key (DESIGN §6). Statuses only move forward (`RANK`); refunds reserve their
amount in `refunded_cents` under a row lock before Stripe is called, and the CHECK constraint is
the last guard that refunds never exceed the amount."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from oracle_ledger.ids import public_id_factory


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending (Stripe's answer not recorded yet)"
        REQUIRES_PAYMENT_METHOD = "requires_payment_method", "Requires payment method"
        REQUIRES_CONFIRMATION = "requires_confirmation", "Requires confirmation"
        REQUIRES_ACTION = "requires_action", "Requires action"
        PROCESSING = "processing", "Processing"
        REQUIRES_CAPTURE = "requires_capture", "Requires capture"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    class Attempt(models.TextChoices):
        NONE = "", "None"
        CREATE = "create", "Create"
        CONFIRM = "confirm", "Confirm"
        CANCEL = "cancel", "Cancel"

    organization = models.ForeignKey("identity.Organization", on_delete=models.PROTECT, related_name="payments")
    public_id = models.CharField(max_length=40, unique=True, default=public_id_factory("pi_"), editable=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="payments")
    payment_method = models.ForeignKey("customers.PaymentMethod", on_delete=models.PROTECT, related_name="payments")

    amount_cents = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)  # lowercase ISO 4217, as Stripe sends it
    description = models.CharField(max_length=1000, blank=True)
    statement_descriptor = models.CharField(max_length=22, blank=True)
    receipt_email = models.EmailField(max_length=254, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.PENDING, db_index=True)

    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True, db_index=True)
    charge_status = models.CharField(max_length=32, blank=True)
    receipt_url = models.CharField(max_length=500, blank=True)
    billing_details = models.JSONField(default=dict, blank=True)  # {name, email} of the charge
    failure_code = models.CharField(max_length=64, blank=True)
    decline_code = models.CharField(max_length=64, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)

    fee_cents = models.BigIntegerField(null=True, blank=True)  # from Stripe's balance transaction
    net_cents = models.BigIntegerField(null=True, blank=True)
    refunded_cents = models.PositiveBigIntegerField(default=0)  # includes refunds being made (reserved)

    # A dispute is recorded, not managed (issue 7 scope): the last one Stripe told us about.
    stripe_dispute_id = models.CharField(max_length=255, blank=True)
    dispute_status = models.CharField(max_length=32, blank=True)
    dispute_reason = models.CharField(max_length=64, blank=True)
    dispute_amount_cents = models.BigIntegerField(null=True, blank=True)

    # The Stripe call in flight (DESIGN §6): committed before the call, cleared with its outcome.
    attempt = models.CharField(max_length=16, choices=Attempt.choices, blank=True, default="")
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    # Whether the create call confirms: part of the create call's parameters, which a retry with
    # the same Stripe idempotency key must repeat exactly.
    confirm_on_create = models.BooleanField(default=True)
    # The API Idempotency-Key that created it (caller + key): a retry after a 5xx resumes this row.
    request_key = models.CharField(max_length=400, blank=True, default="")
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="payments_created")
    created_by_api_key_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(refunded_cents__lte=F("amount_cents")),
                                   name="payment_refunds_within_amount"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(fields=["organization", "request_key"], condition=~Q(request_key=""),
                                    name="payment_request_key_unique"),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="payment_org_created"),
            models.Index(fields=["customer", "-created_at", "-id"], name="payment_customer_created"),
            models.Index(fields=["organization", "status", "-created_at", "-id"], name="payment_org_status_created"),
            models.Index(fields=["attempt_started_at"], condition=~Q(attempt=""), name="payment_attempt_pending"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def refundable_cents(self) -> int:
        return self.amount_cents - self.refunded_cents


# Forward order of statuses: a later report may only move a payment to a higher rank, so an old
# webhook never overwrites a newer state. The last three are final.
RANK: dict[str, int] = {
    Payment.Status.PENDING: 0, Payment.Status.REQUIRES_PAYMENT_METHOD: 1, Payment.Status.REQUIRES_CONFIRMATION: 1,
    Payment.Status.REQUIRES_ACTION: 2, Payment.Status.PROCESSING: 3, Payment.Status.REQUIRES_CAPTURE: 3,
    Payment.Status.SUCCEEDED: 4, Payment.Status.FAILED: 4, Payment.Status.CANCELED: 4,
}


def statuses_before(status: str) -> list[str]:
    return [name for name, rank in RANK.items() if rank < RANK[status]]


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    class Reason(models.TextChoices):
        DUPLICATE = "duplicate", "Duplicate"
        FRAUDULENT = "fraudulent", "Fraudulent"
        REQUESTED_BY_CUSTOMER = "requested_by_customer", "Requested by customer"

    public_id = models.CharField(max_length=40, unique=True, default=public_id_factory("re_"), editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_cents = models.PositiveBigIntegerField()
    reason = models.CharField(max_length=32, choices=Reason.choices, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    stripe_refund_id = models.CharField(max_length=255, blank=True, db_index=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # True until Stripe's answer is stored (DESIGN §6): the sweeper finishes it with the same key.
    attempt_open = models.BooleanField(default=True)
    request_key = models.CharField(max_length=400, blank=True, default="")
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="refunds_created")
    created_by_api_key_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="refund_amount_positive"),
            models.UniqueConstraint(fields=["payment", "request_key"], condition=~Q(request_key=""),
                                    name="refund_request_key_unique"),
        ]
        indexes = [models.Index(fields=["created_at"], condition=Q(attempt_open=True), name="refund_attempt_open")]

    def __str__(self) -> str:
        return self.public_id
