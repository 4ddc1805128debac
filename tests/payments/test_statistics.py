"""Customer statistics come from succeeded payments, in the same query as the customers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from customers.models import Customer
from customers.selectors import customer_statistics_annotate
from tests.customers.factories import CustomerFactory
from tests.payments.factories import PaymentFactory

pytestmark = pytest.mark.django_db(databases="__all__")


def test_statistics_count_only_succeeded_payments(org):
    customer = CustomerFactory(organization=org)
    last = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    for amount, status, created in [(1000, "succeeded", datetime(2026, 4, 1, tzinfo=UTC)),
                                    (2001, "succeeded", last), (9999, "failed", datetime(2026, 6, 1, tzinfo=UTC)),
                                    (5000, "canceled", datetime(2026, 6, 2, tzinfo=UTC))]:
        PaymentFactory(customer=customer, amount_cents=amount, status=status, created_at=created)
    stats = customer_statistics_annotate(Customer.objects.filter(pk=customer.pk)).get()
    assert (stats.stat_total_payments, stats.stat_total_amount_cents) == (2, 3001)
    assert stats.stat_average_payment_cents == 1501  # 1500.5 rounded
    assert stats.stat_last_payment_at == last


def test_customer_without_payments_has_zeros(org):
    stats = customer_statistics_annotate(Customer.objects.filter(pk=CustomerFactory(organization=org).pk)).get()
    assert (stats.stat_total_payments, stats.stat_total_amount_cents, stats.stat_average_payment_cents,
            stats.stat_last_payment_at) == (0, 0, 0, None)


def test_statistics_cost_one_query_whatever_the_number_of_customers(org, django_assert_num_queries):
    for _ in range(30):
        PaymentFactory.create_batch(2, customer=CustomerFactory(organization=org))
    with django_assert_num_queries(1):
        rows = list(customer_statistics_annotate(Customer.objects.filter(organization=org)))
    assert len(rows) == 30 and all(row.stat_total_payments == 2 for row in rows)


def test_customer_api_shows_statistics_from_api_payments(admin_client, customer, pay):
    pay(amount=2000)
    pay(amount=3000)
    data = admin_client.get(f"/api/v1/customers/{customer['id']}").json()["data"]
    assert data["statistics"]["totalPayments"] == 2
    assert data["statistics"]["totalAmountCents"] == 5000
    assert data["statistics"]["averagePaymentCents"] == 2500
