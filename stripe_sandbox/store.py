"""Reading and writing Stripe objects, Stripe-style ids, list pages and `expand[]`.

Objects live on the platform (`account=None`) or on a connected account (the request's
`Stripe-Account`); a lookup only sees objects of the account it is asked for."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from stripe_sandbox import DB
from stripe_sandbox.errors import StripeApiError, not_found
from stripe_sandbox.models import SandboxObject
from stripe_sandbox.params import Params

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def new_id(prefix: str) -> str:
    """`new_id("cus")` -> `cus_1Q…` (24 random characters, as Stripe's ids look)."""
    return f"{prefix}_1" + "".join(secrets.choice(_ALPHABET) for _ in range(23))


def secret(prefix: str) -> str:
    return f"{prefix}_secret_" + "".join(secrets.choice(_ALPHABET) for _ in range(25))


def create(data: dict[str, Any], *, account: str | None = None) -> dict[str, Any]:
    SandboxObject.objects.using(DB).create(
        id=data["id"], object=data["object"], data=data, account=account, created=data.get("created") or 0)
    return data


def save(data: dict[str, Any]) -> dict[str, Any]:
    """Store the new state of an object read with `get(..., for_update=True)`."""
    SandboxObject.objects.using(DB).filter(id=data["id"]).update(data=data)
    return data


def mark_deleted(object_id: str) -> None:
    SandboxObject.objects.using(DB).filter(id=object_id).update(deleted=True)


def find(object_id: str, *, account: str | None = None, object_type: str | None = None,
         for_update: bool = False, include_deleted: bool = False) -> dict[str, Any] | None:
    qs = SandboxObject.objects.using(DB).filter(id=object_id, account=account)
    if object_type:
        qs = qs.filter(object=object_type)
    if not include_deleted:
        qs = qs.filter(deleted=False)
    if for_update:
        qs = qs.select_for_update()
    row = qs.first()
    return copy.deepcopy(row.data) if row else None


def find_any(object_id: str) -> dict[str, Any] | None:
    """By id alone, whatever account it lives on (ids are unique): for webhooks and expansion."""
    row = SandboxObject.objects.using(DB).filter(id=object_id).first()
    return copy.deepcopy(row.data) if row else None


def get(object_type: str, object_id: str, *, account: str | None = None, for_update: bool = False,
        param: str = "id", label: str | None = None, http_status: int = 404) -> dict[str, Any]:
    """The object, or Stripe's 404 `resource_missing` ("No such customer: 'cus_…'")."""
    data = find(object_id, account=account, object_type=object_type, for_update=for_update)
    if data is None:
        raise not_found(label or object_type.replace("_", " "), object_id, param, http_status)
    return data


def ref(object_type: str, object_id: str, *, param: str, account: str | None = None, for_update: bool = False,
        label: str | None = None) -> dict[str, Any]:
    """An object named by a request parameter (`customer=cus_…`): missing is 400, as Stripe answers."""
    return get(object_type, object_id, account=account, for_update=for_update, param=param, label=label,
               http_status=400)


def query(object_type: str, *, account: str | None = None, **filters: Any):
    """Rows of one type, newest first; `filters` are lookups on the JSON (`data__customer=…`)."""
    return (SandboxObject.objects.using(DB)
            .filter(object=object_type, account=account, deleted=False, **filters).order_by("-seq"))


LIST_PARAMS = ("limit", "starting_after", "ending_before", "created")


def list_page(params: Params, rows, *, url: str, object_type: str, account: str | None = None) -> dict[str, Any]:
    """Stripe's cursor pagination over `rows` (a `query(...)`): `limit` 1..100 (default 10),
    `starting_after` / `ending_before` object ids, `created[gt|gte|lt|lte]`."""
    limit = params.integer("limit", minimum=1, maximum=100) or 10
    after, before = params.string("starting_after"), params.string("ending_before")
    if after and before:
        raise StripeApiError("You may only specify one of these parameters: ending_before, starting_after.",
                             code="parameters_exclusive", param="ending_before")
    rows = _created_filter(params, rows)
    if after:
        rows = rows.filter(seq__lt=_cursor(after, object_type, account, "starting_after"))
    if before:
        page = list(rows.filter(seq__gt=_cursor(before, object_type, account, "ending_before"))
                    .order_by("seq")[: limit + 1])
        has_more = len(page) > limit
        page = list(reversed(page[:limit]))
    else:
        page = list(rows[: limit + 1])
        has_more = len(page) > limit
        page = page[:limit]
    return {"object": "list", "data": [row.data for row in page], "has_more": has_more, "url": url}


def _cursor(object_id: str, object_type: str, account: str | None, param: str) -> int:
    row = SandboxObject.objects.using(DB).filter(id=object_id, object=object_type, account=account).first()
    if row is None:
        raise not_found(object_type.replace("_", " "), object_id, param, 400)
    return row.seq


def _created_filter(params: Params, rows):
    created = params.raw("created")
    if created is None:
        return rows
    if isinstance(created, str):
        return rows.filter(created=params.integer("created"))
    bounds = params.sub("created", ("gt", "gte", "lt", "lte"))
    for op in ("gt", "gte", "lt", "lte"):
        value = bounds.integer(op)
        if value is not None:
            rows = rows.filter(**{f"created__{op}": value})
    return rows


def expand(body: dict[str, Any], paths: list[str], *, account: str | None) -> dict[str, Any]:
    """Replace ids by the objects they name along each dotted `expand[]` path (`data.` walks a
    list; up to four levels, as Stripe allows)."""
    for path in paths:
        parts = path.split(".")
        if len(parts) > 4:
            raise StripeApiError("You cannot expand more than 4 levels of a property.", param="expand")
        _expand_into(body, parts, account, path)
    return body


def _expand_into(node: Any, parts: list[str], account: str | None, path: str) -> None:
    if isinstance(node, dict) and node.get("object") == "list" and parts[0] == "data":
        for item in node["data"]:
            if parts[1:]:
                _expand_into(item, parts[1:], account, path)
        return
    if not isinstance(node, dict) or parts[0] not in node:
        raise StripeApiError(f"This property cannot be expanded ({path}).", param="expand")
    value = node[parts[0]]
    if isinstance(value, str):
        # A platform transaction can name a connected account's object (the fee of its payout).
        found = find(value, account=account) or find(value, account=None) or find_any(value)
        if found is None:
            raise StripeApiError(f"This property cannot be expanded ({path}).", param="expand")
        node[parts[0]] = value = found
    if parts[1:] and value is not None:
        _expand_into(value, parts[1:], account, path)
