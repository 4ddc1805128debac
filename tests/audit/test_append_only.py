"""The database itself refuses to change or remove audit entries."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEntry
from audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    return audit_record(actor=None, action="thing.created", changes={"name": "before"})


@pytest.mark.parametrize("sql", [
    "UPDATE audit_auditentry SET action = 'thing.deleted' WHERE id = %s",
    "UPDATE audit_auditentry SET changes = '{}'::jsonb, hash = hash WHERE id = %s",
])
def test_raw_sql_update_is_rejected(entry, sql):
    with pytest.raises(DatabaseError, match="audit log is append-only: UPDATE"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "thing.created"


def test_raw_sql_delete_is_rejected(entry):
    with pytest.raises(DatabaseError, match="audit log is append-only: DELETE"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_truncate_is_rejected_unless_the_session_opts_in(entry):
    with pytest.raises(DatabaseError, match="audit log is append-only: TRUNCATE"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred FK checks pending
            cursor.execute("SET LOCAL oracle_ledger.allow_audit_truncate = off")
            cursor.execute("TRUNCATE audit_auditentry")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_orm_update_and_delete_are_rejected_too(entry):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(outcome="failure")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).outcome == "success"


def test_the_error_says_what_to_do_instead(entry):
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(outcome="failure")
    assert "record a new entry instead" in caught.value.__cause__.diag.message_hint
