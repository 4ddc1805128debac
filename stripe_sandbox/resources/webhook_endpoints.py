"""Webhook endpoints: create (the only answer that shows `secret`), retrieve, update, delete, list."""

from __future__ import annotations

import secrets
from typing import Any

from stripe_sandbox import clock, store
from stripe_sandbox.errors import StripeApiError
from stripe_sandbox.params import Params, merge_metadata
from stripe_sandbox.router import SandboxRequest, route

FIELDS = ("url", "enabled_events", "description", "metadata", "api_version", "connect", "disabled")


def endpoint_object(*, endpoint_id: str, url: str, enabled_events: list[str], description: str | None = None,
                    secret: str | None = None) -> dict[str, Any]:
    return {
        "id": endpoint_id, "object": "webhook_endpoint", "api_version": None, "application": None,
        "created": clock.now(), "description": description, "enabled_events": enabled_events,
        "livemode": False, "metadata": {}, "status": "enabled", "url": url,
        "secret": secret or "whsec_" + secrets.token_hex(16),
    }


def public(endpoint: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in endpoint.items() if k != "secret"}


def _url(p: Params, required: bool) -> str | None:
    url = p.string("url", required=required, max_length=5000)
    if url is not None and not url.startswith(("http://", "https://")):
        raise StripeApiError("Invalid URL: URL must be publicly accessible and start with http:// or https://",
                             code="url_invalid", param="url")
    return url


def _events(p: Params, required: bool) -> list[str] | None:
    enabled = p.string_list("enabled_events", required=required)
    if enabled is not None and not enabled:
        raise StripeApiError("Missing required param: enabled_events.", code="parameter_missing",
                             param="enabled_events")
    return enabled


@route("POST", r"/v1/webhook_endpoints")
def webhook_endpoint_create(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, FIELDS)
    endpoint = endpoint_object(endpoint_id=store.new_id("we"), url=_url(p, True), enabled_events=_events(p, True),
                               description=p.string("description", nullable=True) or None)
    endpoint["metadata"] = merge_metadata({}, p.metadata())
    endpoint["api_version"] = p.string("api_version")
    return store.create(endpoint)


@route("GET", r"/v1/webhook_endpoints/(?P<endpoint_id>[^/]+)")
def webhook_endpoint_retrieve(req: SandboxRequest, endpoint_id: str) -> dict[str, Any]:
    Params(req.params, ())
    return public(store.get("webhook_endpoint", endpoint_id, label="webhook endpoint"))


@route("POST", r"/v1/webhook_endpoints/(?P<endpoint_id>[^/]+)")
def webhook_endpoint_update(req: SandboxRequest, endpoint_id: str) -> dict[str, Any]:
    p = Params(req.params, ("url", "enabled_events", "description", "metadata", "disabled"))
    endpoint = store.get("webhook_endpoint", endpoint_id, for_update=True, label="webhook endpoint")
    if p.has("url"):
        endpoint["url"] = _url(p, False)
    if p.has("enabled_events"):
        endpoint["enabled_events"] = _events(p, False)
    if p.has("description"):
        endpoint["description"] = p.string("description", nullable=True) or None
    if p.has("disabled"):
        endpoint["status"] = "disabled" if p.boolean("disabled") else "enabled"
    endpoint["metadata"] = merge_metadata(endpoint["metadata"], p.metadata())
    return public(store.save(endpoint))


@route("DELETE", r"/v1/webhook_endpoints/(?P<endpoint_id>[^/]+)")
def webhook_endpoint_delete(req: SandboxRequest, endpoint_id: str) -> dict[str, Any]:
    Params(req.params, ())
    store.get("webhook_endpoint", endpoint_id, label="webhook endpoint")
    store.mark_deleted(endpoint_id)
    return {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}


@route("GET", r"/v1/webhook_endpoints")
def webhook_endpoint_list(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, store.LIST_PARAMS)
    page = store.list_page(p, store.query("webhook_endpoint"), url="/v1/webhook_endpoints",
                           object_type="webhook_endpoint")
    page["data"] = [public(e) for e in page["data"]]
    return page
