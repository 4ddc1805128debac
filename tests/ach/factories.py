"""ACH rows for read-side tests (lists, filters, admin) without Stripe."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from ach.models import AchPayment
from customers.models import PaymentMethod
from tests.customers.factories import CustomerFactory


class BankAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentMethod

    customer = factory.SubFactory(CustomerFactory)
    stripe_payment_method_id = factory.Sequence(lambda n: f"pm_bankfactory{n}")
    type = PaymentMethod.Type.US_BANK_ACCOUNT
    bank_name, bank_last4, bank_routing_number = "STRIPE TEST BANK", "6789", "110000000"
    bank_account_type, bank_account_holder_type = "checking", "individual"
    stripe_mandate_id = factory.Sequence(lambda n: f"mandate_factory{n}")


class AchPaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AchPayment

    customer = factory.SubFactory(CustomerFactory)
    organization = factory.SelfAttribute("customer.organization")
    payment_method = factory.SubFactory(BankAccountFactory, customer=factory.SelfAttribute("..customer"))
    amount_cents = 10000
    class_code = "PPD"
    requested_date = scheduled_date = dt.date(2027, 3, 1)
    estimated_settlement_date = dt.date(2027, 3, 5)
    status = AchPayment.Status.PROCESSING
    created_at = updated_at = factory.LazyFunction(timezone.now)
