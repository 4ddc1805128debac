"""One Stripe account serves every organisation: reconciliation attributes each Stripe balance
transaction to an organisation (its ledger, our metadata, or the parent charge's) and shows an
organisation only its own. The unattributable ones appear only in the platform-level run.
Against the Stripe sandbox through the SDK, as tests/ledger/test_reconciliation.py."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from ledger import clock
from ledger.models import ReconciliationRun
from ledger.services import reconciliation_unattributed_compute
from ledger.services.attribution import StripeTxn, stripe_owners
from ledger.services.reconciliation import MISSING_IN_LEDGER, UNATTRIBUTED
from oracle_ledger import gateway
from tests.ledger import test_reconciliation as recon
from tests.ledger.test_reconciliation import book, charge, refund, today_compute

stripe_sandbox_on, customer = recon.stripe_sandbox_on, recon.customer  # the same sandbox fixtures

URL = "/api/v1/ledger/reconciliation"
sandbox = pytest.mark.django_db(databases="__all__")


def kinds(differences) -> set[tuple[str, str]]:
    return {(d["kind"], d["reference"]) for d in differences}


def unattributed_today():
    day = clock.today()
    return reconciliation_unattributed_compute(date_from=day, date_to=day)


@pytest.fixture
def two_orgs_books(org, other_org, customer):
    """Each organisation: one booked charge and one it has not booked yet; Globex also an unbooked
    refund of its own charge whose (caller-supplied) metadata claims Acme; plus one charge made
    straight at Stripe that names nobody."""
    acme_booked, txn = charge(customer, 1111, org)
    book(org, acme_booked, txn)
    acme_unbooked, _ = charge(customer, 2222, org)
    globex_booked, txn = charge(customer, 918273, other_org)
    book(other_org, globex_booked, txn)
    globex_unbooked, globex_txn = charge(customer, 827364, other_org)
    globex_refund = refund(other_org, globex_unbooked, 736455, post=False,
                           metadata={"organization": org.public_id})
    stray, stray_txn = charge(customer, 645546)
    return {"acme_booked": acme_booked, "acme_unbooked": acme_unbooked, "globex_booked": globex_booked,
            "globex_unbooked": globex_unbooked, "globex_refund": globex_refund, "globex_fee": globex_txn.fee,
            "stray": stray, "stray_fee": stray_txn.fee}


@sandbox
@pytest.mark.urls("tests.ledger.urls")
def test_an_organisation_never_sees_another_organisations_stripe_objects(client_for, org, other_org, two_orgs_books):
    b = two_orgs_books
    day = clock.today().isoformat()
    response = client_for("accountant", org).get(f"{URL}?from={day}&to={day}")
    assert response.status_code == 200
    text = response.content.decode()
    for secret in (b["globex_booked"], b["globex_unbooked"], b["globex_refund"], b["stray"],
                   "918273", "827364", "736455", "645546"):
        assert secret not in text
    body = json.loads(text)["data"]
    fees = {d["stripeFee"] for d in body["differences"]}
    assert b["globex_fee"] not in fees and b["stray_fee"] not in fees
    assert kinds(body["differences"]) == {(MISSING_IN_LEDGER, b["acme_unbooked"])}
    assert (body["stripeCount"], body["ledgerCount"]) == (2, 1)


@sandbox
def test_each_organisation_gets_its_own_differences_and_the_stray_charge_goes_to_nobody(org, other_org,
                                                                                        two_orgs_books):
    b = two_orgs_books
    assert kinds(today_compute(org).differences) == {(MISSING_IN_LEDGER, b["acme_unbooked"])}
    # The refund follows its charge (Globex's metadata), not the refund's own metadata claiming Acme.
    assert kinds(today_compute(other_org).differences) == {
        (MISSING_IN_LEDGER, b["globex_unbooked"]), (MISSING_IN_LEDGER, b["globex_refund"])}
    [row] = unattributed_today().differences
    assert (row["kind"], row["reference"], row["stripeAmount"], row["ledgerAmount"]) == (
        UNATTRIBUTED, b["stray"], 645546, None)


@sandbox
def test_the_platform_command_reports_the_unattributed_charge_and_exits_1(org, other_org, two_orgs_books, capsys):
    b = two_orgs_books
    day = clock.today().isoformat()
    with pytest.raises(SystemExit) as exited:
        call_command("reconcile", "--from", day, "--to", day)
    assert exited.value.code == 1
    out = capsys.readouterr().out
    platform = out[out.index("platform (unattributed)"):]
    assert b["stray"] in platform and UNATTRIBUTED in platform and "645546" in platform
    assert b["stray"] not in out[:out.index("platform (unattributed)")]
    runs = {(r.organization_id, r.difference_count) for r in ReconciliationRun.objects.all()}
    assert runs == {(org.pk, 1), (other_org.pk, 2), (None, 1)}
    assert ReconciliationRun.objects.get(organization=None).differences[0]["reference"] == b["stray"]


@sandbox
def test_an_organisation_run_never_lists_the_unattributed_charge(org, customer, capsys):
    stray, _ = charge(customer, 4321)
    day = clock.today().isoformat()
    call_command("reconcile", "--from", day, "--to", day, "--organization", org.slug)
    out = capsys.readouterr().out
    assert "0 differences" in out and stray not in out and "platform" not in out
    assert not ReconciliationRun.objects.filter(organization=None).exists()


@sandbox
def test_clean_books_leave_nothing_unattributed(org, other_org, customer, capsys):
    for owner, amount in ((org, 1000), (other_org, 2000)):
        charge_id, txn = charge(customer, amount, owner)
        book(owner, charge_id, txn)
    refund(org, charge_id, 300, post=False)  # Globex's charge, refunded: Globex's, by the charge's ledger entry
    assert kinds(today_compute(org).differences) == set()
    assert unattributed_today().differences == []
    day = clock.today().isoformat()
    with pytest.raises(SystemExit):  # Globex has not booked its refund yet
        call_command("reconcile", "--from", day, "--to", day)
    assert {(r.organization_id, r.difference_count) for r in ReconciliationRun.objects.all()} == {
        (org.pk, 0), (other_org.pk, 1), (None, 0)}


@sandbox
def test_a_refund_whose_charge_is_outside_the_window_is_attributed_by_retrieving_the_charge(org, other_org, customer):
    charge_id, _ = charge(customer, 5000, other_org)
    refund_id = refund(other_org, charge_id, 500, post=False)
    source = gateway.refund_retrieve(refund_id).to_dict()
    lone = StripeTxn(refund_id, clock.today(), -500, 0, "usd", source)  # its charge is not in this window
    assert stripe_owners([lone], {refund_id}) == {refund_id: frozenset({other_org.pk})}


@sandbox
def test_a_parent_outside_the_window_is_retrieved_once_for_all_its_refunds(org, other_org, customer, monkeypatch):
    charge_id, _ = charge(customer, 5000, other_org)
    refund_ids = [refund(other_org, charge_id, 100, post=False) for _ in range(3)]
    lone = [StripeTxn(r, clock.today(), -100, 0, "usd", gateway.refund_retrieve(r).to_dict()) for r in refund_ids]
    calls = []
    real = gateway.charge_retrieve
    monkeypatch.setattr(gateway, "charge_retrieve", lambda *a, **kw: calls.append(a) or real(*a, **kw))
    assert set(stripe_owners(lone, set(refund_ids)).values()) == {frozenset({other_org.pk})}
    assert calls == [(charge_id,)]


@sandbox
def test_a_ledger_entry_outranks_metadata(org, other_org, customer):
    """Metadata names Acme, but Globex booked it: it is Globex's, no difference for Acme."""
    charge_id, txn = charge(customer, 3000, org)
    book(other_org, charge_id, txn)
    assert today_compute(org).differences == []
    assert today_compute(other_org).differences == []
    assert unattributed_today().differences == []


@pytest.mark.django_db
def test_the_admin_shows_a_platform_run(client, org):
    from identity.models import User

    client.force_login(User.objects.create_superuser("ops@example.com", "pw-not-used-1234", organization=org))
    run = ReconciliationRun.objects.create(
        organization=None, date_from="2026-01-01", date_to="2026-01-01", status="differences", difference_count=1,
        differences=[{"kind": UNATTRIBUTED, "reference": "ch_stray", "stripeAmount": 500, "ledgerAmount": None,
                      "stripeFee": 45, "ledgerFee": None, "currency": "usd"}])
    assert run.public_id.encode() in client.get("/admin/ledger/reconciliationrun/").content
    page = client.get(f"/admin/ledger/reconciliationrun/{run.pk}/change/")
    assert b"ch_stray" in page.content and UNATTRIBUTED.encode() in page.content
