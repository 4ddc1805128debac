"""`GET /api/v1/audit-logs` (page pagination, key `auditLogs`) and `GET /api/v1/audit-logs/export`
(the same filters as CSV). Readable by admin, compliance_officer and auditor, within their own
organisation."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.export import csv_response, export_filename, keyset_batches
from audit.filters import requested_dates
from audit.selectors import audit_entry_list
from audit.serializers import AuditEntryOutput
from audit.services import audit_log_export_record
from oracle_ledger.api.pagination import page_paginate
from oracle_ledger.api.permissions import Capability

FILTER_DOCS = [
    OpenApiParameter("actor", str, description="Actor id (usr_…, key_…, system, stripe) or a user's email"),
    OpenApiParameter("action", str, description="e.g. `permission.denied`, `api_key.created`"),
    OpenApiParameter("objectType", str),
    OpenApiParameter("objectId", str),
    OpenApiParameter("from", str, description="Date (YYYY-MM-DD), ISO 8601 time or Unix timestamp; inclusive"),
    OpenApiParameter("to", str, description="Date (the whole day), ISO 8601 time or Unix timestamp; inclusive"),
    OpenApiParameter("outcome", str, enum=["success", "failure", "denied"]),
]

AUDIT_LOG_PAGE = inline_serializer("AuditLogPage", {
    "auditLogs": AuditEntryOutput(many=True),
    "pagination": inline_serializer("AuditLogPagination", {
        name: serializers.IntegerField() for name in ("page", "limit", "total", "totalPages")} | {
        name: serializers.BooleanField() for name in ("hasNext", "hasPrevious")}),
})


class AuditLogListView(APIView):
    required_capability = Capability.AUDIT_READ

    @extend_schema(parameters=[*FILTER_DOCS, OpenApiParameter("page", int), OpenApiParameter("limit", int)],
                   responses=AUDIT_LOG_PAGE, summary="List audit log entries")
    def get(self, request):
        entries = audit_entry_list(actor=request.actor, filters=request.query_params)
        return Response(page_paginate(request.query_params, entries, key="auditLogs",
                                      serialize=lambda entry: AuditEntryOutput(entry).data))


class AuditLogExportView(APIView):
    required_capability = Capability.AUDIT_READ

    @extend_schema(parameters=FILTER_DOCS, responses={(200, "text/csv"): OpenApiTypes.STR},
                   summary="Export audit log entries as CSV")
    def get(self, request):
        entries = audit_entry_list(actor=request.actor, filters=request.query_params)  # 400 before recording
        export = audit_log_export_record(actor=request.actor, request=request, filters=request.query_params)
        # Everything recorded before this export was asked for; not the export's own entry.
        return csv_response(keyset_batches(entries.filter(id__lt=export.id)),
                            filename=export_filename(*requested_dates(request.query_params)))
