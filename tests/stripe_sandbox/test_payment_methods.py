"""PaymentMethods: cards by token / pm_card id / number, bank accounts, attach and detach."""

from __future__ import annotations

import pytest
import stripe

from oracle_ledger import gateway

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.mark.parametrize(("token", "brand", "funding", "last4"), [
    ("tok_visa", "visa", "credit", "4242"), ("tok_visa_debit", "visa", "debit", "5556"),
    ("tok_mastercard", "mastercard", "credit", "4444"), ("tok_amex", "amex", "credit", "0005"),
])
def test_card_from_token(token, brand, funding, last4):
    pm = gateway.payment_method_create_card(token=token, idempotency_key=token)
    assert (pm.type, pm.card.brand, pm.card.funding, pm.card.last4) == ("card", brand, funding, last4)
    assert pm.customer is None


def test_same_number_has_the_same_fingerprint_in_every_form():
    by_number = gateway.payment_method_create_card(number="4242424242424242", exp_month=1, exp_year=2030,
                                                   idempotency_key="n")
    by_token = gateway.payment_method_create_card(token="tok_visa", idempotency_key="t")
    assert by_number.card.fingerprint == by_token.card.fingerprint
    assert (by_number.card.exp_month, by_number.card.exp_year) == (1, 2030)


@pytest.mark.parametrize(("card", "code", "param"), [
    ({"number": "4242424242424241", "exp_month": 1, "exp_year": 2030}, "incorrect_number", "card[number]"),
    ({"number": "4242424242424242", "exp_month": 13, "exp_year": 2030}, "invalid_expiry_month", "card[exp_month]"),
    ({"number": "4242424242424242", "exp_month": 1, "exp_year": 2001}, "invalid_expiry_year", "card[exp_year]"),
])
def test_bad_card_numbers_and_dates_are_card_errors(stripe_client, card, code, param):
    with pytest.raises(stripe.CardError) as exc:
        stripe_client.v1.payment_methods.create(params={"type": "card", "card": card})
    assert (exc.value.code, exc.value.param, exc.value.http_status) == (code, param, 402)


@pytest.mark.parametrize(("params", "code", "param"), [
    ({"card": {"token": "tok_visa"}}, "parameter_missing", "type"),
    ({"type": "card"}, "parameter_missing", "card"),
    ({"type": "card", "card": {"token": "tok_unknown"}}, "resource_missing", "card[token]"),
    ({"type": "card", "card": {"number": "4242424242424242"}}, "parameter_missing", "card[exp_month]"),
    ({"type": "sepa_debit"}, None, "type"),
    ({"type": "us_bank_account", "us_bank_account": {"routing_number": "110000000", "account_number": "000123456789"}},
     "parameter_missing", "billing_details[name]"),
    ({"type": "us_bank_account", "billing_details": {"name": "A"},
      "us_bank_account": {"routing_number": "110000001", "account_number": "000123456789"}},
     "routing_number_invalid", "us_bank_account[routing_number]"),
    ({"type": "us_bank_account", "billing_details": {"name": "A"},
      "us_bank_account": {"routing_number": "110000000", "account_number": "12"}},
     "account_number_invalid", "us_bank_account[account_number]"),
])
def test_bad_payment_method_parameters(stripe_client, params, code, param):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.payment_methods.create(params=params)
    assert (exc.value.code, exc.value.param) == (code, param)


def test_bank_account_shows_only_last4_and_routing():
    pm = gateway.payment_method_create_us_bank_account(routing_number="110000000", account_number="000123456789",
                                                       account_holder_name="Ann", account_type="savings",
                                                       idempotency_key="b")
    bank = pm.us_bank_account
    assert (bank.last4, bank.routing_number, bank.account_type, pm.billing_details.name) == (
        "6789", "110000000", "savings", "Ann")
    assert "000123456789" not in str(pm)


