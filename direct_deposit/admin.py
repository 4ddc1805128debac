"""Back office for direct deposit (issue 10 item 7): recipients with bank data masked (the full
bank data is one click away and that view is audited, DESIGN §5), payouts with filters, payroll
runs with their progress and per-line results, a resume action, and the payroll CSV upload (every
bad line named, nothing sent). Everything is read-only: state changes only through services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from audit.services import audit_record
from direct_deposit.models import Payout, PayrollRun, PayrollRunLine, Recipient, RecipientBankAccount
from direct_deposit.services import payroll_run_progress, payroll_run_submit
from direct_deposit.services.payroll_csv import payroll_csv_parse
from direct_deposit.services.recipients import recipient_bank_data_viewed
from oracle_ledger.api.authentication import actor_for
from oracle_ledger.api.permissions import Capability, scope_of
from oracle_ledger.errors import DomainError


def format_cents(cents: int | None, currency: str = "") -> str:
    if cents is None:
        return "-"
    return f"{cents // 100:,}.{cents % 100:02d} {currency.upper()}".strip()


class OrgScopedAdmin(admin.ModelAdmin):
    org_path = "organization"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        # Staff see their own organisation's records; only superusers see every organisation.
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.org_path}_id": getattr(request.user, "organization_id", None)})

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MaskedBankInline(admin.TabularInline):
    model = RecipientBankAccount
    extra = 0
    can_delete = False
    fields = ["public_id", "bank_name", "masked_number", "masked_routing", "account_type", "is_default",
              "is_verified", "status"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Account")
    def masked_number(self, obj: RecipientBankAccount) -> str:
        return f"••••{obj.last4}"

    @admin.display(description="Routing")
    def masked_routing(self, obj: RecipientBankAccount) -> str:
        return f"•••••{obj.routing_number[-4:]}"


@admin.register(Recipient)
class RecipientAdmin(OrgScopedAdmin):
    list_display = ["public_id", "employee_id", "first_name", "last_name", "email", "verification_status",
                    "payouts_enabled", "active", "created_at"]
    list_filter = ["verification_status", "account_status", "payouts_enabled", "active"]
    search_fields = ["=public_id", "=employee_id", "=stripe_account_id", "email", "last_name"]
    inlines = [MaskedBankInline]
    exclude = ["ssn_last4"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "ssn_last4"] + ["bank_data_link"]

    @admin.display(description="Bank data")
    def bank_data_link(self, obj: Recipient) -> str:
        url = reverse("admin:direct_deposit_recipient_bank_data", args=[obj.pk])
        return format_html('<a href="{}">Show full bank data (audited)</a>', url)

    def get_urls(self):
        return [path("<int:pk>/bank-data/", self.admin_site.admin_view(self.bank_data_view),
                     name="direct_deposit_recipient_bank_data"), *super().get_urls()]

    def bank_data_view(self, request, pk: int):
        # admin_view only checks is_staff: the full bank data needs the role's direct-deposit read too.
        role = getattr(request.user, "role", None)
        if not self.has_view_permission(request) or scope_of(role, Capability.DIRECT_DEPOSIT_READ) is None:
            raise PermissionDenied
        recipient = self.get_queryset(request).filter(pk=pk).first()
        if recipient is None:
            raise Http404
        recipient_bank_data_viewed(actor=actor_for(request), recipient=recipient, request=request, via="admin")
        return TemplateResponse(request, "admin/direct_deposit/bank_data.html", {
            **self.admin_site.each_context(request), "title": f"Bank data of {recipient.full_name}",
            "recipient": recipient, "banks": recipient.bank_accounts.order_by("id"), "opts": self.model._meta})


class PayoutStepFilter(admin.SimpleListFilter):
    title, parameter_name = "open step", "open_step"

    def lookups(self, request, model_admin):
        return [("open", "A Stripe step is open"), *Payout.Attempt.choices[1:]]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.exclude(attempt="")
        return queryset.filter(attempt=self.value()) if self.value() else queryset


@admin.register(Payout)
class PayoutAdmin(OrgScopedAdmin):
    list_display = ["public_id", "recipient", "amount_display", "status", "failure_code", "payroll_run",
                    "scheduled_date", "created_at"]
    list_filter = ["status", PayoutStepFilter, ("created_at", admin.DateFieldListFilter), "failure_code", "currency"]
    search_fields = ["=public_id", "=stripe_payout_id", "=stripe_transfer_id", "=recipient__public_id",
                     "=recipient__employee_id", "=payroll_run__public_id"]
    list_select_related = ["recipient", "payroll_run"]
    date_hierarchy = "created_at"

    @admin.display(description="Amount", ordering="amount_cents")
    def amount_display(self, obj: Payout) -> str:
        return format_cents(obj.amount_cents, obj.currency)


class PayrollCsvForm(forms.Form):
    payroll_id = forms.CharField(max_length=100, help_text="Your payroll's id: submitting it again is a no-op.")
    description = forms.CharField(max_length=1000, required=False)
    file = forms.FileField(help_text="Header: employeeId (or recipientId), amount (cents), optional "
                                     "bankAccountId, description.")


@admin.register(PayrollRun)
class PayrollRunAdmin(OrgScopedAdmin):
    list_display = ["public_id", "payroll_id", "status", "progress", "total_display", "line_count", "source",
                    "created_at", "completed_at"]
    list_filter = ["status", "source", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["=public_id", "=payroll_id"]
    actions = ["resume"]
    change_list_template = "admin/direct_deposit/payrollrun_change_list.html"

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "progress", "lines_link"]

    @admin.display(description="Total", ordering="total_cents")
    def total_display(self, obj: PayrollRun) -> str:
        return format_cents(obj.total_cents, obj.currency)

    @admin.display(description="Progress")
    def progress(self, obj: PayrollRun) -> str:
        p = payroll_run_progress(run=obj)
        return f"{p['sent']} sent, {p['failed']} failed, {p['processing']} processing, {p['queued']} queued"

    @admin.display(description="Lines")
    def lines_link(self, obj: PayrollRun) -> str:
        url = reverse("admin:direct_deposit_payrollrunline_changelist") + f"?run__id__exact={obj.pk}"
        return format_html('<a href="{}">Per-line results</a>', url)

    @admin.action(description="Resume the selected runs (finish open payouts, pay queued lines)")
    def resume(self, request, queryset):
        if not self._may_create(request):
            return
        from direct_deposit.tasks import payroll_run_resume_task

        for run in queryset:
            audit_record(actor=actor_for(request), action="payroll_run.resume_requested", target_type="dd_payroll_run",
                         target_id=run.public_id, organization=run.organization, request=request)
            payroll_run_resume_task.delay(run_id=run.pk)
        self.message_user(request, f"{queryset.count()} run(s) handed to the workers.")

    def _may_create(self, request) -> bool:
        if scope_of(actor_for(request).role, Capability.DIRECT_DEPOSIT_CREATE) is None:
            # DESIGN §5: the back office follows the API's matrix (only admin and finance_manager pay).
            self.message_user(request, "Your role may not pay recipients.", level=messages.ERROR)
            return False
        return True

    def get_urls(self):
        return [path("upload-csv/", self.admin_site.admin_view(self.upload_view),
                     name="direct_deposit_payrollrun_upload"), *super().get_urls()]

    def upload_view(self, request):
        form = PayrollCsvForm(request.POST or None, request.FILES or None)
        problems: list[dict] = []
        if request.method == "POST" and self._may_create(request) and form.is_valid():
            try:
                run_request = payroll_csv_parse(content=form.cleaned_data["file"].read(),
                                                payroll_id=form.cleaned_data["payroll_id"],
                                                description=form.cleaned_data["description"])
                run, created = payroll_run_submit(actor=actor_for(request), request=run_request)
            except DomainError as exc:
                problems = exc.details if isinstance(exc.details, list) else [exc.details]
                self.message_user(request, exc.message, level=messages.ERROR)
            else:
                self.message_user(request, f"Payroll run {run.public_id} {'created' if created else 'already existed'}"
                                           f" with {run.line_count} payouts.")
                return HttpResponseRedirect(reverse("admin:direct_deposit_payrollrun_change", args=[run.pk]))
        return TemplateResponse(request, "admin/direct_deposit/payroll_upload.html", {
            **self.admin_site.each_context(request), "title": "Upload a payroll CSV", "form": form,
            "problems": problems, "opts": self.model._meta})


@admin.register(PayrollRunLine)
class PayrollRunLineAdmin(OrgScopedAdmin):
    org_path = "run__organization"
    list_display = ["run", "line_number", "recipient", "amount_cents", "result", "error", "payout"]
    list_filter = ["result"]
    search_fields = ["=run__public_id", "=recipient__public_id", "=recipient__employee_id"]
    list_select_related = ["run", "recipient", "payout"]
