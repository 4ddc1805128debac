from django.urls import path

from customers import views

urlpatterns = [
    path("customers", views.CustomerListCreateView.as_view(), name="customer-list"),
    path("customers/<str:customer_id>", views.CustomerDetailView.as_view(), name="customer-detail"),
    path("customers/<str:customer_id>/payment-methods", views.PaymentMethodListCreateView.as_view(),
         name="customer-payment-methods"),
    path("customers/<str:customer_id>/payment-methods/<str:pm_id>", views.PaymentMethodDetailView.as_view(),
         name="customer-payment-method"),
    path("customers/<str:customer_id>/payment-methods/<str:pm_id>/default", views.PaymentMethodDefaultView.as_view(),
         name="customer-payment-method-default"),
]