def test_attach_list_detach():
    customer = gateway.customer_create(email="a@x.co", idempotency_key="c")
    card = gateway.payment_method_attach("pm_card_visa", customer_id=customer.id, idempotency_key="a1")
    assert card.id.startswith("pm_") and card.id != "pm_card_visa" and card.customer == customer.id
    bank = gateway.payment_method_create_us_bank_account(routing_number="110000000", account_number="000123456789",
                                                         account_holder_name="Ann", idempotency_key="b")
    gateway.payment_method_attach(bank.id, customer_id=customer.id, idempotency_key="a2")
    assert {m.id for m in gateway.payment_method_list(customer_id=customer.id).data} == {card.id, bank.id}
    assert [m.id for m in gateway.payment_method_list(customer_id=customer.id, type="card").data] == [card.id]
    detached = gateway.payment_method_detach(card.id, idempotency_key="d")
    assert detached.customer is None
    assert [m.id for m in gateway.payment_method_list(customer_id=customer.id).data] == [bank.id]
    with pytest.raises(gateway.StripeRejected) as exc:
        gateway.payment_method_detach(card.id, idempotency_key="d2")
    assert exc.value.stripe_code == "payment_method_unexpected_state"


def test_a_payment_method_cannot_be_attached_to_two_customers():
    one = gateway.customer_create(email="1@x.co", idempotency_key="1")
    two = gateway.customer_create(email="2@x.co", idempotency_key="2")
    card = gateway.payment_method_attach("pm_card_visa", customer_id=one.id, idempotency_key="a1")
    with pytest.raises(gateway.StripeRejected):
        gateway.payment_method_attach(card.id, customer_id=two.id, idempotency_key="a2")
    assert gateway.payment_method_retrieve(card.id).customer == one.id


def test_declining_cards_attach_and_decline_only_when_charged():
    customer = gateway.customer_create(email="x@x.co", idempotency_key="c")
    card = gateway.payment_method_attach("pm_card_chargeDeclined", customer_id=customer.id, idempotency_key="a")
    assert card.customer == customer.id
    with pytest.raises(gateway.CardDeclined):
        gateway.payment_intent_create(amount_cents=1000, currency="usd", customer_id=customer.id,
                                      payment_method_id=card.id, idempotency_key="p")


def test_setup_intent_for_a_card_attaches_it():
    customer = gateway.customer_create(email="s@x.co", idempotency_key="c")
    card = gateway.payment_method_create_card(token="tok_visa", idempotency_key="t")
    setup = gateway.setup_intent_create(customer_id=customer.id, payment_method_id=card.id, idempotency_key="s")
    assert (setup.status, setup.mandate) == ("succeeded", None)
    assert gateway.payment_method_retrieve(card.id).customer == customer.id


def test_bank_setup_intent_records_an_online_mandate():
    customer = gateway.customer_create(email="s@x.co", idempotency_key="c")
    bank = gateway.payment_method_create_us_bank_account(routing_number="110000000", account_number="000123456789",
                                                         account_holder_name="Ann", idempotency_key="b")
    setup = gateway.setup_intent_create(customer_id=customer.id, payment_method_id=bank.id,
                                        payment_method_types=["us_bank_account"], mandate_ip_address="203.0.113.1",
                                        mandate_user_agent="curl/8", idempotency_key="s")
    mandate = gateway.mandate_retrieve(setup.mandate)
    assert (mandate.status, mandate.type, mandate.payment_method) == ("active", "multi_use", bank.id)
    assert mandate.customer_acceptance.online.ip_address == "203.0.113.1"


def test_bank_setup_intent_without_mandate_data_is_rejected(stripe_client):
    bank = gateway.payment_method_create_us_bank_account(routing_number="110000000", account_number="000123456789",
                                                         account_holder_name="Ann", idempotency_key="b")
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.setup_intents.create(params={"payment_method": bank.id, "confirm": True,
                                                      "payment_method_types": ["us_bank_account"]})
    assert exc.value.param == "mandate_data"
    assert stripe_client.v1.setup_intents.list().data == []
