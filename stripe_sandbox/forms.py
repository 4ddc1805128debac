"""Stripe's form encoding: `a[b][c]=1`, arrays `a[0]=x` / `a[]=x`, `expand[]=…`.

Parsed into nested dicts and lists of strings; a key used both as a value and as a hash is
Stripe's `invalid_request_error` naming that key."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from stripe_sandbox.errors import StripeApiError

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


def _split(key: str) -> list[str]:
    head, _, rest = key.partition("[")
    if not rest:
        return [head]
    rest = "[" + rest
    segments = _SEGMENT.findall(rest)
    if "".join(f"[{s}]" for s in segments) != rest or not head:
        raise StripeApiError(f"Invalid parameter name: {key}", param=key)
    return [head, *segments]


def parse(encoded: str) -> dict[str, Any]:
    root: dict[str, Any] = {}
    arrays: set[int] = set()
    for key, value in parse_qsl(encoded, keep_blank_values=True):
        segments = _split(key)
        node = root
        for depth, segment in enumerate(segments):
            if depth > 0 and (segment == "" or segment.isdigit()):
                arrays.add(id(node))
                segment = str(len(node)) if segment == "" else segment
            last = depth == len(segments) - 1
            name = segments[0] + "".join(f"[{s}]" for s in segments[1 : depth + 1])
            if last:
                if isinstance(node.get(segment), dict):
                    raise StripeApiError(f"Invalid hash: {name}", param=name)
                node[segment] = value
            else:
                child = node.setdefault(segment, {})
                if not isinstance(child, dict):
                    raise StripeApiError(f"Invalid hash: {name}", param=name)
                node = child
    return _listify(root, arrays)


def _listify(node: Any, arrays: set[int]) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v, arrays) for k, v in node.items()}
    if id(node) in arrays and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted
