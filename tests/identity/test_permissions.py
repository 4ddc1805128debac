"""The role matrix of DESIGN §5 against one protected endpoint per capability; org scoping."""

from __future__ import annotations

import pytest

from oracle_ledger.actors import Actor
from oracle_ledger.api.permissions import MATRIX, Capability, org_scoped, scope_of
from tests.identity.factories import ApiKeyFactory
from tests.identity.matrix import ALLOWED, OWN_ONLY, ROLES, assert_access, every_role_and_capability
from tests.identity.test_jwt import assert_error

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.identity.urls")]


def capability_path(capability: Capability) -> str:
    return f"/api/test/capability/{capability.value}"


@pytest.mark.parametrize(("role", "capability", "allowed"), every_role_and_capability())
def test_role_against_each_capability_with_a_jwt(client_for, role, capability, allowed):
    assert_access(client_for(role).get(capability_path(capability)), allowed)


@pytest.mark.parametrize(("role", "capability", "allowed"), every_role_and_capability())
def test_role_against_each_capability_with_an_api_key(api_client, org, role, capability, allowed):
    _, secret = ApiKeyFactory.create_with_secret(role=role, organization=org)
    assert_access(api_client.get(capability_path(capability), HTTP_X_API_KEY=secret), allowed)


@pytest.mark.parametrize("capability", list(Capability))
def test_each_capability_without_credentials_is_401(api_client, capability):
    assert_error(api_client.get(capability_path(capability)), 401, "AUTHENTICATION_REQUIRED")


def test_own_scopes_match_the_design():
    for capability in Capability:
        for role in ROLES:
            expected = None if role not in ALLOWED[capability] else (
                "own" if role in OWN_ONLY.get(capability, set()) else "all")
            assert scope_of(role, capability) == expected, (role, capability)
    assert set(MATRIX) == set(Capability)


def test_denial_names_the_missing_capability(client_for):
    body = assert_error(client_for("auditor").get(capability_path(Capability.MANAGE)), 403, "INSUFFICIENT_PERMISSIONS")
    assert body["error"]["details"] == {"requiredCapability": "manage", "role": "auditor"}


def test_a_record_of_another_organisation_is_not_found(client_for, make_user, org, other_org):
    mine, theirs = make_user("user", org=org), make_user("user", org=other_org)
    admin = client_for("admin", org=org)
    assert admin.get(f"/api/test/users/{mine.public_id}").status_code == 200
    assert_error(admin.get(f"/api/test/users/{theirs.public_id}"), 404, "RESOURCE_NOT_FOUND")
    assert_error(admin.get("/api/test/users/usr_doesnotexist"), 404, "RESOURCE_NOT_FOUND")


def test_org_scoped_limits_own_scope_to_the_callers_records(make_user, org):
    from identity.models import ApiKey

    creator, colleague = make_user("user"), make_user("user")
    k1, _ = ApiKeyFactory.create_with_secret(organization=org, created_by=creator)
    ApiKeyFactory.create_with_secret(organization=org, created_by=colleague)
    scoped = org_scoped(ApiKey.objects.all(), Actor.for_user(creator), Capability.CUSTOMERS_READ)
    assert list(scoped) == [k1]
    everything = org_scoped(ApiKey.objects.all(), Actor.for_user(make_user("admin")), Capability.CUSTOMERS_READ)
    assert everything.count() == 2
    key_actor = Actor(type=Actor.API_KEY, id="key_x", role="user", organization=org)
    assert not org_scoped(ApiKey.objects.all(), key_actor, Capability.CUSTOMERS_READ).exists()
