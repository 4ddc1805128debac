"""GET /api/v1/audit-logs/export: the same filters and roles, streamed as CSV, and itself audited."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from audit.export import COLUMNS, keyset_batches
from audit.models import AuditEntry
from audit.services import audit_record
from oracle_ledger.actors import Actor

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit-logs/export"


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content if not response.streaming else ""
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def entries(org, other_org):
    ann = Actor(type="user", id="usr_ann", role="admin", email="ann@example.com", organization=org, ip="192.0.2.4")
    made = [
        audit_record(actor=ann, action="customer.created", target_type="customer", target_id="cust_1",
                     changes={"name": {"from": None, "to": "Ann"}}),
        audit_record(actor=ann, action="customer.updated", target_type="customer", target_id="cust_1",
                     changes={"email": {"from": "a@x.io", "to": "=HYPERLINK(\"http://evil\")"}}),
        audit_record(actor=ann, action="permission.denied", outcome="denied", metadata={"capability": "manage"}),
    ]
    audit_record(actor=Actor.system(organization=other_org), action="customer.created", target_id="cust_other")
    return made


@pytest.mark.parametrize("role", ["admin", "compliance_officer", "auditor"])
def test_readers_get_their_organisations_entries_as_csv(client_for, entries, role):
    response = client_for(role).get(URL)
    assert response["Content-Type"].startswith("text/csv")
    rows = rows_of(response)
    assert [row["id"] for row in rows] == [e.public_id for e in reversed(entries)]
    assert list(rows[0]) == COLUMNS


def test_csv_rows_carry_every_recorded_field(client_for, org, entries):
    row = rows_of(client_for("auditor").get(URL, {"action": "customer.created"}))[0]
    first = entries[0]
    assert row["id"] == first.public_id and row["timestamp"].endswith("Z")
    assert (row["actorType"], row["actorId"], row["actorEmail"], row["role"]) == ("user", "usr_ann", "ann@example.com",
                                                                                   "admin")
    assert (row["organizationId"], row["objectType"], row["objectId"]) == (org.public_id, "customer", "cust_1")
    assert (row["ip"], row["outcome"], row["prevHash"], row["hash"]) == ("192.0.2.4", "success", first.prev_hash,
                                                                          first.hash)
    assert row["changes"] == '{"name": {"from": null, "to": "Ann"}}'


def test_the_same_filters_apply(client_for, entries):
    assert [r["id"] for r in rows_of(client_for("admin").get(URL, {"outcome": "denied"}))] == [entries[2].public_id]
    assert [r["id"] for r in rows_of(client_for("admin").get(URL, {"objectId": "cust_other"}))] == []


def test_formula_like_values_are_prefixed_with_a_quote(client_for, org):
    actor = Actor(type="user", id="=cmd|' /C calc'!A0", role="admin", email="@sum@example.com", organization=org)
    audit_record(actor=actor, action="+thing.created", target_id="-1")
    row = rows_of(client_for("admin").get(URL))[0]
    assert (row["actorId"], row["actorEmail"], row["action"], row["objectId"]) == (
        "'=cmd|' /C calc'!A0", "'@sum@example.com", "'+thing.created", "'-1")


def test_filename_names_the_date_range(client_for, entries):
    response = client_for("admin").get(URL, {"from": "2026-01-01", "to": "2026-03-31T12:00:00Z"})
    assert response["Content-Disposition"] == 'attachment; filename="audit-log_2026-01-01_to_2026-03-31.csv"'
    today = timezone.now().date().isoformat()
    response = client_for("admin").get(URL)
    assert response["Content-Disposition"] == f'attachment; filename="audit-log_beginning_to_{today}.csv"'


def test_the_export_is_audited_with_its_filters_and_is_not_in_itself(client_for, make_user, org, entries):
    user = make_user(role="compliance_officer")
    rows = rows_of(client_for(user).get(URL, {"outcome": "denied"}, HTTP_X_REQUEST_ID="req-export-1"))
    export = AuditEntry.objects.get(action="audit_log.exported")
    assert (export.actor_id, export.organization, export.request_id) == (user.public_id, org, "req-export-1")
    assert export.metadata == {"filters": {"outcome": "denied"}, "format": "csv"}
    assert export.public_id not in [row["id"] for row in rows]


@pytest.mark.parametrize("role", ["user", "accountant", "finance_manager"])
def test_other_roles_cannot_export_and_the_refusal_is_audited(client_for, entries, role):
    response = client_for(role).get(URL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "INSUFFICIENT_PERMISSIONS"
    assert AuditEntry.objects.filter(action="permission.denied", metadata__path=URL).count() == 1
    assert not AuditEntry.objects.filter(action="audit_log.exported").exists()


def test_a_bad_filter_is_invalid_request_and_records_no_export(client_for, entries):
    response = client_for("admin").get(URL, {"to": "soon"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_REQUEST"
    assert response.json()["error"]["details"][0]["field"] == "to"
    assert not AuditEntry.objects.filter(action="audit_log.exported").exists()


def test_batches_walk_every_entry_exactly_once(org):
    made = [audit_record(actor=None, action=f"thing.{i}", organization=org) for i in range(7)]
    walked = [e.public_id for e in keyset_batches(AuditEntry.objects.order_by("-id"), size=3)]
    assert walked == [e.public_id for e in reversed(made)]
