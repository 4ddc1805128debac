from django.urls import path

from ledger import views

urlpatterns = [
    path("accounts", views.AccountListView.as_view(), name="ledger-accounts"),
    path("journal-entries", views.JournalEntryListView.as_view(), name="ledger-journal-entries"),
    path("journal-entries/export", views.JournalEntryExportView.as_view(), name="ledger-journal-entries-export"),
    path("journal-entries/<str:public_id>", views.JournalEntryDetailView.as_view(), name="ledger-journal-entry"),
    path("trial-balance", views.TrialBalanceView.as_view(), name="ledger-trial-balance"),
    path("reconciliation", views.ReconciliationView.as_view(), name="ledger-reconciliation"),
    path("trial-balance/export", views.TrialBalanceExportView.as_view(), name="ledger-trial-balance-export"),
]
