"""One shape for every write that changes the Stripe customer (DESIGN §6: no lock held while
Stripe thinks), and keeps Stripe and our row agreeing when two such writes race."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction

from customers.models import Customer
from customers.services.errors import stripe_error
from oracle_ledger import gateway
from oracle_ledger.errors import ValidationFailedError

T = TypeVar("T")
ATTEMPTS = 5  # each round has a winner: N racing writers need at most N-1 retries


def mirrored_write(customer: Customer, *, push: Callable[[Customer], Any],
                   store: Callable[[Customer, Any], T]) -> T:
    """`push(customer)` sends the change to Stripe (no lock held; its idempotency key includes
    `customer.version`); then `store(locked_row, pushed)` writes it locally, under the row lock,
    only if `version` is unchanged, and must bump it. If another write got in between, its Stripe
    call may have landed after ours: re-read, push again on top of the newer row, so the write
    committed last is also the one Stripe saw last. Stripe failing changes nothing here."""
    for _attempt in range(ATTEMPTS):
        try:
            pushed = push(customer)
        except gateway.GatewayError as exc:
            raise stripe_error(exc) from exc
        with transaction.atomic():
            current = Customer.objects.select_for_update().get(pk=customer.pk)
            if current.version == customer.version:
                return store(current, pushed)
        customer = Customer.objects.get(pk=customer.pk)
    raise ValidationFailedError("The customer is being changed by other requests; retry.",
                                details=[{"field": "id", "reason": "Concurrent update", "value": customer.public_id}])
