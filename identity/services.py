"""Writes of the identity app: API keys (create, revoke, touch) and users from the commands."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from audit.services import audit_record
from identity.models import ApiKey, Organization, Role, User
from oracle_ledger.actors import Actor
from oracle_ledger.api.authentication import API_KEY_PREFIX
from oracle_ledger.errors import ValidationFailedError
from oracle_ledger.ids import _ALPHABET as _SECRET_ALPHABET  # base62, as public ids

_SECRET_LENGTH = 40  # ~238 bits
_VISIBLE = 8  # characters of the secret kept in `prefix`


def api_key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_mode() -> str:
    """`test` while Stripe is the offline sandbox (same rule as readiness' stripeMode), else `live`."""
    key = settings.STRIPE_SECRET_KEY
    return "live" if key and not key.startswith("sk_test_sandbox") else "test"


@dataclass(frozen=True)
class NewApiKey:
    api_key: ApiKey
    secret: str  # shown once; only its hash is stored


def api_key_create(*, name: str, role: str, organization: Organization, actor: Actor,
                   expires_at: datetime | None = None, created_by: User | None = None) -> NewApiKey:
    """Create a key and return its secret, which is never readable again. Audited."""
    if role not in Role.values:
        raise ValidationFailedError(details=[{"field": "role", "reason": "Unknown role.", "value": role}])
    if not name.strip():
        raise ValidationFailedError(details=[{"field": "name", "reason": "A name is required.", "value": name}])
    body = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(_SECRET_LENGTH))
    secret = f"{API_KEY_PREFIX}{api_key_mode()}_{body}"
    with transaction.atomic():
        key = ApiKey.objects.create(
            name=name.strip(), role=role, organization=organization, expires_at=expires_at,
            created_by=created_by, key_hash=api_key_hash(secret), prefix=secret[: -(_SECRET_LENGTH - _VISIBLE)])
        audit_record(actor=actor, action="api_key.created", target_type="api_key", target_id=key.public_id,
                     organization=organization, changes={"name": key.name, "role": role, "prefix": key.prefix,
                                                         "expiresAt": expires_at.isoformat() if expires_at else None})
    return NewApiKey(api_key=key, secret=secret)


def api_key_revoke(*, api_key: ApiKey, actor: Actor) -> ApiKey:
    """Revoke at once; revoking twice changes nothing and is not audited twice."""
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action="api_key.revoked", target_type="api_key", target_id=key.public_id,
                         organization=key.organization, changes={"revokedAt": key.revoked_at.isoformat()})
    return key


def api_key_touch(*, api_key: ApiKey, now: datetime | None = None) -> None:
    """Record use, at most once per API_KEY_TOUCH_INTERVAL: a write per request would turn every
    read into a row lock on the key."""
    now = now or timezone.now()
    cutoff = now - settings.API_KEY_TOUCH_INTERVAL
    if api_key.last_used_at is not None and api_key.last_used_at > cutoff:
        return
    ApiKey.objects.filter(pk=api_key.pk).exclude(last_used_at__gt=cutoff).update(last_used_at=now)
    api_key.last_used_at = now


def organization_get_or_create(*, slug: str) -> tuple[Organization, bool]:
    slug = slugify(slug)
    if not slug:
        raise ValidationFailedError(details=[{"field": "organization", "reason": "A slug is required.", "value": slug}])
    return Organization.objects.get_or_create(slug=slug, defaults={"name": slug.replace("-", " ").title()})


def user_create(*, email: str, password: str, role: str, organization: Organization, is_staff: bool = False) -> User:
    if role not in Role.values:
        raise ValidationFailedError(details=[{"field": "role", "reason": "Unknown role.", "value": role}])
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailedError(details=[{"field": "email", "reason": "Email already exists", "value": email}])
    return User.objects.create_user(email, password, role=role, organization=organization, is_staff=is_staff,
                                    is_superuser=False)  # admin-site rights come from the role


def login_failure_audit(*, request, email: str, via: str = "api") -> None:
    """A failed login (API or admin), audited against the user when the email is known, without
    telling the caller whether it is."""
    known = User.objects.select_related("organization").filter(email__iexact=email).first()
    audit_record(actor=None, action="auth.login_failed", outcome="failure", target_type="user",
                 target_id=known.public_id if known else "", organization=known.organization if known else None,
                 request=request, metadata={"email": email, "via": via})
