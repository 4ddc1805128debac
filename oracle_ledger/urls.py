from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from oracle_ledger.api.health import HealthView, ReadinessView

urlpatterns = [
    path("api/health", HealthView.as_view(), name="health"),
    path("api/health/ready", ReadinessView.as_view(), name="health-ready"),
    path("api/schema", SpectacularJSONAPIView.as_view(), name="schema"),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/auth/", include("identity.urls")),
    path("api/v1/", include("audit.urls")),
    path("api/v1/ledger/", include("ledger.urls")),
    path("api/v1/", include("customers.urls")),
    path("api/v1/", include("webhooks.urls")),
    path("api/v1/", include("payments.urls")),
    path("api/v1/", include("direct_deposit.urls")),
    path("api/v1/", include("ach.urls")),
    path("admin/", admin.site.urls),
    path("sandbox/stripe/", include("stripe_sandbox.urls")),  # offline Stripe, sandbox mode only
]

handler400 = "oracle_ledger.api.middleware.handler400"
handler403 = "oracle_ledger.api.middleware.handler403"
handler404 = "oracle_ledger.api.middleware.handler404"
handler500 = "oracle_ledger.api.middleware.handler500"

admin.site.site_header = "ORACLE-LEDGER back office"
admin.site.site_title = "ORACLE-LEDGER"
admin.site.index_title = "Stripe integration"
