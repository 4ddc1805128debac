"""GET /api/v1/payments: the guide's filters and cursor pagination (DESIGN §4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.customers.factories import CustomerFactory
from tests.helpers import error
from tests.payments.factories import PaymentFactory

pytestmark = pytest.mark.django_db(databases="__all__")
T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def client(client_for):
    return client_for("admin")


@pytest.fixture
def payments(org):
    """25 payments an hour apart, newest last: index i created at T0 + i hours."""
    customer = CustomerFactory(organization=org)
    return [PaymentFactory(customer=customer, created_at=T0 + timedelta(hours=i), amount_cents=1000 + i)
            for i in range(25)]


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [p["id"] for p in response.json()["data"]["payments"]]


def test_default_page_is_ten_newest_first_with_has_more(client, payments):
    response = client.get("/api/v1/payments")
    assert ids(response) == [p.public_id for p in reversed(payments)][:10]
    assert response.json()["data"]["hasMore"] is True
    item = response.json()["data"]["payments"][0]
    assert set(item) == {"id", "amount", "currency", "status", "customer", "description", "createdAt"}


def test_starting_after_walks_every_payment_once(client, payments):
    seen, cursor = [], None
    while True:
        response = client.get("/api/v1/payments", {"limit": 7, **({"startingAfter": cursor} if cursor else {})})
        page = ids(response)
        seen += page
        if not response.json()["data"]["hasMore"]:
            break
        cursor = page[-1]
    assert seen == [p.public_id for p in reversed(payments)]


def test_same_created_at_is_ordered_by_id_without_gaps(client, org):
    customer = CustomerFactory(organization=org)
    same = [PaymentFactory(customer=customer, created_at=T0) for _ in range(5)]
    first = ids(client.get("/api/v1/payments", {"limit": 2}))
    rest = ids(client.get("/api/v1/payments", {"limit": 10, "startingAfter": first[-1]}))
    assert sorted(first + rest) == sorted(p.public_id for p in same) and len(set(first + rest)) == 5


def test_limit_over_the_maximum_is_clamped(client, org):
    customer = CustomerFactory(organization=org)
    PaymentFactory.create_batch(105, customer=customer)
    response = client.get("/api/v1/payments", {"limit": 500})
    assert len(ids(response)) == 100 and response.json()["data"]["hasMore"] is True


@pytest.mark.parametrize("limit", ["0", "-1", "ten"])
def test_bad_limit_is_400(client, limit):
    error(client.get("/api/v1/payments", {"limit": limit}), 400, "INVALID_REQUEST")


def test_unknown_cursor_is_400(client, payments, other_org):
    theirs = PaymentFactory(customer=CustomerFactory(organization=other_org))
    for cursor in ("pi_nope", theirs.public_id):
        err = error(client.get("/api/v1/payments", {"startingAfter": cursor}), 400, "INVALID_REQUEST")
        assert err["details"][0]["field"] == "startingAfter"


def test_filter_by_customer_and_status(client, org, payments):
    other = CustomerFactory(organization=org)
    failed = PaymentFactory(customer=other, status="failed")
    assert ids(client.get("/api/v1/payments", {"customer": other.public_id})) == [failed.public_id]
    assert ids(client.get("/api/v1/payments", {"status": "failed"})) == [failed.public_id]
    assert len(ids(client.get("/api/v1/payments", {"status": "succeeded", "limit": 100}))) == 25


def test_unknown_status_is_400(client):
    err = error(client.get("/api/v1/payments", {"status": "refunded_twice"}), 400, "INVALID_REQUEST")
    assert err["details"][0]["field"] == "status"


@pytest.mark.parametrize(("gte", "lte", "expected"), [
    ("2026-03-10T15:00:00Z", "2026-03-10T17:00:00Z", [5, 4, 3]),       # ISO times, inclusive
    (str(int((T0 + timedelta(hours=20)).timestamp())), None, [24, 23, 22, 21, 20]),  # Unix timestamp
    (None, "2026-03-10", list(range(11, -1, -1))),                    # a date covers its whole day
    ("2026-03-11", "2026-03-11", list(range(24, 11, -1))),
])
def test_created_range(client, payments, gte, lte, expected):
    params = {"limit": 100, **({"created[gte]": gte} if gte else {}), **({"created[lte]": lte} if lte else {})}
    assert ids(client.get("/api/v1/payments", params)) == [payments[i].public_id for i in expected]


def test_unreadable_created_is_400(client):
    err = error(client.get("/api/v1/payments", {"created[gte]": "last tuesday"}), 400, "INVALID_REQUEST")
    assert err["details"][0]["field"] == "created[gte]"


def test_other_organisations_payments_are_invisible(client, payments, other_org):
    theirs = PaymentFactory(customer=CustomerFactory(organization=other_org))
    assert theirs.public_id not in ids(client.get("/api/v1/payments", {"limit": 100}))
    error(client.get(f"/api/v1/payments/{theirs.public_id}"), 404, "RESOURCE_NOT_FOUND")


def test_list_costs_the_same_queries_for_ten_or_a_hundred_rows(client, org, django_assert_max_num_queries):
    customer = CustomerFactory(organization=org)
    PaymentFactory.create_batch(120, customer=customer)
    with django_assert_max_num_queries(12) as small:
        client.get("/api/v1/payments", {"limit": 10})
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/api/v1/payments", {"limit": 100})
