"""Events: retrieve and list (filter by `type`, `types[]`, `created`)."""

from __future__ import annotations

from typing import Any

from stripe_sandbox import store
from stripe_sandbox.params import Params
from stripe_sandbox.router import SandboxRequest, route


@route("GET", r"/v1/events/(?P<event_id>[^/]+)")
def event_retrieve(req: SandboxRequest, event_id: str) -> dict[str, Any]:
    Params(req.params, ())
    return store.get("event", event_id, account=req.stripe_account)


@route("GET", r"/v1/events")
def event_list(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, (*store.LIST_PARAMS, "type", "types", "delivery_success"))
    rows = store.query("event", account=req.stripe_account)
    event_type = p.string("type")
    if event_type:
        # Stripe allows one `*` wildcard: "payment_intent.*"
        rows = rows.filter(data__type__startswith=event_type[:-1]) if event_type.endswith("*") else \
            rows.filter(data__type=event_type)
    types = p.string_list("types")
    if types:
        rows = rows.filter(data__type__in=types)
    p.boolean("delivery_success")
    return store.list_page(p, rows, url="/v1/events", object_type="event", account=req.stripe_account)
