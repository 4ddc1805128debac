"""`manage.py verify_ledger` finds day totals that no longer match the lines."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db


def test_sound_ledger_verifies(org, post, capsys):
    post("pi_1", 1000, 59)
    call_command("verify_ledger")
    assert "ledger intact" in capsys.readouterr().out


def test_tampered_day_totals_are_named(org, post, capsys):
    post("pi_1", 1000, 59)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_accountdaytotal SET credit_cents = credit_cents + 1 WHERE credit_cents > 0")
    with pytest.raises(SystemExit) as exited:
        call_command("verify_ledger")
    assert exited.value.code == 1
    assert "day totals of acme 4000 (usd)" in capsys.readouterr().out


def test_an_unbalanced_entry_is_named(org, capsys):
    """The rows exist only inside a savepoint that is rolled back before commit-time checks could
    run: that stands in for a database whose triggers were disabled."""
    from django.db import transaction

    from ledger.models import Account

    class Undo(Exception):
        pass

    bank = Account.objects.get(organization=org, code="1030", currency="usd")
    with pytest.raises(Undo), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO ledger_journalentry (public_id, organization_id, date, description, kind,"
                           " source_type, source_id, stripe_reference, request_id, created_at) VALUES ('je_bad',"
                           " %s, current_date, '', 'adjustment', 't', '1', '', '', now()) RETURNING id", [org.pk])
            entry_id = cursor.fetchone()[0]
            cursor.execute("INSERT INTO ledger_journalline (entry_id, organization_id, account_id, amount_cents,"
                           " currency) VALUES (%s, %s, %s, 5, 'usd')", [entry_id, org.pk, bank.pk])
        with pytest.raises(SystemExit):
            call_command("verify_ledger")
        raise Undo
    assert "entry je_bad: usd lines sum to 5" in capsys.readouterr().out
