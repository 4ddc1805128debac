import json

import pytest


def test_schema_documents_login_and_both_credentials(client):
    schema = json.loads(client.get("/api/schema").content)
    assert {"/api/auth/login", "/api/auth/refresh", "/api/auth/logout"} <= set(schema["paths"])
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer" and schemes["apiKeyAuth"]["name"] == "X-API-Key"
    login = schema["paths"]["/api/auth/login"]["post"]
    assert "security" not in login or login["security"] in ([], [{}])  # public


def test_public_endpoints_ignore_a_stale_authorization_header(client):
    for path in ("/api/schema", "/api/docs", "/api/health"):
        assert client.get(path, HTTP_AUTHORIZATION="Bearer expired.or.garbage").status_code == 200, path


@pytest.mark.django_db
def test_login_ignores_a_stale_authorization_header(client):
    response = client.post("/api/auth/login", {"email": "a@b.co", "password": "x"}, content_type="application/json",
                           HTTP_AUTHORIZATION="Bearer garbage")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid email or password."
