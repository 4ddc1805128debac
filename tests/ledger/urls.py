"""The ledger's routes alone, so these tests do not depend on other apps' URL modules."""

from django.urls import include, path

urlpatterns = [path("api/v1/ledger/", include("ledger.urls"))]
