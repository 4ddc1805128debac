"""Test clocks: `/v1/test_helpers/test_clocks` create, retrieve, list, advance, delete.

The sandbox has one clock (DESIGN §9), so a test clock is a handle on it: advancing a test clock
to `frozen_time` advances the sandbox clock to that time (never backwards), running the daily
work and every due transition on the way. As at Stripe, the advance call answers `advancing`
and the clock turns `ready` when done; here that happens as soon as the call's own transaction
has committed, before the answer reaches the caller, so a retrieve right after shows `ready`."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from stripe_sandbox import DB, clock, events, store, timeline
from stripe_sandbox.errors import StripeApiError
from stripe_sandbox.params import Params
from stripe_sandbox.resources._connect_shapes import template
from stripe_sandbox.router import SandboxRequest, route

log = logging.getLogger(__name__)
OBJECT = "test_helpers.test_clock"
LIFETIME = 7 * 86_400  # Stripe deletes a test clock 7 days after creation (`deletes_after`)
_ID = r"(?P<clock_id>[^/]+)"


@route("POST", r"/v1/test_helpers/test_clocks")
def test_clock_create(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, ("frozen_time", "name"))
    now = clock.now()
    test_clock = template(OBJECT)
    test_clock.update(id=store.new_id("clock"), created=now, deletes_after=now + LIFETIME,
                      frozen_time=p.integer("frozen_time", required=True, minimum=0),
                      name=p.string("name", max_length=300), status="ready", status_details={}, livemode=False)
    store.create(test_clock)
    events.emit("test_helpers.test_clock.created", test_clock)
    return test_clock


@route("GET", rf"/v1/test_helpers/test_clocks/{_ID}")
def test_clock_retrieve(req: SandboxRequest, clock_id: str) -> dict[str, Any]:
    Params(req.params, ())
    return store.get(OBJECT, clock_id, label="test clock")


@route("GET", r"/v1/test_helpers/test_clocks")
def test_clock_list(req: SandboxRequest) -> dict[str, Any]:
    p = Params(req.params, store.LIST_PARAMS)
    return store.list_page(p, store.query(OBJECT), url="/v1/test_helpers/test_clocks", object_type=OBJECT)


@route("DELETE", rf"/v1/test_helpers/test_clocks/{_ID}")
def test_clock_delete(req: SandboxRequest, clock_id: str) -> dict[str, Any]:
    Params(req.params, ())
    test_clock = store.get(OBJECT, clock_id, for_update=True, label="test clock")
    store.mark_deleted(clock_id)
    events.emit("test_helpers.test_clock.deleted", test_clock)
    return {"id": clock_id, "object": OBJECT, "deleted": True}


@route("POST", rf"/v1/test_helpers/test_clocks/{_ID}/advance")
def test_clock_advance(req: SandboxRequest, clock_id: str) -> dict[str, Any]:
    p = Params(req.params, ("frozen_time",))
    test_clock = store.get(OBJECT, clock_id, for_update=True, label="test clock")
    target = p.integer("frozen_time", required=True, minimum=0)
    if test_clock["status"] != "ready":
        raise StripeApiError(f"The test clock {clock_id} is {test_clock['status']} and cannot be advanced now.",
                             code="test_clock_not_ready" if test_clock["status"] == "advancing" else None,
                             param="test_clock")
    if target <= test_clock["frozen_time"]:
        raise StripeApiError("The frozen_time must be after the test clock's current frozen_time "
                             f"({test_clock['frozen_time']}).", param="frozen_time")
    test_clock.update(status="advancing", status_details={"advancing": {"target_frozen_time": target}})
    store.save(test_clock)
    events.emit("test_helpers.test_clock.advancing", test_clock)
    # After this request's transaction commits: time-driven work runs in transactions of its own
    # (and calls the project's hooks), never inside the request that asked for it.
    transaction.on_commit(lambda: _finish_advance(clock_id, target), using=DB)
    return test_clock


def _finish_advance(clock_id: str, target: int) -> None:
    status = "ready"
    try:
        timeline.advance_to(target)
    except Exception:  # noqa: BLE001 - Stripe's `internal_failure` state is the honest outcome
        log.exception("test clock advance failed", extra={"test_clock": clock_id})
        status = "internal_failure"
    with transaction.atomic(using=DB):
        test_clock = store.get(OBJECT, clock_id, for_update=True)
        test_clock.update(status=status, status_details={})
        if status == "ready":
            test_clock["frozen_time"] = target
        store.save(test_clock)
        events.emit(f"test_helpers.test_clock.{status}", test_clock)
