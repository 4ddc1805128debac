"""PaymentIntents through the real SDK via the gateway: every documented test card in its three
forms, the ACH flow by test account number, confirm/cancel/list and their error shapes."""

from __future__ import annotations

import itertools

import pytest

from oracle_ledger import gateway
from stripe_sandbox import transitions
from stripe_sandbox.models import SandboxTransition

pytestmark = pytest.mark.django_db(databases="__all__")
_keys = itertools.count()

# (number, token suffix, expected (code, decline_code) or None for success)
CARDS = [
    ("4242424242424242", "visa", None),
    ("4000000000000002", "chargeDeclined", ("card_declined", "generic_decline")),
    ("4000000000009995", "chargeDeclinedInsufficientFunds", ("card_declined", "insufficient_funds")),
    ("4000000000000069", "chargeDeclinedExpiredCard", ("expired_card", "expired_card")),
    ("4000000000000127", "chargeDeclinedIncorrectCvc", ("incorrect_cvc", "incorrect_cvc")),
    ("4000000000000119", "chargeDeclinedProcessingError", ("processing_error", "processing_error")),
    ("4000000000009987", "chargeDeclinedLostCard", ("card_declined", "lost_card")),
    ("4000000000009979", "chargeDeclinedStolenCard", ("card_declined", "stolen_card")),
]


def key(prefix: str = "k") -> str:
    return f"{prefix}-{next(_keys)}"


def card_pm(form: str, number: str, suffix: str) -> str:
    if form == "pm_card":
        return f"pm_card_{suffix}"
    if form == "token":
        return gateway.payment_method_create_card(token=f"tok_{suffix}", idempotency_key=key()).id
    return gateway.payment_method_create_card(number=number, exp_month=12, exp_year=2031, cvc="123",
                                              idempotency_key=key()).id


@pytest.fixture
def customer():
    return gateway.customer_create(email="payer@example.com", idempotency_key=key("cus"))


@pytest.mark.parametrize("form", ["number", "token", "pm_card"])
@pytest.mark.parametrize(("number", "suffix", "expected"), CARDS, ids=[c[1] for c in CARDS])
def test_every_test_card_has_its_documented_outcome(customer, form, number, suffix, expected):
    pm_id = card_pm(form, number, suffix)
    pm_id = gateway.payment_method_attach(pm_id, customer_id=customer.id, idempotency_key=key()).id
    assert gateway.payment_method_retrieve(pm_id).card.last4 == number[-4:]
    if expected is None:
        intent = gateway.payment_intent_create(amount_cents=2599, currency="usd", customer_id=customer.id,
                                               payment_method_id=pm_id, idempotency_key=key())
        assert intent.status == "succeeded" and intent.amount_received == 2599
        charge = gateway.charge_retrieve(intent.latest_charge)
        assert (charge.status, charge.paid, charge.amount_captured) == ("succeeded", True, 2599)
        return
    with pytest.raises(gateway.CardDeclined) as exc:
        gateway.payment_intent_create(amount_cents=2599, currency="usd", customer_id=customer.id,
                                      payment_method_id=pm_id, idempotency_key=key())
    assert (exc.value.stripe_code, exc.value.decline_code) == expected
    assert exc.value.stripe_http_status == 402
    intent = gateway.payment_intent_retrieve(exc.value.payment_intent_id)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.decline_code == expected[1]
    charge = gateway.charge_retrieve(exc.value.charge_id)
    assert (charge.status, charge.failure_code, charge.balance_transaction) == ("failed", expected[0], None)


def test_declined_card_error_body_carries_the_payment_intent(stripe_client):
    import stripe

    with pytest.raises(stripe.CardError) as exc:
        stripe_client.v1.payment_intents.create(params={
            "amount": 1000, "currency": "usd", "payment_method": "pm_card_chargeDeclined", "confirm": True})
    error = exc.value.json_body["error"]
    assert error["type"] == "card_error"
    assert (error["code"], error["decline_code"]) == ("card_declined", "generic_decline")
    assert error["payment_intent"]["status"] == "requires_payment_method"
    assert error["charge"].startswith("ch_") and error["doc_url"].endswith("/card-declined")


