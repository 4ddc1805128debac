"""Who is calling (DESIGN §5), in this order: `Authorization: Bearer <JWT>`; an API key as
`Authorization: Bearer olk_…` or `X-API-Key`; the development headers `X-User-*` only when
ALLOW_HEADER_AUTH and DEBUG are both on. `X-Organization-ID` (id or slug), when sent with a token
or a key, must name its organisation. No credentials: anonymous (HasCapability then answers 401); bad credentials: 401
AUTHENTICATION_REQUIRED at once.

The result is computed once per request and memoised on the Django request: the rate-limit
middleware needs the caller before DRF runs, and DRF's authentication then reuses it. Success puts
an `Actor` on `request.actor` and its organisation on `request.org`, the contract every app uses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from oracle_ledger.actors import Actor
from oracle_ledger.api.context import caller_var
from oracle_ledger.errors import AuthenticationRequiredError

API_KEY_PREFIX = "olk_"
DEV_HEADERS = ("X-User-ID", "X-User-Email", "X-User-Role")
_MEMO = "_oracle_ledger_authentication"
_DEV_USER_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")  # it becomes the actor id in logs and the audit log


@dataclass(frozen=True)
class Authenticated:
    actor: Actor
    user: Any  # the User for JWT and known dev-header users, else None
    credential: Any  # the AccessToken, the ApiKey, or the header values


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def authenticate_request(request: HttpRequest) -> Authenticated | None:
    """The caller of a Django request, memoised. Raises AuthenticationRequiredError for bad
    credentials (every call, so DRF and the middleware see the same answer)."""
    memo = request.__dict__.get(_MEMO)
    if memo is None:
        try:
            memo = _authenticate(request)
        except AuthenticationRequiredError as exc:
            memo = exc
        request.__dict__[_MEMO] = memo
    if isinstance(memo, AuthenticationRequiredError):
        raise memo
    if memo is False:
        return None
    request.actor, request.org = memo.actor, memo.actor.organization
    caller_var.set(memo.actor.id)
    return memo


def _authenticate(request: HttpRequest) -> Authenticated | bool:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, credential = header.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise AuthenticationRequiredError("The Authorization header must be `Bearer <token or API key>`.")
        if credential.startswith(API_KEY_PREFIX):
            return _from_api_key(request, credential)
        return _from_jwt(request, credential)
    if "X-API-Key" in request.headers:
        return _from_api_key(request, request.headers["X-API-Key"].strip())
    if any(name in request.headers for name in DEV_HEADERS):
        return _from_dev_headers(request)
    return False


def _from_jwt(request: HttpRequest, raw: str) -> Authenticated:
    from identity.selectors import user_get_active

    try:
        token = AccessToken(raw)
    except TokenError as exc:
        raise AuthenticationRequiredError("The access token is invalid or has expired.") from exc
    user = user_get_active(public_id=str(token.get(settings.SIMPLE_JWT["USER_ID_CLAIM"], "")))
    # A token minted for another organisation (the user was moved) is no longer valid.
    if user is None or token.get("org") != user.organization.public_id:
        raise AuthenticationRequiredError("The access token is invalid or has expired.")
    _check_organization_header(request, user.organization)
    return Authenticated(actor=Actor.for_user(user, ip=client_ip(request)), user=user, credential=token)


def _from_api_key(request: HttpRequest, secret: str) -> Authenticated:
    from identity.selectors import api_key_get_by_secret
    from identity.services import api_key_touch

    key = api_key_get_by_secret(secret=secret) if secret.startswith(API_KEY_PREFIX) else None
    if key is None:
        raise AuthenticationRequiredError("The API key is not valid.")
    if key.is_revoked:
        raise AuthenticationRequiredError("The API key has been revoked.")
    if key.is_expired():
        raise AuthenticationRequiredError("The API key has expired.")
    _check_organization_header(request, key.organization)
    api_key_touch(api_key=key)
    actor = Actor(type=Actor.API_KEY, id=key.public_id, role=key.role, organization=key.organization,
                  ip=client_ip(request))
    return Authenticated(actor=actor, user=None, credential=key)


def _check_organization_header(request: HttpRequest, organization) -> None:
    """X-Organization-ID is optional; when sent it must name the credential's organisation."""
    org_ref = request.headers.get("X-Organization-ID")
    if org_ref is not None and org_ref.strip() not in (organization.public_id, organization.slug):
        raise AuthenticationRequiredError("X-Organization-ID does not match the credential's organisation.")


def _from_dev_headers(request: HttpRequest) -> Authenticated:
    from identity.models import Role, User
    from identity.selectors import organization_by_ref

    if not (settings.ALLOW_HEADER_AUTH and settings.DEBUG):
        raise AuthenticationRequiredError("Header authentication is disabled; use a token or an API key.")
    user_id, email = request.headers.get("X-User-ID", "").strip(), request.headers.get("X-User-Email", "").strip()
    role = request.headers.get("X-User-Role", "").strip()
    if not _DEV_USER_ID.fullmatch(user_id) or role not in Role.values:
        raise AuthenticationRequiredError(
            f"Header authentication needs X-User-ID (at most 64 of A-Z a-z 0-9 _ . : -) and X-User-Role "
            f"(one of {', '.join(Role.values)}).")
    user = User.objects.select_related("organization").filter(public_id=user_id).first()
    org_ref = request.headers.get("X-Organization-ID", "").strip()
    organization = organization_by_ref(ref=org_ref) if org_ref else (user.organization if user else None)
    if organization is None:
        raise AuthenticationRequiredError("Header authentication needs X-Organization-ID (id or slug).")
    actor = Actor(type=Actor.USER, id=user_id, role=role, email=email or None, organization=organization,
                  ip=client_ip(request), user_pk=user.pk if user else None)
    return Authenticated(actor=actor, user=user, credential={name: request.headers.get(name) for name in DEV_HEADERS})


class ActorAuthentication(BaseAuthentication):
    """DRF's view of `authenticate_request`. `request.user` is the User for JWT callers and None
    for API keys; `request.actor` is what code should read."""

    def authenticate(self, request):
        result = authenticate_request(request._request)
        if result is None:
            return None
        return result.user, result

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


def actor_for(request) -> Actor:
    """The actor behind any request: the API's authenticated caller, or the Django admin's
    logged-in user (admin actions and forms pass this to services)."""
    actor = getattr(request, "actor", None)
    if actor is not None:
        return actor
    return Actor.for_user(request.user, ip=client_ip(getattr(request, "_request", request)))


class ActorAuthenticationScheme(OpenApiAuthenticationExtension):
    """How /api/schema describes ActorAuthentication: a JWT or an API key (either one)."""

    target_class = "oracle_ledger.api.authentication.ActorAuthentication"
    name = ["bearerAuth", "apiKeyAuth"]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
             "description": "An access token from POST /api/auth/login, or an API key (`olk_…`)."},
            {"type": "apiKey", "in": "header", "name": "X-API-Key",
             "description": "An API key; `X-Organization-ID` (id or slug), when sent, must be the key's."},
        ]

    def get_security_requirement(self, auto_schema):
        return [{"bearerAuth": []}, {"apiKeyAuth": []}]
