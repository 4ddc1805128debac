"""The back office's audit log: read-only for everyone, visible to the reading roles only."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.admin import CappedCountPaginator
from audit.models import AuditEntry
from audit.services import audit_record
from oracle_ledger.actors import Actor

pytestmark = pytest.mark.django_db

LIST = "/admin/audit/auditentry/"


@pytest.fixture
def entries(org, other_org):
    mine = [audit_record(actor=Actor.system(organization=org), action="thing.created", target_id=f"th_{i}")
            for i in range(3)]
    mine.append(audit_record(actor=Actor.system(organization=org), action="permission.denied", outcome="denied"))
    theirs = audit_record(actor=Actor.system(organization=other_org), action="thing.created", target_id="th_other")
    return mine, theirs


def staff_client(client, make_user, role: str, **fields):
    user = make_user(role=role, is_staff=True, **fields)
    client.force_login(user)
    return client


def listed_ids(response) -> set[str]:
    assert response.status_code == 200
    return {e.public_id for e in response.context["cl"].result_list}


@pytest.mark.parametrize("role", ["admin", "compliance_officer", "auditor"])
def test_reading_roles_see_their_organisations_entries(client, make_user, entries, role):
    mine, theirs = entries
    assert listed_ids(staff_client(client, make_user, role).get(LIST)) == {e.public_id for e in mine}


@pytest.mark.parametrize("role", ["user", "accountant", "finance_manager"])
def test_other_roles_cannot_open_the_audit_log(client, make_user, entries, role):
    assert staff_client(client, make_user, role).get(LIST).status_code == 403


def test_a_superuser_sees_every_organisation_but_cannot_add_change_or_delete(client, make_user, entries):
    mine, theirs = entries
    c = staff_client(client, make_user, "admin", is_superuser=True)
    assert listed_ids(c.get(LIST)) == {e.public_id for e in [*mine, theirs]}
    target = mine[0]
    assert c.get(f"{LIST}add/").status_code == 403
    assert c.post(f"{LIST}{target.pk}/change/", {"action": "forged", "outcome": "failure"}).status_code == 403
    assert c.post(f"{LIST}{target.pk}/delete/", {"post": "yes"}).status_code == 403
    assert c.post(LIST, {"action": "delete_selected", "_selected_action": [target.pk], "post": "yes"}).status_code in (
        200, 302)
    stored = AuditEntry.objects.get(pk=target.pk)
    assert (stored.action, stored.outcome) == ("thing.created", "success")
    assert AuditEntry.objects.count() == 5


def test_the_detail_page_is_read_only(client, make_user, entries):
    c = staff_client(client, make_user, "auditor")
    response = c.get(f"{LIST}{entries[0][0].pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert entries[0][0].hash in html
    assert 'name="_save"' not in html and "deletelink" not in html


def test_another_organisations_entry_is_not_found_for_non_superusers(client, make_user, entries):
    c = staff_client(client, make_user, "auditor")
    assert c.get(f"{LIST}{entries[1].pk}/change/").status_code == 302  # admin redirects a missing object


def test_browsing_writes_nothing(client, make_user, entries):
    c = staff_client(client, make_user, "compliance_officer")
    with CaptureQueriesContext(connection) as queries:
        c.get(LIST)
        c.get(LIST, {"outcome__exact": "denied"})
        c.get(f"{LIST}{entries[0][0].pk}/change/")
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []


@pytest.mark.parametrize(("params", "expected"), [
    ({"outcome__exact": "denied"}, {"permission.denied"}),
    ({"actor_type__exact": "user"}, set()),
    ({"action": "thing.created"}, {"thing.created"}),
])
def test_list_filters(client, make_user, entries, params, expected):
    response = staff_client(client, make_user, "auditor").get(LIST, params)
    assert {e.action for e in response.context["cl"].result_list} == expected


def test_search_matches_exact_ids(client, make_user, entries):
    c = staff_client(client, make_user, "auditor")
    target = entries[0][1]
    assert listed_ids(c.get(LIST, {"q": target.public_id})) == {target.public_id}
    assert listed_ids(c.get(LIST, {"q": "th_2"})) == {entries[0][2].public_id}
    assert listed_ids(c.get(LIST, {"q": "th_other"})) == set()  # another organisation's


def test_csv_export_action_streams_the_selection_and_is_audited(client, make_user, entries):
    user = make_user(role="auditor", is_staff=True)
    client.force_login(user)
    chosen = entries[0][:2]
    response = client.post(LIST, {"action": "export_csv", "_selected_action": [e.pk for e in chosen]})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["id"] for r in rows] == [chosen[1].public_id, chosen[0].public_id]
    export = AuditEntry.objects.get(action="audit_log.exported")
    assert (export.actor_id, export.role, export.metadata["via"]) == (user.public_id, "auditor", "admin")


def test_paginator_counts_exactly_under_the_cap_and_stops_at_it_when_filtered(monkeypatch, entries):
    monkeypatch.setattr(CappedCountPaginator, "CAP", 2)
    everything = AuditEntry.objects.order_by("-id")
    assert CappedCountPaginator(everything.filter(outcome="denied"), 100).count == 1
    assert CappedCountPaginator(everything.filter(action="thing.created"), 100).count == 2  # 4 match
    assert CappedCountPaginator(everything, 100).count >= 2
