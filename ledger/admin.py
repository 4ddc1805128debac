"""Read-only back office for the ledger (STYLE §7): nothing is added, changed or deleted here;
entries come only from the posting services, runs only from the reconciliation service."""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from ledger import clock
from ledger.exports import csv_response, journal_entry_rows, trial_balance_rows
from ledger.models import Account, JournalEntry, JournalLine, ReconciliationRun
from ledger.selectors import journal_entries_with_lines, trial_balance


def format_cents(cents: int, currency: str) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100:,}.{abs(cents) % 100:02d} {currency.upper()}"


class EstimatedCountPaginator(Paginator):
    """An unfiltered changelist of a million entries counts from the planner's statistics instead
    of scanning the table (healthchecks' PingsAdmin does the same); filtered lists count exactly."""

    @property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if query is None or query.where:
            return super().count
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                           [self.object_list.model._meta.db_table])
            estimate = cursor.fetchone()[0]
        return estimate if estimate > 10_000 else super().count


class ReadOnlyAdmin(admin.ModelAdmin):
    # Staff see their own organisation's books; only superusers (platform operators) see every one.
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(organization_id=getattr(request.user, "organization_id", None))

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "type", "normal_balance", "currency", "organization", "balance_today"]
    list_filter = ["type", "currency", ("organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name", "organization__slug"]
    list_select_related = ["organization"]
    actions = ["export_trial_balance"]

    def get_queryset(self, request):
        upto = Q(day_totals__date__lte=clock.today())
        return super().get_queryset(request).annotate(
            balance=Coalesce(Sum("day_totals__debit_cents", filter=upto), 0)
            - Coalesce(Sum("day_totals__credit_cents", filter=upto), 0))

    @admin.display(description="Balance today (debit +)", ordering="balance")
    def balance_today(self, obj: Account) -> str:
        return format_cents(obj.balance, obj.currency)

    @admin.action(description="Export the trial balance (today, CSV) of the selected accounts' organisation")
    def export_trial_balance(self, request, queryset):
        books = set(queryset.values_list("organization", "currency"))
        if len(books) != 1:
            self.message_user(request, "Select accounts of one organisation and one currency.", level="error")
            return None
        first = queryset.select_related("organization").first()
        if not request.user.is_superuser and first.organization_id != request.user.organization_id:
            self.message_user(request, "You may export only your own organisation's books.", level="error")
            return None
        tb = trial_balance(org=first.organization, as_of=clock.today(), currency=first.currency)
        return csv_response(trial_balance_rows(tb), filename=f"trial-balance-{first.organization.slug}.csv")


class JournalLineInline(admin.TabularInline):
    model = JournalLine
    fields = ["account", "amount_display", "currency"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Amount (debit +, credit −)")
    def amount_display(self, obj: JournalLine) -> str:
        return format_cents(obj.amount_cents, obj.currency)


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "date", "kind", "description", "source_type", "source_id", "stripe_reference",
                    "organization"]
    list_filter = ["kind", "date", ("organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["public_id", "source_id", "stripe_reference", "description", "request_id"]
    list_select_related = ["organization"]
    readonly_fields = [f.name for f in JournalEntry._meta.fields]
    inlines = [JournalLineInline]
    date_hierarchy = "date"
    show_full_result_count = False  # a million entries: no COUNT(*) per page
    paginator = EstimatedCountPaginator
    actions = ["export_csv"]

    @admin.action(description="Export selected entries (CSV, one row per line)")
    def export_csv(self, request, queryset):
        entries = journal_entries_with_lines(JournalEntry.objects.filter(pk__in=queryset.values("pk")))
        return csv_response(journal_entry_rows(entries), filename="journal-entries.csv")


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "organization", "date_from", "date_to", "status", "stripe_count", "ledger_count",
                    "difference_count", "started_at", "finished_at", "triggered_by"]
    list_filter = ["status", ("organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["public_id", "organization__slug"]
    list_select_related = ["organization"]
    readonly_fields = [f.name for f in ReconciliationRun._meta.fields if f.name != "differences"] + ["differences_table"]
    exclude = ["differences"]

    @admin.display(description="Differences")
    def differences_table(self, obj: ReconciliationRun) -> str:
        if not obj.differences:
            return "None"
        header = mark_safe("<tr><th>Kind</th><th>Stripe object</th><th>Stripe amount</th><th>Ledger amount</th>"
                             "<th>Stripe fee</th><th>Ledger fee</th><th>Currency</th></tr>")  # noqa: S308  (constant markup)
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                                ((d["kind"], d["reference"], d.get("stripeAmount"), d.get("ledgerAmount"),
                                  d.get("stripeFee"), d.get("ledgerFee"), d.get("currency")) for d in obj.differences))
        return format_html("<table>{}{}</table>", header, rows)
