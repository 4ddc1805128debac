"""Reads of the identity app."""

from __future__ import annotations

from django.db.models import Q

from identity.models import ApiKey, Organization, User
from oracle_ledger.errors import ResourceNotFoundError


def api_key_get_by_secret(*, secret: str) -> ApiKey | None:
    from identity.services import api_key_hash

    return ApiKey.objects.select_related("organization").filter(key_hash=api_key_hash(secret)).first()


def api_key_find(*, ref: str) -> ApiKey:
    """A key by its public id or its visible prefix (what `revoke_api_key` accepts)."""
    keys = list(ApiKey.objects.filter(public_id=ref)[:2]) or list(ApiKey.objects.filter(prefix=ref)[:2])
    if len(keys) != 1:
        raise ResourceNotFoundError(f"No single API key matches {ref!r}.")
    return keys[0]


def organization_by_ref(*, ref: str) -> Organization | None:
    """`X-Organization-ID` takes the public id or the slug (DESIGN §9)."""
    return Organization.objects.filter(Q(public_id=ref) | Q(slug=ref)).first()


def user_get_active(*, public_id: str) -> User | None:
    return User.objects.select_related("organization").filter(public_id=public_id, is_active=True).first()
