"""Back office for ACH (issue 9, STYLE §7): debits filtered by status, SEC class code, scheduled
date and return code; returns with the rule each applied; the compliance review queue (customers
flagged by an unauthorized return); a re-present action that calls the API's service, so the
NACHA limits, Stripe, ledger and audit are the same. Everything else is read-only."""

from __future__ import annotations

from django.contrib import admin, messages

from ach.models import AchPayment, AchReturn, ComplianceReviewCustomer
from ach.services import ach_payment_retry
from customers.services import customer_compliance_review_clear
from oracle_ledger.api.authentication import actor_for
from oracle_ledger.api.permissions import Capability, scope_of
from oracle_ledger.errors import DomainError
from payments.admin import format_cents

REVIEWERS = ("admin", "compliance_officer")


class _OrgScoped(admin.ModelAdmin):
    org_field = "organization"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        user = request.user
        # Staff see their own organisation's records; only superusers see every organisation.
        return qs if user.is_superuser else qs.filter(**{f"{self.org_field}_id": getattr(user, "organization_id",
                                                                                         None)})

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class AchReturnInline(admin.TabularInline):
    model = AchReturn
    extra = 0
    can_delete = False
    fields = ["public_id", "return_code", "return_reason", "late", "rule_applied", "returned_at", "source"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AchPayment)
class AchPaymentAdmin(_OrgScoped):
    list_display = ["public_id", "customer", "amount_display", "class_code", "status", "scheduled_date",
                    "return_code", "presentment", "created_at"]
    list_filter = ["status", "class_code", ("scheduled_date", admin.DateFieldListFilter), "return_code"]
    search_fields = ["public_id", "stripe_payment_intent_id", "customer__email", "customer__public_id"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer", "payment_method", "original_payment", "represents"]
    inlines = [AchReturnInline]
    actions = ["represent"]
    date_hierarchy = "created_at"

    @admin.display(description="Amount", ordering="amount_cents")
    def amount_display(self, obj: AchPayment) -> str:
        return format_cents(obj.amount_cents, obj.currency)

    @admin.action(description="Re-present the selected returned debits (R01/R09, within the NACHA limits)")
    def represent(self, request, queryset):
        actor = actor_for(request)
        if scope_of(actor.role, Capability.PAYMENTS_CREATE) is None:
            self.message_user(request, "Your role may not create ACH debits.", level=messages.ERROR)
            return
        done = 0
        for payment in queryset:
            try:
                new = ach_payment_retry(actor=actor, payment=payment)
                done += 1
                self.message_user(request, f"{payment.public_id} re-presented as {new.public_id} ({new.status}).")
            except DomainError as exc:
                details = exc.details if isinstance(exc.details, list) else [exc.details]
                reasons = "; ".join(str(d.get("reason") or d) for d in details if isinstance(d, dict))
                self.message_user(request, f"{payment.public_id}: {exc.code} {exc.message} {reasons}".strip(),
                                  level=messages.ERROR)
        self.message_user(request, f"{done} debit(s) re-presented.")


@admin.register(AchReturn)
class AchReturnAdmin(_OrgScoped):
    org_field = "ach_payment__organization"
    list_display = ["public_id", "ach_payment", "return_code", "return_reason", "category", "rule_applied", "late",
                    "returned_at"]
    list_filter = ["return_code", "rule_applied", "category", "late"]
    search_fields = ["public_id", "ach_payment__public_id", "stripe_charge_id"]
    list_select_related = ["ach_payment"]


@admin.register(ComplianceReviewCustomer)
class ComplianceReviewAdmin(_OrgScoped):
    list_display = ["public_id", "first_name", "last_name", "email", "compliance_review_reason", "active"]
    search_fields = ["public_id", "email", "last_name"]
    actions = ["clear_review"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(compliance_review_required=True)

    @admin.action(description="Close the review (the disabled bank account stays disabled)")
    def clear_review(self, request, queryset):
        actor = actor_for(request)
        if actor.role not in REVIEWERS:
            self.message_user(request, "Only compliance officers and admins close reviews.", level=messages.ERROR)
            return
        for customer in queryset:
            customer_compliance_review_clear(actor=actor, customer=customer, note="closed in the admin")
        self.message_user(request, f"{queryset.count()} review(s) closed.")
