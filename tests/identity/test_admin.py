"""Users and API keys in the Django admin: admins only; a new key is shown once; audited."""

from __future__ import annotations

import re

import pytest

from audit.models import AuditEntry
from identity.models import ApiKey, User
from identity.services import api_key_hash
from tests.identity.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    user = make_user("admin", is_staff=True)
    client.force_login(user)
    client.user = user
    return client


def test_admin_creates_a_key_and_sees_the_secret_once(admin_client, org):
    response = admin_client.post("/admin/identity/apikey/add/", {
        "name": "ledger export", "role": "auditor", "organization": org.pk, "expires_at_0": "", "expires_at_1": ""})
    assert response.status_code == 200, response.content.decode()[:2000]
    secret = re.search(r'id="api-key-secret"[^>]*>(olk_test_[A-Za-z0-9]+)<', response.content.decode()).group(1)
    key = ApiKey.objects.get()
    assert key.key_hash == api_key_hash(secret) and key.created_by == admin_client.user
    assert (key.name, key.role, key.organization) == ("ledger export", "auditor", org)
    change_page = admin_client.get(f"/admin/identity/apikey/{key.pk}/change/").content.decode()
    listing = admin_client.get("/admin/identity/apikey/").content.decode()
    assert key.prefix in listing and secret not in listing and secret not in change_page
    entry = AuditEntry.objects.get(action="api_key.created")
    assert entry.actor_id == admin_client.user.public_id and entry.object_id == key.public_id


def test_admin_revokes_keys_with_the_action(admin_client, org):
    key, _ = ApiKeyFactory.create_with_secret(organization=org)
    response = admin_client.post("/admin/identity/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.is_revoked
    assert AuditEntry.objects.get(action="api_key.revoked").actor_id == admin_client.user.public_id


def test_admin_adds_a_user_and_the_change_is_audited_without_the_password(admin_client, org):
    response = admin_client.post("/admin/identity/user/add/", {
        "email": "new@example.com", "organization": org.pk, "role": "accountant",
        "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9", "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(email="new@example.com")
    entry = AuditEntry.objects.get(action="user.created")
    assert entry.object_id == user.public_id and entry.changes["role"] == "accountant"
    assert "a-long-passphrase-9" not in str(entry.changes)


@pytest.mark.parametrize("role", ["accountant", "finance_manager", "compliance_officer", "auditor"])
def test_other_staff_roles_cannot_manage_users_or_keys(client, make_user, role):
    client.force_login(make_user(role, is_staff=True))
    for url in ("/admin/identity/apikey/", "/admin/identity/apikey/add/", "/admin/identity/user/",
                "/admin/identity/user/add/"):
        assert client.get(url).status_code == 403, url


def test_keys_and_users_cannot_be_deleted_in_the_admin(admin_client, org):
    key, _ = ApiKeyFactory.create_with_secret(organization=org)
    assert admin_client.get(f"/admin/identity/apikey/{key.pk}/delete/").status_code == 403
    assert ApiKey.objects.filter(pk=key.pk).exists()


def test_an_organisation_admin_sees_only_its_organisation(client, make_user, org, other_org):
    admin = make_user("admin", org=org, is_staff=True)
    client.force_login(admin)
    theirs, _ = ApiKeyFactory.create_with_secret(organization=other_org, name="globex key")
    mine, _ = ApiKeyFactory.create_with_secret(organization=org, name="acme key")
    stranger = make_user("user", org=other_org)
    listing = client.get("/admin/identity/apikey/").content.decode()
    assert "acme key" in listing and "globex key" not in listing
    assert client.get(f"/admin/identity/apikey/{theirs.pk}/change/").status_code == 302  # "doesn't exist"
    assert client.get(f"/admin/identity/user/{stranger.pk}/change/").status_code == 302
    response = client.post("/admin/identity/apikey/add/", {
        "name": "sneaky", "role": "admin", "organization": other_org.pk, "expires_at_0": "", "expires_at_1": ""})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not ApiKey.objects.filter(name="sneaky").exists()
    assert mine.organization == org
