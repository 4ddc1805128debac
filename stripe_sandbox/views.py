"""`/sandbox/stripe/v1/…` over HTTP (sandbox mode only): for curl, a front end or the Stripe CLI.
Plain Django (no DRF, no envelope, no CSRF): the answers are Stripe's own JSON."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from stripe_sandbox.router import dispatch, json_body


@csrf_exempt
def stripe_api(request: HttpRequest, rest: str) -> HttpResponse:
    if not settings.STRIPE_SANDBOX:
        raise Http404("The Stripe sandbox is off in live mode.")
    headers = {k: v for k, v in request.headers.items()}
    response = dispatch(request.method, f"/v1/{rest}", request.META.get("QUERY_STRING", ""),
                        request.body.decode("utf-8", "replace"), headers)
    if response.lost:
        # Over a real socket a lost answer is a gateway timeout; the work (if any) is done.
        response.status, response.body = 504, {"error": {
            "type": "api_error", "message": "The Stripe sandbox simulated a timeout (failure injection)."}}
        response.headers["Stripe-Should-Retry"] = "true"
    http = HttpResponse(json_body(response), status=response.status, content_type="application/json")
    for key, value in response.headers.items():
        if value:
            http[key] = value
    return http
