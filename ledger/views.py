"""The ledger's read API (DESIGN §5: admin, auditor, accountant, finance_manager), always scoped to
the caller's organisation. Thin: parse, call one selector or service, serialise."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from ledger import params
from ledger.exports import csv_response, journal_entry_rows, trial_balance_rows
from ledger.models import EntryKind
from ledger.selectors import account_balances, journal_entry_get, journal_entry_list, trial_balance
from ledger.serializers import (
    account_balance_output,
    journal_entry_output,
    reconciliation_output,
    trial_balance_output,
)
from ledger.services import reconciliation_compute
from oracle_ledger.api.pagination import page_paginate
from oracle_ledger.api.permissions import Capability

TAGS = ["Ledger"]
JSON = {200: OpenApiTypes.OBJECT}
CSV = {(200, "text/csv"): OpenApiTypes.STR}
AS_OF = OpenApiParameter("asOf", OpenApiTypes.DATE, description="Up to and including this day (default today).")
CURRENCY = OpenApiParameter("currency", OpenApiTypes.STR, description="Lowercase ISO 4217 (default usd).")
FROM, TO = OpenApiParameter("from", OpenApiTypes.DATE), OpenApiParameter("to", OpenApiTypes.DATE)
ENTRY_FILTERS = [
    OpenApiParameter("account", OpenApiTypes.STR, description="Account code, e.g. 1010."),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=EntryKind.values),
    OpenApiParameter("sourceType", OpenApiTypes.STR), OpenApiParameter("sourceId", OpenApiTypes.STR),
    OpenApiParameter("stripeReference", OpenApiTypes.STR), FROM, TO,
]
PAGE = [OpenApiParameter("page", OpenApiTypes.INT), OpenApiParameter("limit", OpenApiTypes.INT)]


class LedgerView(APIView):
    required_capability = Capability.LEDGER_READ


class AccountListView(LedgerView):
    @extend_schema(operation_id="ledger_accounts_list", summary="Accounts with balances as of a date", tags=TAGS,
                   parameters=[AS_OF, CURRENCY], responses=JSON)
    def get(self, request):
        as_of, currency = params.as_of_param(request.query_params), params.currency_param(request.query_params)
        rows = account_balances(org=request.org, as_of=as_of, currency=currency)
        return Response({"asOf": as_of.isoformat(), "currency": currency,
                         "accounts": [account_balance_output(row) for row in rows]})


class JournalEntryListView(LedgerView):
    @extend_schema(operation_id="ledger_journal_entries_list", summary="List journal entries", tags=TAGS,
                   parameters=ENTRY_FILTERS + PAGE, responses=JSON)
    def get(self, request):
        entries = journal_entry_list(org=request.org, filters=params.entry_filters(request.query_params))
        return Response(page_paginate(request.query_params, entries, key="journalEntries",
                                      serialize=journal_entry_output))


class JournalEntryDetailView(LedgerView):
    @extend_schema(operation_id="ledger_journal_entries_retrieve", summary="Retrieve a journal entry", tags=TAGS,
                   responses=JSON)
    def get(self, request, public_id: str):
        return Response(journal_entry_output(journal_entry_get(org=request.org, public_id=public_id)))


class JournalEntryExportView(LedgerView):
    @extend_schema(operation_id="ledger_journal_entries_export", summary="Journal entries as CSV, one row per line",
                   tags=TAGS, parameters=ENTRY_FILTERS, responses=CSV)
    def get(self, request):
        entries = journal_entry_list(org=request.org, filters=params.entry_filters(request.query_params))
        return csv_response(journal_entry_rows(entries), filename="journal-entries.csv")


class TrialBalanceView(LedgerView):
    @extend_schema(operation_id="ledger_trial_balance", summary="Trial balance as of a date", tags=TAGS,
                   parameters=[AS_OF, CURRENCY], responses=JSON)
    def get(self, request):
        tb = trial_balance(org=request.org, as_of=params.as_of_param(request.query_params),
                           currency=params.currency_param(request.query_params))
        return Response(trial_balance_output(tb))


class TrialBalanceExportView(LedgerView):
    @extend_schema(operation_id="ledger_trial_balance_export", summary="Trial balance as CSV", tags=TAGS,
                   parameters=[AS_OF, CURRENCY], responses=CSV)
    def get(self, request):
        tb = trial_balance(org=request.org, as_of=params.as_of_param(request.query_params),
                           currency=params.currency_param(request.query_params))
        return csv_response(trial_balance_rows(tb), filename=f"trial-balance-{tb.as_of.isoformat()}.csv")


class ReconciliationView(LedgerView):
    """Compares live and records nothing (a GET); recorded runs come from the nightly task and
    `manage.py reconcile`, and are listed in the admin."""

    @extend_schema(operation_id="ledger_reconciliation", summary="Differences between the ledger and Stripe",
                   tags=TAGS, parameters=[FROM, TO], responses=JSON)
    def get(self, request):
        date_from, date_to = params.date_range(request.query_params, required=True)
        result = reconciliation_compute(organization=request.org, date_from=date_from, date_to=date_to)
        return Response(reconciliation_output(result))
