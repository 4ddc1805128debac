"""API keys as `Authorization: Bearer olk_…` or `X-API-Key`, with X-Organization-ID checked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from identity.models import ApiKey
from identity.services import api_key_revoke, api_key_touch
from oracle_ledger.actors import Actor
from tests.identity.factories import ApiKeyFactory
from tests.identity.test_jwt import WHOAMI, assert_error

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.identity.urls")]


def test_key_is_stored_only_as_a_hash_with_a_visible_prefix(org):
    key, secret = ApiKeyFactory.create_with_secret(role="accountant", organization=org)
    assert secret.startswith("olk_test_") and len(secret) == len("olk_test_") + 40
    assert key.prefix == secret[: len("olk_test_") + 8]
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert all(secret not in str(value) for value in stored.values())
    assert key.public_id.startswith("key_")


def test_live_mode_keys_are_olk_live(org, settings):
    settings.STRIPE_SECRET_KEY = "sk_live_abc"
    _, secret = ApiKeyFactory.create_with_secret(organization=org)
    assert secret.startswith("olk_live_")


@pytest.mark.parametrize("how", ["bearer", "x-api-key"])
def test_key_authenticates_as_an_api_key_actor(api_client, org, how):
    key, secret = ApiKeyFactory.create_with_secret(role="finance_manager", organization=org)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if how == "bearer" else {"HTTP_X_API_KEY": secret}
    response = api_client.get(WHOAMI, **headers)
    assert response.status_code == 200, response.content
    assert response.json()["data"] == {"type": "api_key", "id": key.public_id, "role": "finance_manager",
                                       "org": org.public_id, "userPk": None}


@pytest.mark.parametrize("ref", ["public_id", "slug"])
def test_matching_organization_header_is_accepted(api_client, org, ref):
    _, secret = ApiKeyFactory.create_with_secret(organization=org)
    response = api_client.get(WHOAMI, HTTP_X_API_KEY=secret, HTTP_X_ORGANIZATION_ID=getattr(org, ref))
    assert response.status_code == 200, response.content


def test_mismatched_organization_header_is_rejected(api_client, org, other_org):
    _, secret = ApiKeyFactory.create_with_secret(organization=org)
    for ref in (other_org.public_id, other_org.slug, "org_doesnotexist"):
        response = api_client.get(WHOAMI, HTTP_X_API_KEY=secret, HTTP_X_ORGANIZATION_ID=ref)
        body = assert_error(response, 401, "AUTHENTICATION_REQUIRED")
        assert "X-Organization-ID" in body["error"]["message"]


def test_revoked_key_is_rejected(api_client, org):
    key, secret = ApiKeyFactory.create_with_secret(organization=org)
    api_key_revoke(api_key=key, actor=Actor.system())
    body = assert_error(api_client.get(WHOAMI, HTTP_X_API_KEY=secret), 401, "AUTHENTICATION_REQUIRED")
    assert "revoked" in body["error"]["message"]


def test_expired_key_is_rejected(api_client, org):
    _, secret = ApiKeyFactory.create_with_secret(organization=org, expires_at=timezone.now() - timedelta(seconds=1))
    body = assert_error(api_client.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer {secret}"), 401, "AUTHENTICATION_REQUIRED")
    assert "expired" in body["error"]["message"]


@pytest.mark.parametrize("secret", ["olk_test_" + "x" * 40, "olk_live_", "not-a-key-at-all"])
def test_unknown_key_is_rejected(api_client, org, secret):
    ApiKeyFactory.create_with_secret(organization=org)
    assert_error(api_client.get(WHOAMI, HTTP_X_API_KEY=secret), 401, "AUTHENTICATION_REQUIRED")


def test_last_used_is_recorded_but_not_rewritten_within_a_minute(api_client, org, django_assert_num_queries):
    key, secret = ApiKeyFactory.create_with_secret(organization=org)
    assert key.last_used_at is None
    api_client.get(WHOAMI, HTTP_X_API_KEY=secret)
    first = ApiKey.objects.get(pk=key.pk).last_used_at
    assert first is not None
    api_client.get(WHOAMI, HTTP_X_API_KEY=secret)
    assert ApiKey.objects.get(pk=key.pk).last_used_at == first
    key.refresh_from_db()
    with django_assert_num_queries(0):  # touched moments ago: no write
        api_key_touch(api_key=key, now=first + timedelta(seconds=59))
    with django_assert_num_queries(1):
        api_key_touch(api_key=key, now=first + timedelta(seconds=61))
    assert ApiKey.objects.get(pk=key.pk).last_used_at == first + timedelta(seconds=61)
