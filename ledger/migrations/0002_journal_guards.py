"""The database is the real guard of the journal, whoever writes the rows (ORM, raw SQL, psql):

- a line stays inside its entry's organisation and in its account's currency (composite FKs);
- at commit, every entry has lines and they sum to zero per currency (deferred constraint triggers
  on both tables, so an entry may be written before its lines within one transaction);
- entries and lines are never updated or deleted: a correction is a reversing entry;
- per-day account totals are kept in the inserting transaction (statement trigger), so balances
  as of a date read days, not lines."""

from django.db import migrations

FORWARD = r"""
ALTER TABLE ledger_account ADD CONSTRAINT ledger_account_id_org_currency UNIQUE (id, organization_id, currency);
ALTER TABLE ledger_journalentry ADD CONSTRAINT ledger_entry_id_org UNIQUE (id, organization_id);
ALTER TABLE ledger_journalline
    ADD CONSTRAINT ledger_line_account_same_org_currency FOREIGN KEY (account_id, organization_id, currency)
        REFERENCES ledger_account (id, organization_id, currency),
    ADD CONSTRAINT ledger_line_entry_same_org FOREIGN KEY (entry_id, organization_id)
        REFERENCES ledger_journalentry (id, organization_id);

CREATE FUNCTION ledger_check_entry_balanced(p_entry bigint) RETURNS void AS $$
DECLARE
    unbalanced record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ledger_journalline WHERE entry_id = p_entry) THEN
        RAISE EXCEPTION 'journal entry % has no lines', p_entry USING ERRCODE = 'check_violation';
    END IF;
    SELECT currency, SUM(amount_cents) AS total INTO unbalanced
      FROM ledger_journalline WHERE entry_id = p_entry
     GROUP BY currency HAVING SUM(amount_cents) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % is unbalanced: its % lines sum to % cents',
            p_entry, unbalanced.currency, unbalanced.total USING ERRCODE = 'check_violation';
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION ledger_entry_balanced_trg() RETURNS trigger AS $$
BEGIN
    PERFORM ledger_check_entry_balanced(NEW.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION ledger_line_balanced_trg() RETURNS trigger AS $$
BEGIN
    PERFORM ledger_check_entry_balanced(NEW.entry_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_entry_balanced AFTER INSERT ON ledger_journalentry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced_trg();
CREATE CONSTRAINT TRIGGER ledger_line_balanced AFTER INSERT ON ledger_journalline
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_line_balanced_trg();

CREATE FUNCTION ledger_reject_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the journal is append-only: % on % rejected (post a reversing entry instead)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_line_append_only BEFORE UPDATE OR DELETE ON ledger_journalline
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();

-- One upsert per (account, day) per statement, in a fixed order so two transactions lock rows in
-- the same order; the slot (backend pid mod 16) keeps concurrent sessions off each other's rows.
CREATE FUNCTION ledger_day_totals_add() RETURNS trigger AS $$
BEGIN
    INSERT INTO ledger_accountdaytotal AS t (account_id, date, slot, debit_cents, credit_cents)
    SELECT l.account_id, e.date, (pg_backend_pid() % 16)::smallint,
           COALESCE(SUM(l.amount_cents) FILTER (WHERE l.amount_cents > 0), 0),
           COALESCE(-SUM(l.amount_cents) FILTER (WHERE l.amount_cents < 0), 0)
      FROM new_lines l JOIN ledger_journalentry e ON e.id = l.entry_id
     GROUP BY l.account_id, e.date
     ORDER BY l.account_id, e.date
    ON CONFLICT (account_id, date, slot) DO UPDATE
       SET debit_cents = t.debit_cents + EXCLUDED.debit_cents,
           credit_cents = t.credit_cents + EXCLUDED.credit_cents;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_line_day_totals AFTER INSERT ON ledger_journalline
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION ledger_day_totals_add();
"""

REVERSE = r"""
DROP TRIGGER ledger_line_day_totals ON ledger_journalline;
DROP FUNCTION ledger_day_totals_add();
DROP TRIGGER ledger_line_append_only ON ledger_journalline;
DROP TRIGGER ledger_entry_append_only ON ledger_journalentry;
DROP FUNCTION ledger_reject_change();
DROP TRIGGER ledger_line_balanced ON ledger_journalline;
DROP TRIGGER ledger_entry_balanced ON ledger_journalentry;
DROP FUNCTION ledger_line_balanced_trg();
DROP FUNCTION ledger_entry_balanced_trg();
DROP FUNCTION ledger_check_entry_balanced(bigint);
ALTER TABLE ledger_journalline DROP CONSTRAINT ledger_line_entry_same_org,
    DROP CONSTRAINT ledger_line_account_same_org_currency;
ALTER TABLE ledger_journalentry DROP CONSTRAINT ledger_entry_id_org;
ALTER TABLE ledger_account DROP CONSTRAINT ledger_account_id_org_currency;
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
