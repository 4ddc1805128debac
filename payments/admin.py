"""Back office for card payments (issue 7, STYLE §7): find payments (id, customer, email,
description), filter by status, date and amount, see the charge and the refunds, refund through
the same service as the API (amount and reason asked on an intermediate page), export CSV.
Everything is read-only: state changes only through services, so Stripe, ledger and audit agree."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html

from audit.services import audit_record
from oracle_ledger.api.authentication import actor_for
from oracle_ledger.api.permissions import Capability, scope_of
from oracle_ledger.errors import DomainError
from payments.models import Payment, Refund
from payments.services import payment_refund


def format_cents(cents: int | None, currency: str = "") -> str:
    if cents is None:
        return "-"
    return f"{cents // 100:,}.{cents % 100:02d} {currency.upper()}".strip()


class AmountRangeFilter(admin.SimpleListFilter):
    title, parameter_name = "amount", "amount_range"
    RANGES = {"lt10": (None, 1_000), "10-100": (1_000, 10_000), "100-1000": (10_000, 100_000),
              "1000-10000": (100_000, 1_000_000), "gte10000": (1_000_000, None)}

    def lookups(self, request, model_admin):
        return [("lt10", "under 10"), ("10-100", "10 to 100"), ("100-1000", "100 to 1,000"),
                ("1000-10000", "1,000 to 10,000"), ("gte10000", "10,000 and more")]

    def queryset(self, request, queryset):
        if self.value() not in self.RANGES:
            return queryset
        low, high = self.RANGES[self.value()]
        if low is not None:
            queryset = queryset.filter(amount_cents__gte=low)
        return queryset.filter(amount_cents__lt=high) if high is not None else queryset


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ["public_id", "amount_cents", "reason", "status", "stripe_refund_id", "failure_reason", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class RefundForm(forms.Form):
    amount = forms.IntegerField(min_value=1, required=False,
                                help_text="In cents; empty refunds everything still refundable.")
    reason = forms.ChoiceField(choices=[("", "-"), *Refund.Reason.choices], required=False)


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["public_id", "customer", "customer_email", "amount_display", "refunded_display", "status",
                    "created_at"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter), AmountRangeFilter, "currency"]
    search_fields = ["=public_id", "=stripe_payment_intent_id", "=customer__public_id", "customer__email",
                     "receipt_email", "description"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer", "payment_method"]
    date_hierarchy = "created_at"
    inlines = [RefundInline]
    actions = ["refund", "export_csv"]
    fieldsets = [
        (None, {"fields": ["public_id", "organization", "customer", "payment_method", "status", "amount_cents",
                           "currency", "refunded_cents", "description", "statement_descriptor", "receipt_email",
                           "metadata"]}),
        ("Charge", {"fields": ["charge", "stripe_payment_intent_id", "fee_cents", "net_cents", "failure_code",
                               "decline_code", "failure_message"]}),
        ("Dispute", {"fields": ["stripe_dispute_id", "dispute_status", "dispute_reason", "dispute_amount_cents"]}),
        ("History", {"fields": ["created_by", "created_by_api_key_id", "created_at", "updated_at", "attempt",
                                "attempt_started_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [name for fieldset in self.fieldsets for name in fieldset[1]["fields"]]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        user = request.user
        # Staff see their own organisation's payments; only superusers see every organisation.
        return qs if user.is_superuser else qs.filter(organization_id=getattr(user, "organization_id", None))

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Email", ordering="customer__email")
    def customer_email(self, obj: Payment) -> str:
        return obj.customer.email

    @admin.display(description="Amount", ordering="amount_cents")
    def amount_display(self, obj: Payment) -> str:
        return format_cents(obj.amount_cents, obj.currency)

    @admin.display(description="Refunded", ordering="refunded_cents")
    def refunded_display(self, obj: Payment) -> str:
        return format_cents(obj.refunded_cents, obj.currency)

    @admin.display(description="Charge")
    def charge(self, obj: Payment) -> str:
        if not obj.stripe_charge_id:
            return "-"
        return format_html('{} ({}) <a href="{}" rel="noopener">receipt</a>', obj.stripe_charge_id,
                           obj.charge_status or "?", obj.receipt_url or "#")

    @admin.action(description="Refund the selected payments (asks amount and reason)")
    def refund(self, request, queryset):
        if scope_of(actor_for(request).role, Capability.PAYMENTS_CREATE) is None:
            # DESIGN §5: the back office follows the same matrix as the API (auditors only read).
            self.message_user(request, "Your role may not refund payments.", level=messages.ERROR)
            return None
        form = RefundForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            self._refund_each(request, queryset, form.cleaned_data)
            return None
        return TemplateResponse(request, "admin/payments/refund_form.html", {
            **self.admin_site.each_context(request), "title": "Refund payments", "form": form,
            "payments": queryset, "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME})

    def _refund_each(self, request, queryset, data: dict) -> None:
        actor, done = actor_for(request), 0
        for payment in queryset:
            try:
                payment_refund(actor=actor, payment=payment, amount_cents=data.get("amount"),
                               reason=data.get("reason") or "")
                done += 1
            except DomainError as exc:
                details = exc.details if isinstance(exc.details, list) else [exc.details]
                reasons = "; ".join(f"{d.get('field')}: {d.get('reason')}" for d in details if isinstance(d, dict))
                self.message_user(request, f"{payment.public_id}: {exc.message} {reasons}", level=messages.ERROR)
        self.message_user(request, f"{done} payment(s) refunded.")

    @admin.action(description="Export the selected payments as CSV")
    def export_csv(self, request, queryset):
        audit_record(actor=actor_for(request), action="payments.exported", target_type="payment", request=request,
                     metadata={"format": "csv", "via": "admin", "count": queryset.count()})
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="payments_{timezone.now().date()}.csv"'
        writer = csv.writer(response)
        writer.writerow(["id", "created_at", "customer", "email", "amount_cents", "currency", "status",
                         "refunded_cents", "fee_cents", "net_cents", "stripe_payment_intent_id", "stripe_charge_id",
                         "failure_code", "decline_code", "description"])
        for p in queryset.select_related("customer").order_by("-created_at", "-id").iterator(chunk_size=2000):
            writer.writerow([p.public_id, p.created_at.isoformat(), p.customer.public_id, p.customer.email,
                             p.amount_cents, p.currency, p.status, p.refunded_cents, p.fee_cents, p.net_cents,
                             p.stripe_payment_intent_id, p.stripe_charge_id, p.failure_code, p.decline_code,
                             _safe_cell(p.description)])
        return response


def _safe_cell(value: str) -> str:
    """Spreadsheets run a cell starting with = + - @ as a formula; a description is user input."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value
