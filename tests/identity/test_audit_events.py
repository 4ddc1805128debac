"""Authentication events, key lifecycle and permission denials land in the audit log."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from identity.services import api_key_revoke
from oracle_ledger.actors import Actor
from tests.identity.factories import PASSWORD, ApiKeyFactory

pytestmark = pytest.mark.django_db


def only(action: str) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(action=action))
    assert len(entries) == 1, [e.action for e in AuditEntry.objects.all()]
    return entries[0]


def test_successful_login_is_audited(api_client, make_user):
    user = make_user("accountant")
    api_client.post("/api/auth/login", {"email": user.email, "password": PASSWORD}, format="json",
                    HTTP_X_REQUEST_ID="login-1")
    entry = only("auth.login")
    assert (entry.actor_type, entry.actor_id, entry.role, entry.outcome) == ("user", user.public_id, "accountant",
                                                                             "success")
    assert entry.organization == user.organization and entry.request_id == "login-1" and entry.ip == "127.0.0.1"


def test_failed_login_is_audited_without_the_password(api_client, make_user):
    user = make_user()
    api_client.post("/api/auth/login", {"email": user.email, "password": "wrong-password-123"}, format="json")
    api_client.post("/api/auth/login", {"email": "ghost@example.com", "password": "whatever-123"}, format="json")
    entries = list(AuditEntry.objects.filter(action="auth.login_failed").order_by("id"))
    assert [e.outcome for e in entries] == ["failure", "failure"]
    assert [e.metadata["email"] for e in entries] == [user.email, "ghost@example.com"]
    assert entries[0].object_id == user.public_id and entries[1].object_id == ""
    assert all("wrong-password" not in str(e.metadata) + str(e.changes) for e in entries)
    assert not AuditEntry.objects.filter(action="auth.login").exists()


def test_logout_is_audited(api_client, make_user):
    user = make_user()
    refresh = api_client.post("/api/auth/login", {"email": user.email, "password": PASSWORD},
                              format="json").json()["data"]["refreshToken"]
    api_client.post("/api/auth/logout", {"refreshToken": refresh}, format="json")
    assert only("auth.logout").actor_id == user.public_id


def test_key_creation_and_revocation_are_audited_once(org, make_user):
    admin = make_user("admin")
    key, secret = ApiKeyFactory.create_with_secret(organization=org, role="auditor")
    created = only("api_key.created")
    assert created.object_id == key.public_id and created.changes["role"] == "auditor"
    assert secret not in str(created.changes) + str(created.metadata)
    api_key_revoke(api_key=key, actor=Actor.for_user(admin))
    api_key_revoke(api_key=key, actor=Actor.for_user(admin))
    revoked = only("api_key.revoked")
    assert revoked.actor_id == admin.public_id and revoked.object_id == key.public_id


@pytest.mark.urls("tests.identity.urls")
def test_permission_denial_is_audited(client_for):
    client = client_for("compliance_officer")
    client.get("/api/test/capability/ledger:read")
    entry = only("permission.denied")
    assert (entry.actor_id, entry.role, entry.outcome) == (client.user.public_id, "compliance_officer", "denied")
    assert entry.metadata["capability"] == "ledger:read" and entry.object_id == "/api/test/capability/ledger:read"
