"""`POST /api/v1/webhooks/stripe`: public (Stripe has no credentials of ours; the signature is
the authentication), no Idempotency-Key (the Stripe event id plays that part), rate-limited in
its own category. The raw body is verified as received: it must not be parsed first."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from webhooks.services import webhook_receive


class StripeWebhookView(APIView):
    authentication_classes: list = []
    permission_classes: list = []
    parser_classes: list = []  # nothing may read the stream before the signature check

    @extend_schema(
        operation_id="stripe_webhook_receive", tags=["webhooks"], request=None,
        parameters=[OpenApiParameter("Stripe-Signature", str, OpenApiParameter.HEADER, required=True)],
        responses={200: {"type": "object", "properties": {"received": {"type": "boolean"},
                                                          "duplicate": {"type": "boolean"}}}},
        description="Stripe's webhook endpoint. 400 WEBHOOK_SIGNATURE_INVALID for a missing, wrong or "
                    "stale signature; 400 INVALID_REQUEST for an empty, oversized or unreadable body.")
    def post(self, request):
        declared = _content_length(request)
        # Never read (or let Django refuse with its own 400) a body already known to be too large.
        body = None if declared > settings.WEBHOOK_MAX_BODY_BYTES else request.body
        _, stored = webhook_receive(body=body, declared_length=declared,
                                    signature=request.headers.get("Stripe-Signature"), request=request)
        return Response({"received": True, "duplicate": not stored})


def _content_length(request) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0
