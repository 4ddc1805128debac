from django.urls import path

from direct_deposit import views

urlpatterns = [
    path("direct-deposit/recipients", views.RecipientListCreateView.as_view(), name="dd-recipient-list"),
    path("direct-deposit/recipients/<str:recipient_id>", views.RecipientDetailView.as_view(),
         name="dd-recipient-detail"),
    path("direct-deposit/recipients/<str:recipient_id>/verify", views.RecipientVerifyView.as_view(),
         name="dd-recipient-verify"),
    path("direct-deposit/recipients/<str:recipient_id>/bank-accounts", views.RecipientBankAccountCreateView.as_view(),
         name="dd-bank-create"),
    path("direct-deposit/recipients/<str:recipient_id>/bank-accounts/<str:bank_id>/default",
         views.RecipientBankAccountDefaultView.as_view(), name="dd-bank-default"),
    path("direct-deposit/payouts", views.PayoutCreateView.as_view(), name="dd-payout-create"),
    path("direct-deposit/payouts/<str:payout_id>", views.PayoutDetailView.as_view(), name="dd-payout-detail"),
    path("direct-deposit/payroll-runs", views.PayrollRunCreateView.as_view(), name="dd-payroll-run-create"),
    path("direct-deposit/payroll-runs/<str:run_id>", views.PayrollRunDetailView.as_view(),
         name="dd-payroll-run-detail"),
]
