"""Back office for finance staff (issue 6): find customers, see their payment methods and
statistics, soft delete and restore through the same services as the API (Stripe, rules and
audit stay identical). Nothing is edited here directly: a field changed in the admin would bypass
the Stripe mirror."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html

from customers.models import Customer, PaymentMethod
from customers.selectors import customer_statistics_annotate
from customers.services import customer_delete, customer_restore
from oracle_ledger.api.authentication import actor_for
from oracle_ledger.errors import DomainError


def format_cents(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d}"


class CountryFilter(admin.SimpleListFilter):
    title, parameter_name = "billing country", "country"

    def lookups(self, request, model_admin):
        countries = (model_admin.get_queryset(request).exclude(billing_address__country=None)
                     .values_list("billing_address__country", flat=True).distinct().order_by())
        return [(code, code) for code in sorted(set(countries))[:100]]

    def queryset(self, request, queryset):
        return queryset.filter(billing_address__country=self.value()) if self.value() else queryset


class PaymentMethodInline(admin.TabularInline):
    model = PaymentMethod
    fk_name = "customer"
    extra = 0
    can_delete = False
    fields = ["public_id", "type", "status", "is_default", "card_brand", "card_last4", "card_exp_month",
              "card_exp_year", "bank_name", "bank_last4", "bank_routing_number", "bank_account_type",
              "stripe_mandate_id", "disabled_reason", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["public_id", "full_name", "email", "customer_id", "country", "active", "created_at"]
    list_filter = ["active", ("created_at", admin.DateFieldListFilter), CountryFilter, "compliance_review_required"]
    search_fields = ["first_name", "last_name", "email", "=public_id", "=stripe_customer_id", "=customer_id"]
    list_select_related = ["organization"]
    date_hierarchy = "created_at"
    inlines = [PaymentMethodInline]
    actions = ["soft_delete", "restore"]
    readonly_fields = ["statistics"]
    fieldsets = [
        (None, {"fields": ["public_id", "organization", "stripe_customer_id", "customer_id", "active", "deleted_at"]}),
        ("Person", {"fields": ["first_name", "last_name", "email", "phone", "billing_address", "shipping_address",
                               "metadata"]}),
        ("Payments", {"fields": ["statistics", "default_payment_method"]}),
        ("Compliance", {"fields": ["compliance_review_required", "compliance_review_reason"]}),
        ("History", {"fields": ["created_by", "created_by_api_key_id", "created_at", "updated_at", "sync_state",
                                "version"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [name for fieldset in self.fieldsets for name in fieldset[1]["fields"]]

    def get_queryset(self, request):
        qs = customer_statistics_annotate(super().get_queryset(request))
        user = request.user
        # Staff see their own organisation's customers; only superusers see every organisation.
        return qs if user.is_superuser else qs.filter(organization_id=getattr(user, "organization_id", None))

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # soft delete only, through the action

    @admin.display(description="Name", ordering="last_name")
    def full_name(self, obj: Customer) -> str:
        return obj.full_name

    @admin.display(description="Country")
    def country(self, obj: Customer) -> str:
        return (obj.billing_address or {}).get("country", "")

    @admin.display(description="Statistics (succeeded payments)")
    def statistics(self, obj: Customer) -> str:
        last = obj.stat_last_payment_at
        return format_html("{} payments, total {}, average {}, last {}", obj.stat_total_payments,
                           format_cents(obj.stat_total_amount_cents), format_cents(obj.stat_average_payment_cents),
                           last.isoformat() if last else "never")

    @admin.action(description="Soft delete the selected customers")
    def soft_delete(self, request, queryset):
        self._each(request, queryset, customer_delete, "deleted")

    @admin.action(description="Restore the selected customers")
    def restore(self, request, queryset):
        self._each(request, queryset, customer_restore, "restored")

    def _each(self, request, queryset, service, verb: str) -> None:
        actor, done = actor_for(request), 0
        for customer in queryset:
            try:
                service(actor=actor, customer=customer)
                done += 1
            except DomainError as exc:
                details = "; ".join(f"{d.get('field')}: {d.get('reason')}" for d in exc.details or [])
                self.message_user(request, f"{customer.public_id}: {exc.message} {details}", level=messages.ERROR)
        self.message_user(request, f"{done} customer(s) {verb}.")
