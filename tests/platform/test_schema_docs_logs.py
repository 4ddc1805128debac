from __future__ import annotations

import json
import logging
import re

import pytest
from openapi_spec_validator import validate

from oracle_ledger.api.pagination import page_paginate, query_int
from oracle_ledger.errors import InvalidRequestError
from oracle_ledger.logging import JsonFormatter, RequestContextFilter


def test_schema_is_a_valid_openapi_3_document(client):
    response = client.get("/api/schema")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    validate(schema)
    assert "/api/health" in schema["paths"]


def test_docs_render_from_local_assets_with_no_network(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    # Every script and stylesheet is served by us (the sidecar), none from a CDN.
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert assets, html
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset


def test_log_lines_are_json_with_the_request_id(client, caplog):
    caplog.set_level(logging.INFO, logger="oracle_ledger.request")
    client.get("/api/health", HTTP_X_REQUEST_ID="log-line-1")
    record = next(r for r in caplog.records if r.name == "oracle_ledger.request")
    RequestContextFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "log-line-1"
    assert line["method"] == "GET" and line["path"] == "/api/health" and line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["caller"]
    assert line["time"].endswith("Z")


def test_limit_over_the_maximum_is_clamped():
    assert query_int({"limit": "500"}, "limit", 50, maximum=100) == 100


@pytest.mark.parametrize("raw", ["abc", "0", "-3", "1.5"])
def test_unusable_page_parameter_is_invalid_request(raw):
    with pytest.raises(InvalidRequestError) as exc:
        query_int({"page": raw}, "page", 1)
    assert exc.value.details[0]["field"] == "page"


def test_page_pagination_reports_the_guide_fields():
    page = page_paginate({"page": "2", "limit": "2"}, list(range(5)), key="items", serialize=str)
    assert page == {"items": ["2", "3"], "pagination": {
        "page": 2, "limit": 2, "total": 5, "totalPages": 3, "hasNext": True, "hasPrevious": True}}
