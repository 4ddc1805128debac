"""The sandbox's front door: one `dispatch()` for the in-process client and the HTTP view.

It checks the API key, applies injected failures, parses the form, matches a registered route,
runs the handler in one transaction on the sandbox's own connection with Stripe's idempotency,
and answers Stripe-shaped JSON. Handlers register with `@route("POST", r"/v1/customers")`."""

from __future__ import annotations

import base64
import contextvars
import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from stripe_sandbox import DB, failures, forms, idempotency
from stripe_sandbox.errors import StripeApiError

log = logging.getLogger(__name__)

Handler = Callable[..., dict[str, Any]]
_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


@dataclass
class SandboxRequest:
    method: str
    path: str
    params: dict[str, Any]
    api_key: str
    idempotency_key: str | None = None
    stripe_account: str | None = None
    stripe_version: str | None = None
    expand: list[str] = field(default_factory=list)
    request_id: str = ""


@dataclass
class SandboxResponse:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    lost: bool = False  # a simulated timeout or connection error: the caller never sees the answer


current_request: contextvars.ContextVar[SandboxRequest | None] = contextvars.ContextVar(
    "sandbox_request", default=None)


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    """Register `handler(request, **path_groups) -> dict` for `method` and a full-match regex."""
    def register(handler: Handler) -> Handler:
        _ROUTES.append((method.upper(), re.compile(pattern), handler))
        return handler
    return register


def routes() -> list[tuple[str, str]]:
    return [(method, pattern.pattern) for method, pattern, _ in _ROUTES]


def dispatch(method: str, path: str, query: str, body: str, headers: dict[str, str]) -> SandboxResponse:
    method, headers = method.upper(), {k.lower(): v for k, v in headers.items()}
    request_id = "req_" + secrets.token_hex(7)
    out = {"Request-Id": request_id, "Stripe-Version": headers.get("stripe-version", "")}
    try:
        api_key = _api_key(headers)
        failure = failures.consume(path)
        if failure and failure.kind != failures.TIMEOUT:
            return failures.response(failure.kind, out)
        handler, groups = _match(method, path)
        params = forms.parse(body if method == "POST" else query)
        request = SandboxRequest(
            method=method, path=path, params=params, api_key=api_key,
            idempotency_key=headers.get("idempotency-key") or None,
            stripe_account=headers.get("stripe-account") or None,
            stripe_version=headers.get("stripe-version") or None, request_id=request_id)
        request.expand = _pop_expand(params)
        status, payload, replayed = _execute(request, handler, groups)
        if replayed:
            out["Idempotent-Replayed"] = "true"
        if request.idempotency_key:
            out["Idempotency-Key"] = request.idempotency_key
        return SandboxResponse(status, payload, out, lost=bool(failure))
    except StripeApiError as exc:
        return SandboxResponse(exc.http_status, exc.body(), {**out, **exc.headers})


def _execute(request: SandboxRequest, handler: Handler, groups: dict[str, str]) -> tuple[int, dict, bool]:
    token = current_request.set(request)
    try:
        with transaction.atomic(using=DB):
            claim = idempotency.claim(request)
            if claim.replay is not None:
                return claim.replay[0], claim.replay[1], True
            try:
                status, payload = 200, handler(request, **groups)
                if request.expand:
                    from stripe_sandbox import store

                    payload = store.expand(payload, request.expand, account=request.stripe_account)
            except StripeApiError as exc:
                if not exc.persist:
                    raise
                status, payload = exc.http_status, exc.body()
            idempotency.store(claim, status, payload)
            return status, payload, False
    except StripeApiError:
        raise
    except Exception as exc:
        log.exception("sandbox handler failed", extra={"path": request.path})
        raise StripeApiError("An unknown error occurred in the Stripe sandbox.", type="api_error",
                             http_status=500) from exc
    finally:
        current_request.reset(token)


def _match(method: str, path: str) -> tuple[Handler, dict[str, str]]:
    for route_method, pattern, handler in _ROUTES:
        found = pattern.fullmatch(path)
        if found and route_method == method:
            return handler, found.groupdict()
    # Stripe answers an unknown path and an unsupported method on a known path alike.
    raise StripeApiError(
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help "
        "at https://support.stripe.com/.", http_status=404)


def _api_key(headers: dict[str, str]) -> str:
    auth = headers.get("authorization", "")
    key = ""
    if auth.lower().startswith("bearer "):
        key = auth[7:].strip()
    elif auth.lower().startswith("basic "):
        try:
            key = base64.b64decode(auth[6:].strip()).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            key = ""
    if not key:
        raise StripeApiError(
            "You did not provide an API key. You need to provide your API key in the Authorization header, "
            "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').", http_status=401)
    # Only the project's own sandbox key opens the sandbox: over HTTP anyone on the network could
    # otherwise read every organisation's customers or forge objects that come back as webhooks.
    if not secrets.compare_digest(key.encode(), sandbox_secret_key().encode()):
        raise StripeApiError(f"Invalid API Key provided: {key[:8]}{'*' * 4}{key[-4:]}", http_status=401)
    return key


def sandbox_secret_key() -> str:
    """The key the gateway uses in sandbox mode: STRIPE_SECRET_KEY when it is a `sk_test_sandbox…`
    key, else `sk_test_sandbox` (what `curl -u sk_test_sandbox:` sends)."""
    from django.conf import settings

    key = settings.STRIPE_SECRET_KEY
    return key if key.startswith("sk_test_sandbox") else "sk_test_sandbox"


def _pop_expand(params: dict[str, Any]) -> list[str]:
    expand = params.pop("expand", [])
    if isinstance(expand, str):
        expand = [expand]
    if not isinstance(expand, list) or not all(isinstance(e, str) for e in expand):
        raise StripeApiError("Invalid array: expand must be an array of strings.", param="expand")
    return expand


def json_body(response: SandboxResponse) -> str:
    return json.dumps(response.body)