def test_replaying_a_declined_confirmation_returns_the_same_decline_and_one_charge(customer, stripe_client):
    args = dict(amount_cents=1000, currency="usd", customer_id=customer.id,
                payment_method_id="pm_card_chargeDeclined", idempotency_key="declined-once")
    with pytest.raises(gateway.CardDeclined) as first:
        gateway.payment_intent_create(**args)
    with pytest.raises(gateway.CardDeclined) as second:
        gateway.payment_intent_create(**args)
    assert first.value.charge_id == second.value.charge_id
    assert len(stripe_client.v1.charges.list(params={"customer": customer.id}).data) == 1


def test_intent_without_confirm_waits_then_confirms(customer):
    intent = gateway.payment_intent_create(amount_cents=5000, currency="usd", customer_id=customer.id,
                                           payment_method_id="pm_card_visa", confirm=False, idempotency_key=key())
    assert intent.status == "requires_confirmation" and intent.latest_charge is None
    confirmed = gateway.payment_intent_confirm(intent.id, idempotency_key=key())
    assert confirmed.status == "succeeded"
    expanded = gateway.payment_intent_retrieve(intent.id, expand=["latest_charge"])
    assert expanded.latest_charge.id == confirmed.latest_charge and expanded.latest_charge.amount == 5000


def test_confirming_a_succeeded_intent_is_unexpected_state(customer):
    intent = gateway.payment_intent_create(amount_cents=5000, currency="usd", customer_id=customer.id,
                                           payment_method_id="pm_card_visa", idempotency_key=key())
    with pytest.raises(gateway.StripeRejected) as exc:
        gateway.payment_intent_confirm(intent.id, idempotency_key=key())
    assert exc.value.stripe_code == "payment_intent_unexpected_state"


def test_cancel_an_unconfirmed_intent_and_not_a_succeeded_one(customer):
    waiting = gateway.payment_intent_create(amount_cents=700, currency="usd", customer_id=customer.id,
                                            confirm=False, idempotency_key=key())
    canceled = gateway.payment_intent_cancel(waiting.id, cancellation_reason="abandoned", idempotency_key=key())
    assert (canceled.status, canceled.cancellation_reason) == ("canceled", "abandoned")
    assert canceled.canceled_at
    paid = gateway.payment_intent_create(amount_cents=700, currency="usd", customer_id=customer.id,
                                         payment_method_id="pm_card_visa", idempotency_key=key())
    with pytest.raises(gateway.StripeRejected) as exc:
        gateway.payment_intent_cancel(paid.id, idempotency_key=key())
    assert exc.value.stripe_code == "payment_intent_unexpected_state"
    assert gateway.payment_intent_retrieve(paid.id).status == "succeeded"


def test_list_by_customer_pages_newest_first(customer):
    ids = [gateway.payment_intent_create(amount_cents=100 + i, currency="usd", customer_id=customer.id,
                                         confirm=False, idempotency_key=key()).id for i in range(3)]
    page = gateway.payment_intent_list(customer_id=customer.id, limit=2)
    assert [p.id for p in page.data] == ids[::-1][:2] and page.has_more
    rest = gateway.payment_intent_list(customer_id=customer.id, limit=2, starting_after=page.data[-1].id)
    assert [p.id for p in rest.data] == [ids[0]] and not rest.has_more


@pytest.mark.parametrize(("params", "code", "param"), [
    ({"currency": "usd"}, "parameter_missing", "amount"),
    ({"amount": 1000}, "parameter_missing", "currency"),
    ({"amount": "ten", "currency": "usd"}, "parameter_invalid_integer", "amount"),
    ({"amount": 10, "currency": "usd"}, "amount_too_small", "amount"),
    ({"amount": 100_000_000, "currency": "usd"}, "amount_too_large", "amount"),
    ({"amount": 1000, "currency": "usd", "customer": "cus_missing"}, "resource_missing", "customer"),
    ({"amount": 1000, "currency": "usd", "payment_method": "pm_missing"}, "resource_missing", "payment_method"),
    ({"amount": 1000, "currency": "usd", "shipping_speed": "fast"}, "parameter_unknown", "shipping_speed"),
    ({"amount": 1000, "currency": "usd", "metadata": {"k" * 41: "v"}}, None, "metadata[" + "k" * 41 + "]"),
])
def test_bad_parameters_get_stripes_error_and_create_nothing(stripe_client, params, code, param):
    import stripe

    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.payment_intents.create(params=params)
    assert (exc.value.code, exc.value.param) == (code, param)
    assert exc.value.json_body["error"]["type"] == "invalid_request_error"
    assert stripe_client.v1.payment_intents.list().data == []


