"""The database itself guards the journal, whoever writes the rows: raw SQL here plays the role of
a buggy caller or a person at psql. These tests commit for real (transaction=True)."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from ledger import chart
from ledger.models import Account, AccountDayTotal, EntryKind, JournalEntry, JournalLine
from ledger.services import card_payment_post

pytestmark = pytest.mark.django_db(transaction=True)


def account(org, code, currency="usd"):
    return Account.objects.get(organization=org, code=code, currency=currency)


def raw_entry(cursor, org, source_id="raw-1") -> int:
    cursor.execute(
        "INSERT INTO ledger_journalentry (public_id, organization_id, date, description, kind, source_type,"
        " source_id, stripe_reference, request_id, created_at) VALUES (%s, %s, current_date, 'raw', 'adjustment',"
        " 'test', %s, '', '', now()) RETURNING id", [f"je_{source_id}", org.pk, source_id])
    return cursor.fetchone()[0]


def raw_line(cursor, org, entry_id, account_obj, amount, currency="usd"):
    cursor.execute("INSERT INTO ledger_journalline (entry_id, organization_id, account_id, amount_cents, currency)"
                   " VALUES (%s, %s, %s, %s, %s)", [entry_id, org.pk, account_obj.pk, amount, currency])


def test_unbalanced_entry_written_by_raw_sql_is_rejected_at_commit(org):
    with pytest.raises(IntegrityError, match="unbalanced"):
        with transaction.atomic(), connection.cursor() as cursor:
            entry_id = raw_entry(cursor, org)
            raw_line(cursor, org, entry_id, account(org, chart.OPERATING_BANK), 100)
            raw_line(cursor, org, entry_id, account(org, chart.STRIPE_BALANCE), -99)
    assert not JournalEntry.objects.exists()
    assert not JournalLine.objects.exists()
    assert not AccountDayTotal.objects.exists()


def test_entry_without_lines_is_rejected_at_commit(org):
    with pytest.raises(IntegrityError, match="has no lines"):
        with transaction.atomic(), connection.cursor() as cursor:
            raw_entry(cursor, org)
    assert not JournalEntry.objects.exists()


def test_balanced_entry_written_by_raw_sql_commits(org):
    with transaction.atomic(), connection.cursor() as cursor:
        entry_id = raw_entry(cursor, org)
        raw_line(cursor, org, entry_id, account(org, chart.OPERATING_BANK), 100)
        raw_line(cursor, org, entry_id, account(org, chart.STRIPE_BALANCE), -100)
    assert JournalLine.objects.filter(entry_id=entry_id).count() == 2


def test_a_line_added_later_that_unbalances_a_committed_entry_is_rejected(org):
    entry = card_payment_post(organization=org, source_type="payment", source_id="pi_1", amount_cents=1000,
                              fee_cents=59, currency="usd", stripe_reference="ch_1")
    with pytest.raises(IntegrityError, match="unbalanced"):
        with transaction.atomic(), connection.cursor() as cursor:
            raw_line(cursor, org, entry.pk, account(org, chart.OPERATING_BANK), 1)
    assert entry.lines.count() == 3


def test_balance_is_checked_per_currency(org):
    card_payment_post(organization=org, source_type="payment", source_id="pi_eur", amount_cents=1000,
                      fee_cents=59, currency="eur", stripe_reference="ch_eur")
    with pytest.raises(IntegrityError, match="unbalanced"):
        with transaction.atomic(), connection.cursor() as cursor:
            entry_id = raw_entry(cursor, org)
            raw_line(cursor, org, entry_id, account(org, chart.OPERATING_BANK, "usd"), 100)
            raw_line(cursor, org, entry_id, account(org, chart.STRIPE_BALANCE, "eur"), -100, "eur")


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_journalline SET amount_cents = amount_cents * 2",
    "DELETE FROM ledger_journalline",
    "UPDATE ledger_journalentry SET description = 'edited'",
    "DELETE FROM ledger_journalentry",
])
def test_entries_and_lines_cannot_be_updated_or_deleted(org, statement):
    card_payment_post(organization=org, source_type="payment", source_id="pi_2", amount_cents=1000, fee_cents=59,
                      currency="usd", stripe_reference="ch_2")
    with pytest.raises(IntegrityError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    entry = JournalEntry.objects.get()
    assert entry.description == "Card payment ch_2"
    assert sorted(entry.lines.values_list("amount_cents", flat=True)) == [-1000, 59, 941]


def test_orm_delete_of_an_entry_is_rejected(org):
    entry = card_payment_post(organization=org, source_type="payment", source_id="pi_3", amount_cents=1000,
                              fee_cents=59, currency="usd", stripe_reference="ch_3")
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            JournalLine.objects.filter(entry=entry).delete()
    assert entry.lines.count() == 3


def test_a_line_cannot_use_another_organisations_account(org, other_org):
    with pytest.raises(IntegrityError, match="ledger_line_account_same_org_currency"):
        with transaction.atomic(), connection.cursor() as cursor:
            entry_id = raw_entry(cursor, org)
            raw_line(cursor, org, entry_id, account(org, chart.OPERATING_BANK), 100)
            raw_line(cursor, org, entry_id, account(other_org, chart.STRIPE_BALANCE), -100)


def test_a_line_must_be_in_its_accounts_currency(org):
    with pytest.raises(IntegrityError, match="ledger_line_account_same_org_currency"):
        with transaction.atomic(), connection.cursor() as cursor:
            entry_id = raw_entry(cursor, org)
            raw_line(cursor, org, entry_id, account(org, chart.OPERATING_BANK), 100, "eur")
            raw_line(cursor, org, entry_id, account(org, chart.STRIPE_BALANCE), -100, "eur")


def test_posting_inside_a_transaction_that_rolls_back_leaves_nothing(org):
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with transaction.atomic():
            card_payment_post(organization=org, source_type="payment", source_id="pi_4", amount_cents=1000,
                              fee_cents=59, currency="usd", stripe_reference="ch_4")
            raise Boom
    assert not JournalEntry.objects.exists()
    assert not JournalLine.objects.exists()
    assert not AccountDayTotal.objects.exists()


def test_ten_threads_posting_the_same_source_and_kind_make_one_entry(org):
    barrier = threading.Barrier(10)
    results, errors = [], []

    def post():
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                entry = card_payment_post(organization=org, source_type="payment", source_id="pi_race",
                                          amount_cents=1000, fee_cents=59, currency="usd", stripe_reference="ch_r")
            results.append(entry.public_id)
        except Exception as exc:  # noqa: BLE001  (collected and asserted below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 10 and len(set(results)) == 1
    assert JournalEntry.objects.filter(kind=EntryKind.CARD_PAYMENT, source_id="pi_race").count() == 1
    assert JournalLine.objects.count() == 3
    revenue = account(org, chart.SALES_REVENUE)
    assert sum(AccountDayTotal.objects.filter(account=revenue).values_list("credit_cents", flat=True)) == 1000


def test_concurrent_postings_to_the_same_accounts_keep_day_totals_exact(org):
    barrier = threading.Barrier(8)
    errors = []

    def post(worker: int):
        try:
            barrier.wait(timeout=10)
            for n in range(5):
                with transaction.atomic():
                    card_payment_post(organization=org, source_type="payment", source_id=f"pi_{worker}_{n}",
                                      amount_cents=1000 + n, fee_cents=59, currency="usd",
                                      stripe_reference=f"ch_{worker}_{n}")
                    card_payment_post(organization=org, source_type="payment", source_id=f"pi_{worker}_{n}_b",
                                      amount_cents=500, fee_cents=45, currency="usd",
                                      stripe_reference=f"ch_{worker}_{n}_b")
        except Exception as exc:  # noqa: BLE001  (collected and asserted below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    revenue = account(org, chart.SALES_REVENUE)
    expected = 8 * sum(1000 + n + 500 for n in range(5))
    assert sum(AccountDayTotal.objects.filter(account=revenue).values_list("credit_cents", flat=True)) == expected
    assert JournalEntry.objects.count() == 80
