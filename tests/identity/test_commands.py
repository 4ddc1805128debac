"""create_user, create_api_key and revoke_api_key."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEntry
from identity.models import ApiKey, Organization, User
from tests.identity.test_jwt import WHOAMI, assert_error

pytestmark = pytest.mark.django_db


def run(*args) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().rstrip("\n").split("\n")


def test_create_user_creates_the_organisation_and_can_log_in(api_client):
    lines = run("create_user", "--email", "Ann@Example.com", "--password", "a-long-passphrase-9",
                "--role", "accountant", "--organization", "newco")
    org = Organization.objects.get(slug="newco")
    assert lines[0] == f"Created organisation newco (id {org.public_id})"
    user = User.objects.get(email="ann@example.com")
    assert (user.role, user.organization) == ("accountant", org)
    response = api_client.post("/api/auth/login", {"email": "ann@example.com", "password": "a-long-passphrase-9"},
                               format="json")
    assert response.status_code == 200


def test_create_user_in_an_existing_organisation_does_not_announce_it(org):
    lines = run("create_user", "--email", "b@example.com", "--password", "a-long-passphrase-9",
                "--role", "user", "--organization", org.slug)
    assert len(lines) == 1 and org.public_id in lines[0]


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "root"], "invalid choice"),
    (["--password", "short"], "Password rejected"),
])
def test_create_user_rejects_bad_input(args, message):
    base = {"--email": "c@example.com", "--password": "a-long-passphrase-9", "--role": "user", "--organization": "x"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    with pytest.raises(CommandError, match=message):
        run("create_user", *[part for pair in base.items() for part in pair])
    assert not User.objects.filter(email="c@example.com").exists()


def test_create_user_with_an_existing_email_fails(make_user):
    user = make_user()
    with pytest.raises(CommandError, match="Email already exists"):
        run("create_user", "--email", user.email.upper(), "--password", "a-long-passphrase-9", "--role", "user",
            "--organization", "acme")


@pytest.mark.urls("tests.identity.urls")
def test_create_api_key_prints_the_key_alone_on_the_last_line(api_client):
    lines = run("create_api_key", "--name", "payroll sync", "--role", "finance_manager", "--organization", "payco",
                "--expires-in-days", "30")
    org = Organization.objects.get(slug="payco")
    assert lines[0] == f"Created organisation payco (id {org.public_id})"
    secret = lines[-1]
    assert secret.startswith("olk_test_") and " " not in secret
    assert sum(secret in line for line in lines) == 1
    key = ApiKey.objects.get()
    assert (key.name, key.role, key.organization) == ("payroll sync", "finance_manager", org)
    assert 29 <= (key.expires_at - key.created_at).days <= 30
    response = api_client.get(WHOAMI, HTTP_X_API_KEY=secret, HTTP_X_ORGANIZATION_ID="payco")
    assert response.json()["data"]["id"] == key.public_id
    entry = AuditEntry.objects.get(action="api_key.created")
    assert entry.actor_type == "system" and entry.object_id == key.public_id


def test_create_api_key_rejects_a_bad_expiry():
    with pytest.raises(CommandError):
        run("create_api_key", "--name", "k", "--role", "admin", "--organization", "o", "--expires-in-days", "0")
    assert not ApiKey.objects.exists()


@pytest.mark.urls("tests.identity.urls")
@pytest.mark.parametrize("by", ["public_id", "prefix"])
def test_revoke_api_key_by_id_or_prefix(api_client, org, by):
    secret = run("create_api_key", "--name", "k", "--role", "admin", "--organization", org.slug)[-1]
    key = ApiKey.objects.get()
    lines = run("revoke_api_key", getattr(key, by))
    assert "revoked at" in lines[-1]
    assert_error(api_client.get(WHOAMI, HTTP_X_API_KEY=secret), 401, "AUTHENTICATION_REQUIRED")
    assert AuditEntry.objects.filter(action="api_key.revoked", object_id=key.public_id).count() == 1
    assert "already revoked" in run("revoke_api_key", key.public_id)[-1]
    assert AuditEntry.objects.filter(action="api_key.revoked").count() == 1


def test_revoke_an_unknown_key_fails():
    with pytest.raises(CommandError, match="No single API key"):
        run("revoke_api_key", "key_nope")
