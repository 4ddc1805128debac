from django.urls import re_path

from stripe_sandbox.views import stripe_api

urlpatterns = [
    re_path(r"^v1/(?P<rest>.*)$", stripe_api, name="stripe-sandbox-api"),
]