def test_statement_descriptor_rules(customer):
    with pytest.raises(gateway.StripeRejected) as exc:
        gateway.payment_intent_create(amount_cents=1000, currency="usd", statement_descriptor="x" * 23,
                                      confirm=False, idempotency_key=key())
    assert exc.value.param == "statement_descriptor"
    with pytest.raises(gateway.StripeRejected):
        gateway.payment_intent_create(amount_cents=1000, currency="usd", statement_descriptor="A<B",
                                      confirm=False, idempotency_key=key())


# --- ACH -------------------------------------------------------------------------------------

ACH = [
    ("000123456789", "succeeded", None),
    ("000111111116", "requires_payment_method", "no_account"),
    ("000111111113", "requires_payment_method", "account_closed"),
    ("000222222227", "requires_payment_method", "insufficient_funds"),
    ("000333333335", "requires_payment_method", "debit_not_authorized"),
    ("000444444440", "requires_payment_method", "invalid_currency"),
]


def bank_intent(customer, account_number: str):
    pm = gateway.payment_method_create_us_bank_account(
        routing_number="110000000", account_number=account_number, account_holder_name="Ann Payer",
        idempotency_key=key())
    gateway.payment_method_attach(pm.id, customer_id=customer.id, idempotency_key=key())
    setup = gateway.setup_intent_create(customer_id=customer.id, payment_method_id=pm.id,
                                        payment_method_types=["us_bank_account"], mandate_ip_address="203.0.113.9",
                                        mandate_user_agent="Mozilla/5.0", idempotency_key=key())
    return gateway.payment_intent_create(amount_cents=150_000, currency="usd", customer_id=customer.id,
                                         payment_method_id=pm.id, payment_method_types=["us_bank_account"],
                                         mandate_id=setup.mandate, idempotency_key=key())


@pytest.mark.parametrize(("account_number", "status", "failure_code"), ACH)
def test_ach_debit_processes_until_settlement_then_settles_or_fails(customer, account_number, status, failure_code):
    from stripe_sandbox import clock

    intent = bank_intent(customer, account_number)
    assert intent.status == "processing"
    assert gateway.charge_retrieve(intent.latest_charge).status == "pending"
    assert transitions.run_due(clock.now()) == 0  # not due before the settlement date
    due = SandboxTransition.objects.get(object_id=intent.id)
    assert due.due_at >= clock.now() + 4 * 86400 - 86400  # four business days out, at midnight
    assert transitions.run_due(due.due_at) == 1
    intent = gateway.payment_intent_retrieve(intent.id, expand=["latest_charge"])
    assert intent.status == status
    assert intent.latest_charge.failure_code == failure_code
    if failure_code:
        assert intent.last_payment_error.code == failure_code
        assert intent.latest_charge.balance_transaction is None
    else:
        assert intent.latest_charge.status == "succeeded" and intent.latest_charge.balance_transaction


def test_ach_debit_from_000000000009_stays_processing_forever(customer):
    intent = bank_intent(customer, "000000000009")
    assert not SandboxTransition.objects.filter(object_id=intent.id).exists()
    transitions.run_due(2**40)
    assert gateway.payment_intent_retrieve(intent.id).status == "processing"


def test_unauthorized_ach_return_deactivates_the_mandate(customer):
    intent = bank_intent(customer, "000333333335")
    transitions.run_due(2**40)
    charge = gateway.charge_retrieve(gateway.payment_intent_retrieve(intent.id).latest_charge)
    mandate = gateway.mandate_retrieve(charge.payment_method_details.us_bank_account.mandate)
    assert mandate.status == "inactive"


def test_ach_debit_without_a_mandate_is_rejected(customer):
    pm = gateway.payment_method_create_us_bank_account(routing_number="110000000", account_number="000123456789",
                                                       account_holder_name="Ann", idempotency_key=key())
    gateway.payment_method_attach(pm.id, customer_id=customer.id, idempotency_key=key())
    with pytest.raises(gateway.StripeRejected) as exc:
        gateway.payment_intent_create(amount_cents=1000, currency="usd", customer_id=customer.id,
                                      payment_method_id=pm.id, payment_method_types=["us_bank_account"],
                                      idempotency_key=key())
    assert exc.value.param == "mandate_data"
