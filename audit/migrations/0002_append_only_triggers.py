"""The audit table is append-only at the database level (DESIGN §5): UPDATE, DELETE and TRUNCATE
are rejected by triggers, whoever runs them, including the application's own role and the admin.

The one escape hatch is for TRUNCATE only: a session that sets `oracle_ledger.allow_audit_truncate
= on` may truncate. The test suite sets it so that transactional tests can flush their throwaway
database (Django flushes with one TRUNCATE of every table). It is no weaker than what the table
owner can do anyway (disable or drop the triggers); tampering of that kind is what the hash chain
and `manage.py verify_audit_log` are for."""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION audit_entry_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND coalesce(current_setting('oracle_ledger.allow_audit_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit entries are never changed or removed; record a new entry instead.';
END;
$$;

CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_reject_change();
CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_reject_change();
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_reject_change();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_entry_no_delete ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_entry_no_update ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_reject_change();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
