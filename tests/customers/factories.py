"""Rows for read-side tests (lists, filters, admin) that need many customers without Stripe."""

from __future__ import annotations

import factory

from customers.models import Customer


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    stripe_customer_id = factory.Sequence(lambda n: f"cus_factory{n}")
    sync_state = Customer.SyncState.SYNCED
