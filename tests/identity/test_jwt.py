"""POST /api/auth/login, /refresh, /logout and JWT authentication of API requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from identity.tokens import tokens_for
from tests.identity.factories import PASSWORD

pytestmark = pytest.mark.django_db
WHOAMI = "/api/test/whoami"


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False and body["error"]["code"] == code, body
    return body


def login(api_client, email, password=PASSWORD):
    return api_client.post("/api/auth/login", {"email": email, "password": password}, format="json")


def test_login_answers_the_guide_body_with_a_refresh_token(api_client, make_user, settings):
    user = make_user("accountant")
    response = login(api_client, user.email.upper())
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert set(data) == {"token", "expiresIn", "user", "refreshToken"}
    assert data["expiresIn"] == settings.JWT_TTL_TEXT == "24h"
    assert data["user"] == {"id": user.public_id, "email": user.email, "role": "accountant"}
    claims = AccessToken(data["token"])
    assert claims["sub"] == user.public_id and claims["org"] == user.organization.public_id
    assert claims["role"] == "accountant"
    assert claims["exp"] - claims["iat"] == 24 * 3600


@pytest.mark.urls("tests.identity.urls")
def test_login_token_authenticates_requests(api_client, make_user):
    user = make_user("auditor")
    token = login(api_client, user.email).json()["data"]["token"]
    response = api_client.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response.json()["data"] == {"type": "user", "id": user.public_id, "role": "auditor",
                                       "org": user.organization.public_id, "userPk": user.pk}


def test_wrong_password_and_unknown_email_get_the_same_answer(api_client, make_user):
    user = make_user()
    wrong = assert_error(login(api_client, user.email, "not-the-password"), 401, "AUTHENTICATION_REQUIRED")
    unknown = assert_error(login(api_client, "nobody@example.com"), 401, "AUTHENTICATION_REQUIRED")
    assert wrong["error"]["message"] == unknown["error"]["message"] == "Invalid email or password."
    assert wrong["error"]["details"] == unknown["error"]["details"]


def test_inactive_user_cannot_log_in(api_client, make_user):
    user = make_user(is_active=False)
    assert_error(login(api_client, user.email), 401, "AUTHENTICATION_REQUIRED")


def test_login_without_fields_is_a_validation_error_naming_them(api_client):
    body = assert_error(api_client.post("/api/auth/login", {}, format="json"), 422, "VALIDATION_ERROR")
    assert {d["field"] for d in body["error"]["details"]} == {"email", "password"}


@pytest.mark.urls("tests.identity.urls")
def test_expired_access_token_is_rejected(api_client, make_user):
    user = make_user()
    token = AccessToken.for_user(user)
    token["org"] = user.organization.public_id
    token.set_exp(from_time=timezone.now() - timedelta(hours=25))
    response = api_client.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")


@pytest.mark.urls("tests.identity.urls")
def test_tampered_access_token_is_rejected(api_client, make_user):
    access, _ = tokens_for(make_user("user"))
    header, payload, signature = access.split(".")
    import base64
    import json

    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    response = api_client.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer {header}.{forged}.{signature}")
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")


@pytest.mark.urls("tests.identity.urls")
def test_refresh_token_is_not_an_access_token(api_client, make_user):
    _, refresh = tokens_for(make_user())
    assert_error(api_client.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer {refresh}"), 401, "AUTHENTICATION_REQUIRED")


@pytest.mark.urls("tests.identity.urls")
def test_token_of_a_deactivated_user_is_rejected(api_client, make_user):
    user = make_user()
    access, _ = tokens_for(user)
    user.is_active = False
    user.save()
    assert_error(api_client.get(WHOAMI, HTTP_AUTHORIZATION=f"Bearer {access}"), 401, "AUTHENTICATION_REQUIRED")


@pytest.mark.urls("tests.identity.urls")
@pytest.mark.parametrize("header", ["Bearer", "Basic abc", "Token xyz", "Bearer not-a-jwt"])
def test_malformed_authorization_header_is_rejected(api_client, header):
    assert_error(api_client.get(WHOAMI, HTTP_AUTHORIZATION=header), 401, "AUTHENTICATION_REQUIRED")


@pytest.mark.urls("tests.identity.urls")
def test_no_credentials_is_authentication_required(api_client):
    assert_error(api_client.get(WHOAMI), 401, "AUTHENTICATION_REQUIRED")


def test_refresh_returns_a_new_access_token(api_client, make_user, settings):
    user = make_user("finance_manager")
    refresh = login(api_client, user.email).json()["data"]["refreshToken"]
    response = api_client.post("/api/auth/refresh", {"refreshToken": refresh}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert set(data) == {"token", "expiresIn"} and data["expiresIn"] == settings.JWT_TTL_TEXT
    assert AccessToken(data["token"])["role"] == "finance_manager"


def test_refresh_with_garbage_is_rejected(api_client):
    response = api_client.post("/api/auth/refresh", {"refreshToken": "garbage"}, format="json")
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")


def test_blacklisted_refresh_token_is_rejected_after_logout(api_client, make_user):
    user = make_user()
    refresh = login(api_client, user.email).json()["data"]["refreshToken"]
    response = api_client.post("/api/auth/logout", {"refreshToken": refresh}, format="json")
    assert response.status_code == 200, response.content
    again = api_client.post("/api/auth/refresh", {"refreshToken": refresh}, format="json")
    assert_error(again, 401, "AUTHENTICATION_REQUIRED")
    assert_error(api_client.post("/api/auth/logout", {"refreshToken": refresh}, format="json"),
                 401, "AUTHENTICATION_REQUIRED")


def test_login_records_last_login(api_client, make_user):
    user = make_user()
    assert user.last_login is None
    login(api_client, user.email)
    user.refresh_from_db()
    assert user.last_login is not None


@pytest.mark.urls("tests.identity.urls")
def test_jwt_with_another_organisations_id_header_is_rejected(client_for, org, other_org):
    client = client_for("admin", org=org)
    assert client.get(WHOAMI, HTTP_X_ORGANIZATION_ID=org.slug).status_code == 200
    body = assert_error(client.get(WHOAMI, HTTP_X_ORGANIZATION_ID=other_org.public_id), 401, "AUTHENTICATION_REQUIRED")
    assert "X-Organization-ID" in body["error"]["message"]
