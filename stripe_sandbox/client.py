"""The in-process transport: what the SDK would send over HTTPS, handed to the dispatcher.

`oracle_ledger.gateway.SandboxHTTPClient` (the `stripe.HTTPClient` subclass; only the gateway
imports `stripe`) calls `handle()` and turns `lost` into the SDK's retryable connection error."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from stripe_sandbox.router import SandboxResponse, dispatch, json_body


class Headers(dict):
    """Case-insensitive response headers: the SDK looks for `stripe-should-retry` in lower case
    and `Request-Id` capitalised, as `requests` allows."""

    def __init__(self, items: Mapping[str, str]):
        super().__init__({k.lower(): v for k, v in items.items()})

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default=None):
        return super().get(key.lower(), default)


def handle(method: str, url: str, headers: Mapping[str, str] | None,
           post_data: bytes | str | None) -> tuple[str, int, Headers, bool]:
    parts = urlsplit(url)
    body = post_data.decode() if isinstance(post_data, bytes) else (post_data or "")
    response: SandboxResponse = dispatch(method, parts.path, parts.query, body, dict(headers or {}))
    return json_body(response), response.status, Headers(response.headers), response.lost
