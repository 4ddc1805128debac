"""The posting service: balanced, exactly once per (source, kind), in the caller's transaction."""

from __future__ import annotations

from datetime import date

import pytest

from ledger import chart
from ledger.exceptions import InvalidEntryError, UnbalancedEntryError, UnknownAccountError
from ledger.models import Account, AccountDayTotal, EntryKind, JournalEntry, JournalLine
from ledger.services import Line, card_payment_post, journal_entry_post, journal_entry_reverse
from oracle_ledger.actors import Actor
from tests.identity.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def lines_of(entry):
    return {line.account.code: line.amount_cents for line in entry.lines.select_related("account")}


def test_every_new_organisation_gets_the_chart_of_accounts(org):
    codes = set(Account.objects.filter(organization=org).values_list("code", flat=True))
    assert codes == {a.code for a in chart.CHART}
    assert len(codes) == 10


def test_card_payment_posts_gross_fee_and_revenue(org):
    entry = card_payment_post(organization=org, source_type="payment", source_id="pi_1", amount_cents=10000,
                              fee_cents=320, currency="usd", stripe_reference="ch_1")
    assert entry.public_id.startswith("je_")
    assert entry.kind == EntryKind.CARD_PAYMENT
    assert lines_of(entry) == {chart.STRIPE_BALANCE: 9680, chart.PROCESSING_FEES: 320, chart.SALES_REVENUE: -10000}


def test_entry_date_defaults_to_the_ledger_clock(org, monkeypatch):
    monkeypatch.setattr("ledger.clock.today", lambda: date(2026, 1, 2))
    entry = journal_entry_post(organization=org, kind=EntryKind.ADJUSTMENT, source_type="test", source_id="1",
                               description="x", lines=[(chart.OPERATING_BANK, 5), (chart.STRIPE_BALANCE, -5)])
    assert entry.date == date(2026, 1, 2)


def test_request_id_of_the_actor_is_recorded(org):
    actor = Actor(type="user", id="usr_x", request_id="req-abc")
    entry = journal_entry_post(organization=org, kind=EntryKind.ADJUSTMENT, source_type="test", source_id="2",
                               description="x", lines=[Line(chart.OPERATING_BANK, 5), Line(chart.STRIPE_BALANCE, -5)],
                               actor=actor)
    assert JournalEntry.objects.get(pk=entry.pk).request_id == "req-abc"


def test_second_posting_for_the_same_source_and_kind_returns_the_first(org):
    first = card_payment_post(organization=org, source_type="payment", source_id="pi_2", amount_cents=500,
                              fee_cents=45, currency="usd", stripe_reference="ch_2")
    again = card_payment_post(organization=org, source_type="payment", source_id="pi_2", amount_cents=500,
                              fee_cents=45, currency="usd", stripe_reference="ch_2")
    assert again.pk == first.pk
    assert JournalEntry.objects.count() == 1
    assert JournalLine.objects.count() == 3


def test_same_source_with_another_kind_is_another_entry(org):
    card_payment_post(organization=org, source_type="payment", source_id="pi_3", amount_cents=500, fee_cents=45,
                      currency="usd", stripe_reference="ch_3")
    journal_entry_post(organization=org, kind=EntryKind.ADJUSTMENT, source_type="payment", source_id="pi_3",
                       description="x", lines=[(chart.OPERATING_BANK, 1), (chart.STRIPE_BALANCE, -1)])
    assert JournalEntry.objects.filter(source_id="pi_3").count() == 2


def test_unbalanced_lines_are_rejected_and_nothing_is_written(org):
    with pytest.raises(UnbalancedEntryError) as caught:
        journal_entry_post(organization=org, kind=EntryKind.ADJUSTMENT, source_type="test", source_id="3",
                           description="x", lines=[(chart.OPERATING_BANK, 100), (chart.STRIPE_BALANCE, -99)])
    assert caught.value.details[0]["field"] == "lines"
    assert caught.value.code == "VALIDATION_ERROR"
    assert not JournalEntry.objects.exists()


@pytest.mark.parametrize("lines", [
    [(chart.OPERATING_BANK, 0), (chart.STRIPE_BALANCE, 0)],
    [(chart.OPERATING_BANK, 1.5), (chart.STRIPE_BALANCE, -1.5)],
    [(chart.OPERATING_BANK, True), (chart.STRIPE_BALANCE, -1)],
    [(chart.OPERATING_BANK, 1)],
    [],
])
def test_malformed_lines_are_rejected(org, lines):
    with pytest.raises(InvalidEntryError):
        journal_entry_post(organization=org, kind=EntryKind.ADJUSTMENT, source_type="test", source_id="4",
                           description="x", lines=lines)
    assert not JournalEntry.objects.exists()


@pytest.mark.parametrize("currency", ["USD", "us", "", "usdd"])
def test_currency_must_be_lowercase_iso(org, currency):
    with pytest.raises(InvalidEntryError) as caught:
        journal_entry_post(organization=org, kind=EntryKind.ADJUSTMENT, source_type="test", source_id="5",
                           description="x", lines=[(chart.OPERATING_BANK, 1), (chart.STRIPE_BALANCE, -1)],
                           currency=currency)
    assert caught.value.details[0]["field"] == "currency"


