"""ACH debits and their returns (issue 9, DESIGN §8).

An `AchPayment` is one presentment of a debit: a re-presentment of a returned R01/R09 debit is a
new row pointing at the first one (`original_payment`, `presentment` 2 or 3), so every attempt keeps
its own Stripe PaymentIntent, dates and return. An `AchReturn` is what came back for one charge;
the (payment, charge) pair is unique, so a return reported twice (webhook and the returns sweep,
two workers) is applied once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from customers.models import Customer
from oracle_ledger.ids import public_id_factory


class AchPayment(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        PROCESSING = "processing", "Processing"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    class ClassCode(models.TextChoices):
        PPD = "PPD", "PPD - prearranged payment and deposit (consumer)"
        CCD = "CCD", "CCD - corporate credit or debit"
        WEB = "WEB", "WEB - internet-initiated (consumer)"
        TEL = "TEL", "TEL - telephone-initiated (consumer)"
        CTX = "CTX", "CTX - corporate trade exchange"

    organization = models.ForeignKey("identity.Organization", on_delete=models.PROTECT, related_name="ach_payments")
    public_id = models.CharField(max_length=40, unique=True, default=public_id_factory("pi_ach_"), editable=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="ach_payments")
    payment_method = models.ForeignKey("customers.PaymentMethod", on_delete=models.PROTECT,
                                       related_name="ach_payments")
    amount_cents = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3, default="usd")
    description = models.CharField(max_length=1000, blank=True)
    class_code = models.CharField(max_length=3, choices=ClassCode.choices)
    statement_descriptor = models.CharField(max_length=22, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    requested_date = models.DateField(help_text="The date the caller asked for, before banking-day adjustment.")
    scheduled_date = models.DateField(db_index=True)
    estimated_settlement_date = models.DateField()
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="When it went to Stripe (processedDate).")
    # Set when a submission to Stripe starts; a row still `scheduled` with it set crashed mid-call
    # and is submitted again, with the same idempotency key, by the next run of the submit task.
    submit_started_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED, db_index=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True, db_index=True)
    fee_cents = models.PositiveBigIntegerField(null=True, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)  # Stripe's code
    failure_message = models.CharField(max_length=500, blank=True)
    return_code = models.CharField(max_length=3, blank=True, db_index=True)
    return_reason = models.CharField(max_length=255, blank=True)

    presentment = models.PositiveSmallIntegerField(default=1)
    original_payment = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="representments")
    represents = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="representment", help_text="The returned debit this one retries.")

    request_key = models.CharField(max_length=400, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="ach_payments_created")
    created_by_api_key_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(currency="usd"), name="ach_payment_usd_only"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="ach_payment_amount_positive"),
            models.CheckConstraint(condition=Q(presentment__gte=1, presentment__lte=3),
                                   name="ach_payment_at_most_two_representments"),
            models.UniqueConstraint(fields=["organization", "request_key"], condition=~Q(request_key=""),
                                    name="ach_payment_request_key_unique"),
        ]
        indexes = [models.Index(fields=["organization", "-created_at"], name="ach_payment_org_created"),
                   models.Index(fields=["status", "scheduled_date"], name="ach_payment_due")]

    def __str__(self) -> str:
        return self.public_id

    @property
    def chain_origin(self) -> AchPayment:
        return self.original_payment or self


class AchReturn(models.Model):
    class Rule(models.TextChoices):
        NONE = "none", "Recorded only"
        REPRESENTABLE = "representable", "May be re-presented (R01/R09, twice within 180 days)"
        ACCOUNT_DISABLED = "account_disabled", "Bank account disabled"
        COMPLIANCE_REVIEW = "account_disabled_compliance_review", "Bank account disabled, customer flagged"

    public_id = models.CharField(max_length=40, unique=True, default=public_id_factory("ach_return_"),
                                 editable=False)
    ach_payment = models.ForeignKey(AchPayment, on_delete=models.PROTECT, related_name="returns")
    stripe_charge_id = models.CharField(max_length=255)
    stripe_failure_code = models.CharField(max_length=64, blank=True)
    return_code = models.CharField(max_length=3, db_index=True)
    return_reason = models.CharField(max_length=255)
    category = models.CharField(max_length=32)
    returned_at = models.DateTimeField()
    adjusted_amount_cents = models.PositiveBigIntegerField()
    late = models.BooleanField(default=False, help_text="Came back after the debit had settled.")
    corrected = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    rule_applied = models.CharField(max_length=40, choices=Rule.choices, default=Rule.NONE)
    processed_at = models.DateTimeField()
    source = models.CharField(max_length=32, help_text="What reported it: webhook, returns sweep.")

    class Meta:
        ordering = ["-returned_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["ach_payment", "stripe_charge_id"],
                                               name="ach_return_once_per_charge")]

    def __str__(self) -> str:
        return f"{self.public_id} {self.return_code}"


class ComplianceReviewCustomer(Customer):
    """The compliance review queue of the admin: customers an unauthorized return flagged."""

    class Meta:
        proxy = True
        verbose_name = "compliance review (flagged customer)"
        verbose_name_plural = "compliance review queue"
