"""The admin's login is held to the API login's rules: failures limited per email, every attempt
audited (DESIGN §5)."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEntry

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff(make_user):
    return make_user(role="admin", is_staff=True, password=PASSWORD)


def login(client: Client, email: str, password: str, ip: str = "10.0.0.1"):
    return client.post("/admin/login/", {"username": email, "password": password, "next": "/admin/"},
                       REMOTE_ADDR=ip)


def test_admin_login_failures_are_audited_and_success_is_too(staff):
    client = Client()
    assert login(client, staff.email, "wrong password").status_code == 200  # the form again
    assert login(client, "nobody@example.com", "wrong password").status_code == 200
    failures = AuditEntry.objects.filter(action="auth.login_failed")
    assert failures.count() == 2
    assert failures.filter(object_id=staff.public_id, metadata__via="admin").count() == 1
    response = login(client, staff.email, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert AuditEntry.objects.filter(action="auth.login", object_id=staff.public_id, metadata__via="admin").count() == 1


def test_admin_login_is_refused_after_the_limit_of_failures_for_one_email_from_any_address(staff, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "auth": "3/h"}
    for i in range(3):
        login(Client(), staff.email, "wrong password", ip=f"10.0.0.{i + 1}")
    # Even the right password, from yet another address, waits for the window to pass.
    response = login(Client(), staff.email, PASSWORD, ip="10.0.0.99")
    assert response.status_code == 200
    assert b"Too many failed logins" in response.content
    assert "_auth_user_id" not in response.wsgi_request.session
