"""The payments back office: search, filters, detail with charge and refunds, the refund action
(amount and reason asked first, then the API's service), CSV export; nothing editable."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from audit.models import AuditEntry
from ledger.models import JournalEntry
from payments.models import Payment, Refund
from tests.customers.factories import CustomerFactory
from tests.payments.factories import PaymentFactory

pytestmark = pytest.mark.django_db(databases="__all__")
URL = "/admin/payments/payment/"


@pytest.fixture
def staff(make_user):
    return make_user("admin", is_staff=True, is_superuser=True)


@pytest.fixture
def browser(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def rows(org):
    zelda = CustomerFactory(organization=org, email="zelda@example.com")
    mario = CustomerFactory(organization=org, email="mario@example.com")
    return {"zelda": PaymentFactory(customer=zelda, amount_cents=500, description="Invoice ZZ-1"),
            "mario": PaymentFactory(customer=mario, amount_cents=250_000, status="failed")}


@pytest.mark.parametrize(("query", "found", "absent"), [
    ({"q": "zelda@example.com"}, "zelda", "mario"),
    ({"q": "Invoice ZZ"}, "zelda", "mario"),
    ({"status__exact": "failed"}, "mario", "zelda"),
    ({"amount_range": "lt10"}, "zelda", "mario"),
    ({"amount_range": "1000-10000"}, "mario", "zelda"),
])
def test_changelist_search_and_filters(browser, rows, query, found, absent):
    page = browser.get(URL, query)
    assert page.status_code == 200
    assert rows[found].public_id.encode() in page.content and rows[absent].public_id.encode() not in page.content


def test_search_by_payment_and_customer_id(browser, rows):
    for term in (rows["zelda"].public_id, rows["zelda"].customer.public_id):
        page = browser.get(URL, {"q": term})
        assert rows["zelda"].public_id.encode() in page.content and rows["mario"].public_id.encode() not in page.content


def test_detail_shows_charge_and_refunds_and_is_read_only(browser, admin_client, pay):
    paid = pay(amount=10_000).json()["data"]
    admin_client.post(f"/api/v1/payments/{paid['id']}/refund", {"amount": 1500}, format="json")
    payment = Payment.objects.get(public_id=paid["id"])
    page = browser.get(f"{URL}{payment.pk}/change/")
    assert page.status_code == 200
    assert payment.stripe_charge_id.encode() in page.content
    assert Refund.objects.get().public_id.encode() in page.content
    assert b'name="amount_cents"' not in page.content  # read-only
    assert browser.get(f"{URL}add/").status_code == 403


def test_refund_action_asks_amount_and_reason_then_uses_the_service(browser, pay, staff):
    payment = Payment.objects.get(public_id=pay(amount=10_000).json()["data"]["id"])
    form = browser.post(URL, {"action": "refund", "_selected_action": [payment.pk]})
    assert form.status_code == 200 and b'name="amount"' in form.content and b'name="reason"' in form.content
    assert not Refund.objects.exists()
    done = browser.post(URL, {"action": "refund", "_selected_action": [payment.pk], "apply": "1", "amount": "2500",
                              "reason": "duplicate"})
    assert done.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount_cents, refund.reason, refund.status) == (2500, "duplicate", "succeeded")
    assert JournalEntry.objects.filter(source_id=refund.public_id).count() == 1
    assert AuditEntry.objects.get(action="refund.requested", object_id=refund.public_id).actor_id == staff.public_id


def test_refund_action_reports_a_refused_refund(browser, rows):
    response = browser.post(URL, {"action": "refund", "_selected_action": [rows["mario"].pk], "apply": "1",
                                  "amount": "100", "reason": ""}, follow=True)
    assert b"cannot be refunded" in response.content
    assert not Refund.objects.exists()


def test_csv_export(browser, rows):
    response = browser.post(URL, {"action": "export_csv", "_selected_action": [p.pk for p in rows.values()]})
    assert response["Content-Type"] == "text/csv"
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert lines[0][0] == "id" and {line[0] for line in lines[1:]} == {p.public_id for p in rows.values()}
    assert AuditEntry.objects.filter(action="payments.exported").exists()


def test_staff_see_only_their_organisation(make_user, org, other_org, rows):
    theirs = PaymentFactory(customer=CustomerFactory(organization=other_org))
    from django.contrib.auth.models import Permission

    user = make_user("accountant", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_payment"))
    client = Client()
    client.force_login(user)
    page = client.get(URL)
    assert page.status_code == 200
    assert rows["zelda"].public_id.encode() in page.content and theirs.public_id.encode() not in page.content


def test_a_reading_role_cannot_refund_from_the_admin(make_user, rows):
    from django.contrib.auth.models import Permission

    rows["zelda"].__class__.objects.filter(pk=rows["zelda"].pk).update(status="succeeded")
    user = make_user("auditor", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_payment"))
    client = Client()
    client.force_login(user)
    response = client.post(URL, {"action": "refund", "_selected_action": [rows["zelda"].pk], "apply": "1",
                                 "amount": "100"}, follow=True)
    assert b"may not refund" in response.content
    assert not Refund.objects.exists()
