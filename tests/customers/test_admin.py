"""The finance back office: search, filters, detail with payment methods and statistics, soft
delete and restore as actions through the services (audited)."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEntry
from customers.models import Customer
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db(databases="__all__")
URL = "/admin/customers/customer/"


@pytest.fixture
def staff(make_user):
    return make_user("admin", is_staff=True, is_superuser=True)


@pytest.fixture
def browser(staff):
    client = Client()
    client.force_login(staff)
    return client


def test_changelist_search_and_filters(browser, org):
    CustomerFactory(organization=org, first_name="Zelda", email="zelda@example.com",
                    billing_address={"country": "GB", "line1": "x", "city": "London"})
    CustomerFactory(organization=org, first_name="Mario", email="mario@example.com")
    page = browser.get(URL, {"q": "zelda"})
    assert page.status_code == 200
    assert b"zelda@example.com" in page.content and b"mario@example.com" not in page.content
    by_country = browser.get(URL, {"country": "GB"})
    assert b"zelda@example.com" in by_country.content and b"mario@example.com" not in by_country.content
    assert b"mario@example.com" in browser.get(URL, {"active__exact": "1"}).content
    assert browser.get(URL, {"q": "12345"}).status_code == 200  # numeric ids searchable too


def test_detail_shows_payment_methods_and_statistics(browser, create, org, staff):
    data = create(client=None, paymentMethods=[{"type": "card", "token": "tok_visa"}])
    customer = Customer.objects.get(public_id=data["id"])
    page = browser.get(f"{URL}{customer.pk}/change/")
    assert page.status_code == 200
    assert b"4242" in page.content and b"0 payments, total 0.00" in page.content


def test_soft_delete_and_restore_actions_use_the_services(browser, create, staff):
    data = create()
    customer = Customer.objects.get(public_id=data["id"])
    response = browser.post(URL, {"action": "soft_delete", "_selected_action": [customer.pk]})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.active is False and customer.deleted_at is not None
    entry = AuditEntry.objects.get(action="customer.deleted", object_id=customer.public_id)
    assert entry.actor_id == staff.public_id
    browser.post(URL, {"action": "restore", "_selected_action": [customer.pk]})
    customer.refresh_from_db()
    assert customer.active is True and customer.deleted_at is None
    assert AuditEntry.objects.filter(action="customer.restored", object_id=customer.public_id).exists()


def test_restore_is_refused_when_the_email_was_taken_meanwhile(browser, admin_client, create):
    data = create()
    admin_client.delete(f"/api/v1/customers/{data['id']}")
    create(customerId=2)  # same email, now active
    customer = Customer.objects.get(public_id=data["id"])
    response = browser.post(URL, {"action": "restore", "_selected_action": [customer.pk]}, follow=True)
    assert b"Email already exists" in response.content
    customer.refresh_from_db()
    assert customer.active is False


def test_staff_see_only_their_organisation(make_user, org, other_org):
    CustomerFactory(organization=org, email="mine@example.com")
    CustomerFactory(organization=other_org, email="theirs@example.com")
    user = make_user("accountant", is_staff=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client = Client()
    client.force_login(user)
    page = client.get(URL)
    assert b"mine@example.com" in page.content and b"theirs@example.com" not in page.content