def test_unknown_account_code_is_rejected(org):
    with pytest.raises(UnknownAccountError) as caught:
        journal_entry_post(organization=org, kind=EntryKind.ADJUSTMENT, source_type="test", source_id="6",
                           description="x", lines=[("9999", 1), (chart.STRIPE_BALANCE, -1)])
    assert caught.value.details[0]["value"] == "9999"
    assert not JournalEntry.objects.exists()


def test_first_posting_in_a_new_currency_creates_that_currency_chart(org):
    entry = card_payment_post(organization=org, source_type="payment", source_id="pi_eur", amount_cents=1000,
                              fee_cents=59, currency="eur", stripe_reference="ch_eur")
    assert {line.currency for line in entry.lines.all()} == {"eur"}
    assert Account.objects.filter(organization=org, currency="eur").count() == 10


def test_postings_use_only_their_own_organisations_accounts(org, other_org):
    entry = card_payment_post(organization=org, source_type="payment", source_id="pi_4", amount_cents=1000,
                              fee_cents=59, currency="usd", stripe_reference="ch_4")
    assert {line.account.organization_id for line in entry.lines.select_related("account")} == {org.pk}
    assert not JournalEntry.objects.filter(organization=other_org).exists()


def test_reversal_negates_every_line_and_links_the_original(org):
    original = card_payment_post(organization=org, source_type="payment", source_id="pi_5", amount_cents=2000,
                                 fee_cents=88, currency="usd", stripe_reference="ch_5")
    reversal = journal_entry_reverse(entry=original, reason="posted twice by mistake")
    assert reversal.reverses_id == original.pk
    assert reversal.kind == EntryKind.REVERSAL
    assert lines_of(reversal) == {code: -amount for code, amount in lines_of(original).items()}
    assert reversal.stripe_reference == "ch_5"
    assert journal_entry_reverse(entry=original, reason="again").pk == reversal.pk


def test_a_reversal_is_audited_once(org):
    from audit.models import AuditEntry

    original = card_payment_post(organization=org, source_type="payment", source_id="pi_8", amount_cents=2000,
                                 fee_cents=88, currency="usd", stripe_reference="ch_8")
    actor = Actor(type="user", id="usr_acct", role="accountant", organization=org)
    reversal = journal_entry_reverse(entry=original, reason="duplicate", actor=actor)
    journal_entry_reverse(entry=original, reason="duplicate", actor=actor)
    [audit] = AuditEntry.objects.filter(action="ledger.entry_reversed")
    assert (audit.object_id, audit.actor_id, audit.metadata["reverses"]) == (reversal.public_id, "usr_acct",
                                                                              original.public_id)


def test_day_totals_follow_the_lines(org):
    card_payment_post(organization=org, source_type="payment", source_id="pi_6", amount_cents=1000, fee_cents=59,
                      currency="usd", stripe_reference="ch_6", date=date(2026, 3, 1))
    card_payment_post(organization=org, source_type="payment", source_id="pi_7", amount_cents=500, fee_cents=45,
                      currency="usd", stripe_reference="ch_7", date=date(2026, 3, 1))
    revenue = Account.objects.get(organization=org, code=chart.SALES_REVENUE, currency="usd")
    totals = AccountDayTotal.objects.filter(account=revenue, date=date(2026, 3, 1))
    assert sum(t.credit_cents for t in totals) == 1500
    assert sum(t.debit_cents for t in totals) == 0


def test_organisations_may_reuse_source_ids(org):
    for each in (org, OrganizationFactory()):
        card_payment_post(organization=each, source_type="payment", source_id="pi_same", amount_cents=100,
                          fee_cents=33, currency="usd", stripe_reference="ch_same")
    assert JournalEntry.objects.filter(source_id="pi_same").count() == 2


@pytest.mark.django_db(databases="__all__")
def test_ledger_today_follows_the_sandbox_clock(org, settings):
    import datetime as dt

    from stripe_sandbox.models import SandboxClock

    settings.STRIPE_SANDBOX = True
    frozen = dt.datetime(2030, 7, 4, 23, 59, tzinfo=dt.UTC)
    SandboxClock.objects.using("default").update_or_create(pk=1, defaults={"frozen_at": int(frozen.timestamp())})
    entry = journal_entry_post(organization=org, kind=EntryKind.ADJUSTMENT, source_type="test", source_id="clock",
                               description="x", lines=[(chart.OPERATING_BANK, 5), (chart.STRIPE_BALANCE, -5)])
    assert entry.date == date(2030, 7, 4)


def test_data_migration_gives_older_organisations_their_chart(org):
    import importlib

    from django.apps import apps

    seed = importlib.import_module("ledger.migrations.0003_chart_for_existing_organizations").seed
    Account.objects.filter(organization=org).delete()  # as if created before the ledger app
    seed(apps, None)
    assert Account.objects.filter(organization=org, currency="usd").count() == len(chart.CHART)
    seed(apps, None)  # idempotent
    assert Account.objects.filter(organization=org).count() == len(chart.CHART)
