"""Public ids: opaque, prefixed, random (DESIGN §4), never database integers."""

from __future__ import annotations

import secrets
from functools import partial

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def public_id(prefix: str, length: int = 20) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def public_id_factory(prefix: str):
    """A model field default: `public_id = models.CharField(default=public_id_factory("cust_"))`.
    Returns a partial (not a lambda) so migrations can serialise it."""
    return partial(public_id, prefix)
