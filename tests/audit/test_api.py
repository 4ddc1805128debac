"""GET /api/v1/audit-logs: who may read it, organisation scoping, filters, pagination, shape."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_record
from oracle_ledger.actors import Actor

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit-logs"
READERS = ["admin", "compliance_officer", "auditor"]
NON_READERS = ["user", "accountant", "finance_manager"]
SHAPE = {"id", "timestamp", "actor", "role", "organizationId", "action", "objectType", "objectId", "requestId",
         "ip", "outcome", "changes", "prevHash", "hash"}


def record(org, action="thing.created", *, actor=None, **fields) -> AuditEntry:
    return audit_record(actor=actor or Actor.system(organization=org), action=action, **fields)


def listed(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [entry["id"] for entry in response.json()["data"]["auditLogs"]]


def assert_invalid(response, field: str) -> None:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "INVALID_REQUEST"
    assert field in error["message"]
    assert [d["field"] for d in error["details"]] == [field]


@pytest.mark.parametrize("role", READERS)
def test_roles_that_may_read_the_audit_log_get_it(client_for, org, role):
    entry = record(org)
    assert listed(client_for(role).get(URL)) == [entry.public_id]


@pytest.mark.parametrize("role", NON_READERS)
def test_other_roles_are_refused_and_the_refusal_is_audited(client_for, make_user, org, role):
    user = make_user(role=role)
    response = client_for(user).get(URL, {"action": "x"}, HTTP_X_REQUEST_ID="req-denied-1",
                                    REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "INSUFFICIENT_PERMISSIONS"
    denial = AuditEntry.objects.get(action="permission.denied")
    assert (denial.outcome, denial.actor_type, denial.actor_id, denial.actor_email, denial.role) == (
        "denied", "user", user.public_id, user.email, role)
    assert denial.organization == org and denial.organization_public_id == org.public_id
    assert denial.metadata == {"capability": "audit:read", "path": URL, "method": "GET"}
    assert (denial.request_id, denial.ip) == ("req-denied-1", "203.0.113.9")


def test_no_credentials_is_authentication_required(api_client):
    response = api_client.get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTHENTICATION_REQUIRED"


def test_another_organisations_entries_are_invisible(client_for, org, other_org):
    mine = record(org)
    record(other_org, target_type="customer", target_id="cust_theirs")
    assert listed(client_for("admin").get(URL)) == [mine.public_id]
    assert listed(client_for("admin").get(URL, {"objectId": "cust_theirs"})) == []
    assert listed(client_for("admin", org=other_org).get(URL, {"objectId": "cust_theirs"})) != []


def test_entries_have_the_designed_shape(client_for, org):
    actor = Actor(type="user", id="usr_abc", role="admin", email="ann@example.com", organization=org, ip="192.0.2.1")
    entry = record(org, "customer.updated", actor=actor, target_type="customer", target_id="cust_1",
                   changes={"name": {"from": "A", "to": "B"}})
    body = client_for("auditor").get(URL).json()["data"]["auditLogs"][0]
    assert set(body) == SHAPE
    assert body["actor"] == {"type": "user", "id": "usr_abc", "email": "ann@example.com"}
    assert (body["id"], body["role"], body["organizationId"]) == (entry.public_id, "admin", org.public_id)
    assert (body["action"], body["objectType"], body["objectId"]) == ("customer.updated", "customer", "cust_1")
    assert (body["ip"], body["outcome"], body["changes"]) == ("192.0.2.1", "success", {"name": {"from": "A", "to": "B"}})
    assert (body["prevHash"], body["hash"]) == (entry.prev_hash, entry.hash)
    assert body["timestamp"].endswith("Z") and body["timestamp"][:19] == entry.timestamp.strftime("%Y-%m-%dT%H:%M:%S")


def test_a_system_entry_has_nulls_not_empty_strings(client_for, org):
    record(org)
    body = client_for("auditor").get(URL).json()["data"]["auditLogs"][0]
    assert body["actor"] == {"type": "system", "id": "system", "email": None}
    assert (body["role"], body["objectType"], body["objectId"], body["ip"]) == (None, None, None, None)


# --- filters -------------------------------------------------------------------------------------

@pytest.fixture
def variety(org):
    ann = Actor(type="user", id="usr_ann", role="admin", email="ann@example.com", organization=org)
    key = Actor(type="api_key", id="key_build", role="admin", organization=org)
    return {
        "ann_customer": record(org, "customer.created", actor=ann, target_type="customer", target_id="cust_1"),
        "key_customer": record(org, "customer.updated", actor=key, target_type="customer", target_id="cust_2"),
        "ann_denied": record(org, "permission.denied", actor=ann, outcome="denied"),
        "key_payment": record(org, "payment.failed", actor=key, target_type="payment", target_id="pi_1",
                              outcome="failure"),
    }


@pytest.mark.parametrize(("params", "expected"), [
    ({"actor": "usr_ann"}, ["ann_denied", "ann_customer"]),
    ({"actor": "ANN@example.com"}, ["ann_denied", "ann_customer"]),
    ({"actor": "key_build"}, ["key_payment", "key_customer"]),
    ({"action": "customer.updated"}, ["key_customer"]),
    ({"objectType": "customer"}, ["key_customer", "ann_customer"]),
    ({"objectType": "customer", "objectId": "cust_1"}, ["ann_customer"]),
    ({"objectId": "pi_1"}, ["key_payment"]),
    ({"outcome": "denied"}, ["ann_denied"]),
    ({"outcome": "failure"}, ["key_payment"]),
    ({"outcome": "success", "actor": "key_build"}, ["key_customer"]),
    ({"action": "nothing.matches"}, []),
])
def test_each_filter_narrows_the_list(client_for, variety, params, expected):
    assert listed(client_for("admin").get(URL, params)) == [variety[name].public_id for name in expected]


def test_time_range_filters_take_iso_times_inclusively(client_for, variety):
    names = ["ann_customer", "key_customer", "ann_denied", "key_payment"]
    moments = [variety[name].timestamp.isoformat() for name in names]
    client = client_for("admin")
    assert listed(client.get(URL, {"from": moments[1]})) == [variety[n].public_id for n in reversed(names[1:])]
    assert listed(client.get(URL, {"to": moments[1]})) == [variety[n].public_id for n in reversed(names[:2])]
    assert listed(client.get(URL, {"from": moments[1], "to": moments[2]})) == [
        variety["ann_denied"].public_id, variety["key_customer"].public_id]


def test_time_range_filters_take_dates_covering_whole_days(client_for, variety):
    today = timezone.now().date()
    client = client_for("admin")
    assert len(listed(client.get(URL, {"from": today.isoformat(), "to": today.isoformat()}))) == 4
    assert listed(client.get(URL, {"to": (today - timedelta(days=1)).isoformat()})) == []
    assert listed(client.get(URL, {"from": (today + timedelta(days=1)).isoformat()})) == []


def test_time_range_filters_take_unix_timestamps(client_for, variety):
    after = int(variety["key_payment"].timestamp.timestamp()) + 1
    assert listed(client_for("admin").get(URL, {"from": str(after)})) == []
    assert len(listed(client_for("admin").get(URL, {"to": str(after)}))) == 4


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "yesterday"}, "from"),
    ({"to": "2026-13-45"}, "to"),
    ({"from": "2026-02-30T10:00:00Z"}, "from"),
    ({"outcome": "maybe"}, "outcome"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "from"),
    ({"page": "two"}, "page"),
])
def test_unusable_filter_values_are_invalid_request_naming_the_parameter(client_for, variety, params, field):
    assert_invalid(client_for("admin").get(URL, params), field)


# --- pagination and query count ------------------------------------------------------------------

def test_pages_follow_the_guide_newest_first(client_for, org):
    entries = [record(org, f"thing.step{i}") for i in range(5)]
    data = client_for("admin").get(URL, {"page": 2, "limit": 2}).json()["data"]
    assert [e["id"] for e in data["auditLogs"]] == [entries[2].public_id, entries[1].public_id]
    assert data["pagination"] == {"page": 2, "limit": 2, "total": 5, "totalPages": 3, "hasNext": True,
                                  "hasPrevious": True}


def test_a_limit_over_the_maximum_is_clamped(client_for, org):
    record(org)
    assert client_for("admin").get(URL, {"limit": 1000}).json()["data"]["pagination"]["limit"] == 100


def test_listing_costs_the_same_queries_for_one_entry_or_a_full_page(client_for, org, django_assert_num_queries):
    client = client_for("admin")
    record(org)
    # 1 authentication (the user and organisation), 1 count, 1 page: no query per entry.
    with django_assert_num_queries(3):
        assert len(listed(client.get(URL))) == 1
    for i in range(60):
        record(org, f"thing.bulk{i}", changes={"n": i})
    with django_assert_num_queries(3):
        assert len(listed(client.get(URL, {"actor": "system", "limit": 50}))) == 50
