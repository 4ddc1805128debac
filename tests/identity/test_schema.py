import json


def test_schema_documents_login_and_both_credentials(client):
    schema = json.loads(client.get("/api/schema").content)
    assert {"/api/auth/login", "/api/auth/refresh", "/api/auth/logout"} <= set(schema["paths"])
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer" and schemes["apiKeyAuth"]["name"] == "X-API-Key"
    login = schema["paths"]["/api/auth/login"]["post"]
    assert "security" not in login or login["security"] in ([], [{}])  # public
