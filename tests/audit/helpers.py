"""Going behind the triggers' back, as an attacker with the table owner's rights would."""

from __future__ import annotations

from django.db import connection


def tamper(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        # ALTER TABLE refuses while the test's transaction has deferred FK checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        try:
            cursor.execute(sql, params or [])
        finally:
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
