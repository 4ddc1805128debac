"""Customers and their payment methods (issue 6, DESIGN §8).

A customer is created locally first, as a `pending` row that claims its email and `customerId`
(the partial unique indexes decide a race before Stripe is called), then mirrored to Stripe, then
marked `synced`. Selectors only ever show synced customers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from oracle_ledger.ids import public_id_factory


class Customer(models.Model):
    class SyncState(models.TextChoices):
        PENDING = "pending", "Pending (Stripe not yet confirmed)"
        SYNCED = "synced", "Synced with Stripe"

    organization = models.ForeignKey("identity.Organization", on_delete=models.PROTECT, related_name="customers")
    public_id = models.CharField(max_length=40, unique=True, default=public_id_factory("cust_"), editable=False)
    stripe_customer_id = models.CharField(max_length=255, blank=True, db_index=True)
    sync_state = models.CharField(max_length=16, choices=SyncState.choices, default=SyncState.PENDING)
    # Bumped by every mirrored write: Stripe idempotency keys of updates include it, so a retry
    # of the same update reuses its key while the next update gets a fresh one.
    version = models.PositiveIntegerField(default=1)

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=20, blank=True)  # E.164
    billing_address = models.JSONField(null=True, blank=True)  # {line1, line2, city, state, postalCode, country}
    shipping_address = models.JSONField(null=True, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True, help_text="The ledger's integer id for this customer.")
    metadata = models.JSONField(default=dict, blank=True)

    active = models.BooleanField(default=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    compliance_review_required = models.BooleanField(default=False)
    compliance_review_reason = models.CharField(max_length=255, blank=True)
    default_payment_method = models.ForeignKey("PaymentMethod", null=True, blank=True, on_delete=models.SET_NULL,
                                               related_name="+")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="customers_created")
    # API keys create customers with no user behind them; the key's public id says which one.
    created_by_api_key_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # DESIGN §8: email unique among the organisation's ACTIVE customers, case-insensitive;
            # a deleted customer's email can be used again.
            models.UniqueConstraint(Lower("email"), "organization", condition=Q(active=True),
                                    name="customer_email_unique_active_ci"),
            models.UniqueConstraint(fields=["organization", "customer_id"], name="customer_ledger_id_unique"),
            models.CheckConstraint(condition=Q(active=True, deleted_at__isnull=True) | Q(active=False),
                                   name="customer_active_not_deleted"),
        ]
        indexes = [models.Index(fields=["organization", "-created_at"], name="customer_org_created")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class PaymentMethod(models.Model):
    class Type(models.TextChoices):
        CARD = "card", "Card"
        US_BANK_ACCOUNT = "us_bank_account", "US bank account"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DETACHED = "detached", "Detached"
        DISABLED = "disabled", "Disabled"  # e.g. by an ACH return (R02, R03, R04, unauthorized)

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payment_methods")
    public_id = models.CharField(max_length=40, unique=True, default=public_id_factory("pm_"), editable=False)
    stripe_payment_method_id = models.CharField(max_length=255, db_index=True)
    type = models.CharField(max_length=20, choices=Type.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    disabled_reason = models.CharField(max_length=255, blank=True)
    is_default = models.BooleanField(default=False)

    card_brand = models.CharField(max_length=32, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    card_exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    card_exp_year = models.PositiveSmallIntegerField(null=True, blank=True)

    # Never the account number (DESIGN §5): only what identifies the account to a person.
    bank_name = models.CharField(max_length=255, blank=True)
    bank_last4 = models.CharField(max_length=4, blank=True)
    bank_routing_number = models.CharField(max_length=9, blank=True)
    bank_account_type = models.CharField(max_length=16, blank=True)  # checking | savings
    bank_account_holder_type = models.CharField(max_length=16, blank=True)  # individual | company
    stripe_mandate_id = models.CharField(max_length=255, blank=True)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=Q(is_default=True),
                                    name="payment_method_one_default_per_customer"),
            models.CheckConstraint(condition=Q(is_default=False) | Q(status="active"),
                                   name="payment_method_default_is_active"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} …{self.last4}"

    @property
    def last4(self) -> str:
        return self.card_last4 if self.type == self.Type.CARD else self.bank_last4
