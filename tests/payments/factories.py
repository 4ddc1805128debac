"""Rows for read-side tests (lists, filters, statistics, admin) without Stripe."""

from __future__ import annotations

import factory

from customers.models import PaymentMethod
from payments.models import Payment
from tests.customers.factories import CustomerFactory


class CardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentMethod

    customer = factory.SubFactory(CustomerFactory)
    stripe_payment_method_id = factory.Sequence(lambda n: f"pm_factory{n}")
    type = PaymentMethod.Type.CARD
    card_brand, card_last4 = "visa", "4242"


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    customer = factory.SubFactory(CustomerFactory)
    organization = factory.SelfAttribute("customer.organization")
    payment_method = factory.SubFactory(CardFactory, customer=factory.SelfAttribute("..customer"))
    amount_cents = 2599
    currency = "usd"
    status = Payment.Status.SUCCEEDED
    stripe_payment_intent_id = factory.Sequence(lambda n: f"pi_factory{n}")
