"""Development headers X-User-ID/-Email/-Role: only with ALLOW_HEADER_AUTH and DEBUG both on."""

from __future__ import annotations

import pytest

from tests.identity.test_jwt import WHOAMI, assert_error

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.identity.urls")]


def dev_headers(org, role="auditor", user_id="usr_dev1"):
    return {"HTTP_X_USER_ID": user_id, "HTTP_X_USER_EMAIL": "dev@example.com", "HTTP_X_USER_ROLE": role,
            "HTTP_X_ORGANIZATION_ID": org.slug}


@pytest.mark.parametrize(("allow", "debug"), [(False, False), (False, True), (True, False)])
def test_header_auth_is_refused_unless_both_switches_are_on(api_client, org, settings, allow, debug):
    settings.ALLOW_HEADER_AUTH, settings.DEBUG = allow, debug
    body = assert_error(api_client.get(WHOAMI, **dev_headers(org)), 401, "AUTHENTICATION_REQUIRED")
    assert "disabled" in body["error"]["message"]


def test_header_auth_works_when_both_switches_are_on(api_client, org, settings):
    settings.ALLOW_HEADER_AUTH, settings.DEBUG = True, True
    response = api_client.get(WHOAMI, **dev_headers(org))
    assert response.status_code == 200, response.content
    assert response.json()["data"] == {"type": "user", "id": "usr_dev1", "role": "auditor", "org": org.public_id,
                                       "userPk": None}


def test_header_auth_of_a_real_user_uses_its_organisation(api_client, make_user, settings):
    settings.ALLOW_HEADER_AUTH, settings.DEBUG = True, True
    user = make_user("user")
    response = api_client.get(WHOAMI, HTTP_X_USER_ID=user.public_id, HTTP_X_USER_ROLE="user")
    assert response.json()["data"]["userPk"] == user.pk
    assert response.json()["data"]["org"] == user.organization.public_id


@pytest.mark.parametrize("role", ["", "superuser", "ADMIN"])
def test_header_auth_with_an_unknown_role_is_rejected(api_client, org, settings, role):
    settings.ALLOW_HEADER_AUTH, settings.DEBUG = True, True
    assert_error(api_client.get(WHOAMI, **dev_headers(org, role=role)), 401, "AUTHENTICATION_REQUIRED")


def test_header_auth_without_an_organisation_is_rejected(api_client, settings):
    settings.ALLOW_HEADER_AUTH, settings.DEBUG = True, True
    response = api_client.get(WHOAMI, HTTP_X_USER_ID="usr_nobody", HTTP_X_USER_ROLE="admin")
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")


@pytest.mark.parametrize("user_id", ["", "x" * 65, "usr 1", "usr_1<script>"])
def test_header_auth_with_an_odd_user_id_is_rejected(api_client, org, settings, user_id):
    settings.ALLOW_HEADER_AUTH, settings.DEBUG = True, True
    assert_error(api_client.get(WHOAMI, **dev_headers(org, user_id=user_id)), 401, "AUTHENTICATION_REQUIRED")
