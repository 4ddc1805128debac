"""The audit log in the back office: read-only for everyone, superusers included (no add, change or
delete: the database would refuse them anyway), visible to staff whose role may read the audit log
(admin, compliance_officer, auditor), scoped to their organisation unless they are superusers."""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property

from audit.export import csv_response, keyset_batches
from audit.models import AuditEntry
from audit.services import audit_record
from oracle_ledger.actors import Actor
from oracle_ledger.api.permissions import Capability, scope_of


class CappedCountPaginator(Paginator):
    """COUNT(*) over millions of rows is a full scan on every page view. Count at most CAP rows;
    past that, an unfiltered list takes PostgreSQL's estimate and a filtered one stops at CAP
    (narrow the filters to see further)."""

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        capped = self.object_list.order_by().values("pk")[: self.CAP + 1].count()
        if capped <= self.CAP:
            return capped
        if not self.object_list.query.where:
            return max(self.CAP, _estimated_rows(AuditEntry._meta.db_table))
        return self.CAP


def _estimated_rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] and row[0] > 0 else 0


def may_read_audit_log(user) -> bool:
    return bool(user.is_active and user.is_staff and scope_of(getattr(user, "role", None), Capability.AUDIT_READ))


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["public_id", "timestamp", "actor_type", "actor_id", "actor_email", "role", "action",
                    "object_type", "object_id", "outcome", "organization_public_id"]
    list_filter = ["outcome", "actor_type", ("timestamp", admin.DateFieldListFilter), "action"]
    search_fields = ["public_id"]  # the search itself is get_search_results: exact, indexed columns
    search_help_text = "Exact entry id, actor id or email, object id or request id."
    ordering = ["-id"]
    paginator = CappedCountPaginator
    show_full_result_count = False
    list_per_page = 100
    readonly_fields = [field.name for field in AuditEntry._meta.fields]
    actions = ["export_csv"]

    def get_queryset(self, request):
        entries = super().get_queryset(request)
        if request.user.is_superuser:
            return entries
        return entries.filter(organization_id=request.user.organization_id)

    def get_search_results(self, request, queryset, search_term):
        # Exact matches only: `icontains` across millions of rows is a sequential scan per search.
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(public_id=term) | Q(actor_id=term) | Q(actor_email=term.lower())
                               | Q(object_id=term) | Q(request_id=term)), False

    def has_module_permission(self, request) -> bool:
        return may_read_audit_log(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return may_read_audit_log(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Export selected entries as CSV")
    def export_csv(self, request, queryset):
        actor = Actor.for_user(request.user, ip=request.META.get("REMOTE_ADDR"))
        export = audit_record(actor=actor, action="audit_log.exported", target_type="audit_log", request=request,
                              metadata={"format": "csv", "via": "admin"})
        entries = queryset.filter(id__lt=export.id).order_by("-id")
        return csv_response(keyset_batches(entries), filename=f"audit-log_admin_{timezone.now().date()}.csv")
