"""JWTs (simplejwt): tokens carry the user's organisation public id and role (DESIGN §9)."""

from __future__ import annotations

from django.conf import settings
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from identity.models import User
from identity.selectors import user_get_active
from oracle_ledger.errors import AuthenticationRequiredError


def _with_claims(token, user: User):
    token["org"] = user.organization.public_id
    token["role"] = user.role
    return token


def tokens_for(user: User) -> tuple[str, str]:
    """(access, refresh) for a user who just logged in."""
    refresh = _with_claims(RefreshToken.for_user(user), user)
    return str(refresh.access_token), str(refresh)


def refresh_validate(raw: str) -> tuple[RefreshToken, User]:
    """A valid, unexpired, not blacklisted refresh token and its (still active) user."""
    try:
        refresh = RefreshToken(raw)  # verify() checks the blacklist too
    except TokenError as exc:
        raise AuthenticationRequiredError("The refresh token is invalid, expired or revoked.") from exc
    user = user_get_active(public_id=str(refresh.get(settings.SIMPLE_JWT["USER_ID_CLAIM"], "")))
    if user is None:
        raise AuthenticationRequiredError("The refresh token is invalid, expired or revoked.")
    return refresh, user


def access_for(user: User) -> str:
    """A fresh access token from current data, so a role change shows on the next refresh."""
    return str(_with_claims(AccessToken.for_user(user), user))
