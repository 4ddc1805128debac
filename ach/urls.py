from django.urls import path

from ach import views

urlpatterns = [
    path("ach-payments", views.AchPaymentListCreateView.as_view(), name="ach-payment-list"),
    path("ach-payments/<str:payment_id>", views.AchPaymentDetailView.as_view(), name="ach-payment-detail"),
    path("ach-payments/<str:payment_id>/returns", views.AchReturnListView.as_view(), name="ach-payment-returns"),
    path("ach-payments/<str:payment_id>/retry", views.AchPaymentRetryView.as_view(), name="ach-payment-retry"),
]
