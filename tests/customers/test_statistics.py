"""`statistics` from SUCCEEDED payments only, read in the same query as the customers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from customers.selectors import customer_list
from oracle_ledger.actors import Actor
from oracle_ledger.api.pagination import page_paginate
from payments.models import Payment
from tests.customers.factories import CustomerFactory
from tests.payments.factories import PaymentFactory

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def admin(make_user):
    return make_user("admin")


def test_retrieve_statistics_count_only_succeeded_payments(client_for, admin, org):
    customer = CustomerFactory(organization=org)
    last = datetime(2025, 10, 15, 14, 30, tzinfo=UTC)
    for amount, when in ((1000, datetime(2025, 1, 1, tzinfo=UTC)), (2000, datetime(2025, 5, 1, tzinfo=UTC)),
                         (3001, last)):
        PaymentFactory(customer=customer, amount_cents=amount, created_at=when)
    PaymentFactory(customer=customer, amount_cents=99999, status=Payment.Status.FAILED,
                   created_at=datetime(2025, 12, 1, tzinfo=UTC))
    data = client_for(admin).get(f"/api/v1/customers/{customer.public_id}").json()["data"]
    assert data["statistics"] == {"totalPayments": 3, "totalAmountCents": 6001, "averagePaymentCents": 2000,
                                  "lastPaymentDate": "2025-10-15T14:30:00.000Z"}


def test_list_statistics_and_query_count_with_payments(admin, org, django_assert_num_queries):
    for n in range(20):
        customer = CustomerFactory(organization=org)
        for _ in range(n % 3):
            PaymentFactory(customer=customer, amount_cents=500)
    with django_assert_num_queries(2):  # count + one page, statistics as subqueries of that page
        page = page_paginate({"limit": "100"}, customer_list(actor=Actor.for_user(admin), params={}),
                             key="customers", serialize=lambda c: (c.stat_total_payments, c.stat_total_amount_cents))
    assert sorted(page["customers"]) == sorted((n % 3, 500 * (n % 3)) for n in range(20))
