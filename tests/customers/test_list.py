"""GET /api/v1/customers: page pagination, status, search, dates, statistics, query count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from customers.models import Customer, PaymentMethod
from customers.selectors import customer_list
from oracle_ledger.actors import Actor
from tests.customers.factories import CustomerFactory
from tests.helpers import error

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def client(client_for, admin):
    return client_for(admin)


def listed(client, **params):
    response = client.get("/api/v1/customers", params)
    assert response.status_code == 200, response.content
    return response.json()["data"]


def test_list_item_shape(client, admin, org):
    customer = CustomerFactory(organization=org, customer_id=12345)
    pm = PaymentMethod.objects.create(customer=customer, stripe_payment_method_id="pm_x", type="card",
                                      card_brand="visa", card_last4="4242", is_default=True)
    Customer.objects.filter(pk=customer.pk).update(default_payment_method=pm)
    [item] = listed(client)["customers"]
    assert item == {
        "id": customer.public_id, "stripeCustomerId": customer.stripe_customer_id,
        "firstName": customer.first_name, "lastName": customer.last_name, "email": customer.email,
        "customerId": 12345, "defaultPaymentMethod": {"brand": "visa", "last4": "4242", "type": "card"},
        "statistics": {"totalPayments": 0, "totalAmountCents": 0}, "createdAt": item["createdAt"], "active": True,
    }


def test_page_pagination(client, org):
    CustomerFactory.create_batch(7, organization=org)
    data = listed(client, page=2, limit=3)
    assert len(data["customers"]) == 3
    assert data["pagination"] == {"page": 2, "limit": 3, "total": 7, "totalPages": 3, "hasNext": True,
                                  "hasPrevious": True}
    assert listed(client, limit=500)["pagination"]["limit"] == 100  # clamped (DESIGN §4)
    error(client.get("/api/v1/customers", {"page": "x"}), 400, "INVALID_REQUEST")


def test_newest_first(client, org):
    old = CustomerFactory(organization=org, created_at=datetime(2025, 1, 1, tzinfo=UTC))
    new = CustomerFactory(organization=org, created_at=datetime(2025, 6, 1, tzinfo=UTC))
    assert [c["id"] for c in listed(client)["customers"]] == [new.public_id, old.public_id]


def test_status_defaults_to_active(client, org):
    active = CustomerFactory(organization=org)
    inactive = CustomerFactory(organization=org, active=False, deleted_at=datetime.now(UTC))
    assert [c["id"] for c in listed(client)["customers"]] == [active.public_id]
    assert [c["id"] for c in listed(client, status="inactive")["customers"]] == [inactive.public_id]
    assert {c["id"] for c in listed(client, status="all")["customers"]} == {active.public_id, inactive.public_id}


def test_unknown_status_is_invalid_request(client):
    body = error(client.get("/api/v1/customers", {"status": "deleted"}), 400, "INVALID_REQUEST")
    assert body["details"][0]["field"] == "status"


def test_created_after_and_before(client, org):
    for day in (1, 10, 20):
        CustomerFactory(organization=org, first_name=f"Day{day}", created_at=datetime(2025, 3, day, 12, tzinfo=UTC))
    names = lambda **p: sorted(c["firstName"] for c in listed(client, **p)["customers"])  # noqa: E731
    assert names(createdAfter="2025-03-10") == ["Day10", "Day20"]  # a date covers its whole day
    assert names(createdBefore="2025-03-10") == ["Day1", "Day10"]
    assert names(createdAfter="2025-03-02", createdBefore="2025-03-19") == ["Day10"]
    assert names(createdAfter="2025-03-10T13:00:00Z") == ["Day20"]
    error(client.get("/api/v1/customers", {"createdAfter": "last week"}), 400, "INVALID_REQUEST")


@pytest.mark.parametrize(("term", "expected"), [
    ("john", {"John Doe"}), ("JOHN", {"John Doe"}), ("jo", {"John Doe", "Joanna Smith"}),
    ("doe", {"John Doe"}), ("john doe", {"John Doe"}), ("smith", {"Joanna Smith"}), ("asm", {"Adam Brown"}),
    ("asmith@corp", {"Adam Brown"}), ("corp.example", {"Adam Brown"}), ("j.doe@example.com", {"John Doe"}),
    ("zzz", set()), ("%", set()),
])
def test_search_by_name_and_email_case_insensitive(client, org, term, expected):
    CustomerFactory(organization=org, first_name="John", last_name="Doe", email="j.doe@example.com")
    CustomerFactory(organization=org, first_name="Joanna", last_name="Smith", email="joanna@example.com")
    CustomerFactory(organization=org, first_name="Adam", last_name="Brown", email="asmith@corp.example.org")
    got = {f"{c['firstName']} {c['lastName']}" for c in listed(client, search=term)["customers"]}
    assert got == expected


def test_search_expression_matches_the_gin_index(org):
    """The query must use the exact indexed expression, or a million rows are scanned."""
    from django.db import connection

    from customers.selectors import customer_search

    CustomerFactory.create_batch(3, organization=org)
    qs = customer_search(Customer.objects.all(), "first1")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert "customer_search_gin" in plan


def test_list_costs_two_queries_whatever_the_page_size(client, org, django_assert_num_queries, admin):
    from django.db.models import Max

    for _ in range(30):
        customer = CustomerFactory(organization=org)
        pm = PaymentMethod.objects.create(customer=customer, stripe_payment_method_id="pm_x", type="card",
                                          card_brand="visa", card_last4="4242", is_default=True)
        Customer.objects.filter(pk=customer.pk).update(default_payment_method=pm)
    assert Customer.objects.aggregate(n=Max("id"))["n"]
    actor = Actor.for_user(admin)
    from customers.serializers import customer_list_item
    from oracle_ledger.api.pagination import page_paginate

    with django_assert_num_queries(2):  # count + one page with default method and statistics
        page = page_paginate({"limit": "100"}, customer_list(actor=actor, params={}), key="customers",
                             serialize=customer_list_item)
    assert len(page["customers"]) == 30 and page["customers"][0]["statistics"] == {"totalPayments": 0,
                                                                                     "totalAmountCents": 0}


def test_pending_customers_are_not_listed(client, org):
    CustomerFactory(organization=org, sync_state=Customer.SyncState.PENDING)
    assert listed(client)["customers"] == []


def test_date_helpers_in_the_past_and_future(client, org):
    CustomerFactory(organization=org)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert listed(client, createdAfter=tomorrow)["customers"] == []
    assert len(listed(client, createdBefore=tomorrow)["customers"]) == 1
