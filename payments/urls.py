from django.urls import path

from payments import views

urlpatterns = [
    path("payments", views.PaymentListCreateView.as_view(), name="payment-list"),
    path("payments/<str:payment_id>", views.PaymentDetailView.as_view(), name="payment-detail"),
    path("payments/<str:payment_id>/confirm", views.PaymentConfirmView.as_view(), name="payment-confirm"),
    path("payments/<str:payment_id>/cancel", views.PaymentCancelView.as_view(), name="payment-cancel"),
    path("payments/<str:payment_id>/refund", views.PaymentRefundView.as_view(), name="payment-refund"),
]
