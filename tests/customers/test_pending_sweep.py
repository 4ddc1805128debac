"""A create that crashed between its pending row and the end leaves nothing behind for long."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import Customer
from customers.services import stripe_mirror
from customers.services.customers import _pending_customer_insert
from customers.tasks import customer_pending_sweep_task
from oracle_ledger import gateway
from oracle_ledger.actors import Actor

pytestmark = pytest.mark.django_db(databases="__all__")


def crashed_create(actor, *, minutes_ago: int) -> tuple[Customer, str]:
    """Steps 1 and 2 of customer_create, then the process 'dies'."""
    customer = _pending_customer_insert(actor=actor, fields={"first_name": "A", "last_name": "B",
                                                             "email": "crash@example.com"})
    stripe_id = stripe_mirror.stripe_customer_create(customer)
    Customer.objects.filter(pk=customer.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    return customer, stripe_id


def test_old_pending_rows_and_their_stripe_customers_are_swept(make_user, admin_client, body):
    actor = Actor.for_user(make_user("admin"))
    customer, stripe_id = crashed_create(actor, minutes_ago=30)
    assert admin_client.get(f"/api/v1/customers/{customer.public_id}").status_code == 404  # never shown
    assert customer_pending_sweep_task() == 1
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert gateway.customer_retrieve(stripe_id).to_dict().get("deleted") is True
    # The email is free again.
    assert admin_client.post("/api/v1/customers", {**body, "email": "crash@example.com"},
                             format="json").status_code == 201


def test_recent_pending_rows_are_left_to_finish(make_user):
    actor = Actor.for_user(make_user("admin"))
    customer, _ = crashed_create(actor, minutes_ago=1)
    assert customer_pending_sweep_task() == 0
    assert Customer.objects.filter(pk=customer.pk).exists()
