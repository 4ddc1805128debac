"""Every resource type the payments side returns has the fields, JSON types and nesting of
Stripe's own example objects (shared/stripe/fixtures3.json), recursively.

Rules: every fixture key is present; a value has the fixture's JSON type, or is null where the
fixture is null or an object (Stripe's "expandable or absent"), or is listed in NULLABLE (scalars
that are null until set, e.g. a new customer's currency). Keys beyond the fixture are errors
unless listed in EXTRA with the reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from oracle_ledger import gateway
from stripe_sandbox import transitions

pytestmark = pytest.mark.django_db(databases="__all__")
FIXTURES = json.loads((Path(__file__).resolve().parents[3] / "shared/stripe/fixtures3.json").read_text())["resources"]

NULLABLE = {
    # Optional strings the fixture happens to fill in.
    "payment_method.billing_details.*", "charge.billing_details.*", "charge.description",
    "balance_transaction.description", "webhook_endpoint.description",
    "customer.currency", "customer.invoice_prefix", "payment_intent.canceled_at",
    "charge.balance_transaction", "charge.receipt_url", "refund.balance_transaction",
    "charge.payment_method_details.card.amount_authorized",
    "charge.payment_method_details.card.overcapture.maximum_amount_capturable",
    "payment_method.card.regulated_status",
}
EXTRA = {
    # Stripe's error object: the fixture only shows `type`.
    "payment_intent.last_payment_error": {"code", "decline_code", "doc_url", "message", "param", "charge",
                                          "payment_method"},
    # The fixture's example balance only has card funds; bank debits add their source type.
    "balance.pending[].source_types": {"bank_account"},
    "balance.available[].source_types": {"bank_account"},
    # Charges keep their refunds (the fixture's list is empty).
    "charge.refunds.data[]": set(FIXTURES["refund"]),
    # Events name the connected account they happened on (Connect), and the API's `context`.
    "event": {"context", "account"},
    # `previous_attributes` accompanies `*.updated`-style events (the fixture is a `.created`).
    "event.data": {"previous_attributes"},
    # The fixture's automatic_payment_methods shows only `enabled`.
    "payment_intent.automatic_payment_methods": {"allow_redirects"},
}
# Polymorphic sub-objects named by `type`: compared only when the fixture shows the same type.
POLYMORPHIC = {"payment_method": "type", "charge.payment_method_details": "type",
               "mandate.payment_method_details": "type", "refund.destination_details": "type"}


def _json_type(value: Any) -> str:
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array",
            dict: "object", type(None): "null"}[type(value)]


FREEFORM = {"metadata", "previous_attributes"}  # maps whose keys are the caller's


def _nullable(path: str) -> bool:
    return path in NULLABLE or any(n.endswith(".*") and path.startswith(n[:-1]) for n in NULLABLE)


def compare(fixture: Any, ours: Any, path: str, problems: list[str]) -> None:
    if path.rsplit(".", 1)[-1] in FREEFORM:
        if ours is not None and not isinstance(ours, dict):
            problems.append(f"{path}: {_json_type(ours)} where Stripe has object")
        return
    if path == "event.data.object" and isinstance(ours, dict):
        # An event's object has the shape of its own resource.
        compare(FIXTURES[ours["object"]] if not ours.get("deleted") else FIXTURES[f"deleted_{ours['object']}"],
                ours, ours["object"], problems)
        return
    if fixture is None:
        return
    if ours is None:
        if not isinstance(fixture, dict) and not _nullable(path):
            problems.append(f"{path}: null where Stripe has {_json_type(fixture)}")
        return
    if _json_type(fixture) != _json_type(ours):
        problems.append(f"{path}: {_json_type(ours)} where Stripe has {_json_type(fixture)}")
        return
    if isinstance(fixture, list):
        if fixture and ours:
            compare(fixture[0], ours[0], f"{path}[]", problems)
        return
    if not isinstance(fixture, dict):
        return
    skip = set()
    if path in POLYMORPHIC and fixture.get("type") != ours.get("type"):
        skip = {fixture.get("type"), ours.get("type")}
    for key in fixture:
        if key in skip:
            continue
        if key not in ours:
            problems.append(f"{path}.{key}: missing")
        else:
            compare(fixture[key], ours[key], f"{path}.{key}", problems)
    for key in set(ours) - set(fixture) - skip - EXTRA.get(path, set()):
        problems.append(f"{path}.{key}: not in Stripe's object")


def assert_shape(resource: str, obj: Any) -> None:
    problems: list[str] = []
    compare(FIXTURES[resource], json.loads(str(obj)),
            resource, problems)
    assert not problems, "\n".join(problems)


@pytest.fixture
def world():
    """One of everything, made through the gateway."""
    customer = gateway.customer_create(email="shape@x.co", name="Shape", idempotency_key="c")
    card = gateway.payment_method_attach("pm_card_visa", customer_id=customer.id, idempotency_key="a")
    bank = gateway.payment_method_create_us_bank_account(routing_number="110000000", account_number="000123456789",
                                                         account_holder_name="Ann", idempotency_key="b")
    gateway.payment_method_attach(bank.id, customer_id=customer.id, idempotency_key="a2")
    setup = gateway.setup_intent_create(customer_id=customer.id, payment_method_id=bank.id,
                                        payment_method_types=["us_bank_account"], mandate_ip_address="203.0.113.1",
                                        mandate_user_agent="ua", idempotency_key="s")
    paid = gateway.payment_intent_create(amount_cents=5_000, currency="usd", customer_id=customer.id,
                                         payment_method_id=card.id, idempotency_key="p")
    ach = gateway.payment_intent_create(amount_cents=5_000, currency="usd", customer_id=customer.id,
                                        payment_method_id=bank.id, payment_method_types=["us_bank_account"],
                                        mandate_id=setup.mandate, idempotency_key="p2")
    transitions.run_due(2**40)
    refund = gateway.refund_create(payment_intent_id=paid.id, amount_cents=1_000, idempotency_key="r")
    endpoint = gateway.webhook_endpoint_create(url="http://127.0.0.1:9/h", enabled_events=["*"], idempotency_key="w")
    return dict(customer=customer, card=card, bank=bank, setup=setup, paid=paid, ach=ach, refund=refund,
                endpoint=endpoint)


def test_customer(world):
    assert_shape("customer", gateway.customer_retrieve(world["customer"].id))


def test_deleted_customer(world):
    assert_shape("deleted_customer", gateway.customer_delete(world["customer"].id, idempotency_key="d"))


def test_payment_methods(world):
    assert_shape("payment_method", gateway.payment_method_retrieve(world["card"].id))
    assert_shape("payment_method", gateway.payment_method_retrieve(world["bank"].id))


def test_setup_intent_and_mandate(world):
    assert_shape("setup_intent", gateway.setup_intent_retrieve(world["setup"].id))
    assert_shape("mandate", gateway.mandate_retrieve(world["setup"].mandate))


def test_payment_intents_and_charges(world):
    for intent in (world["paid"], world["ach"]):
        intent = gateway.payment_intent_retrieve(intent.id)
        assert_shape("payment_intent", intent)
        assert_shape("charge", gateway.charge_retrieve(intent.latest_charge))


def test_declined_payment_intent_and_failed_charge():
    with pytest.raises(gateway.CardDeclined) as exc:
        gateway.payment_intent_create(amount_cents=1_000, currency="usd", payment_method_id="pm_card_chargeDeclined",
                                      idempotency_key="x")
    assert_shape("payment_intent", gateway.payment_intent_retrieve(exc.value.payment_intent_id))
    assert_shape("charge", gateway.charge_retrieve(exc.value.charge_id))


def test_refund_balance_and_balance_transactions(world):
    assert_shape("refund", gateway.refund_retrieve(world["refund"].id))
    assert_shape("balance", gateway.balance_retrieve())
    for txn in gateway.balance_transaction_list():
        assert_shape("balance_transaction", txn)


def test_events_and_webhook_endpoints(world):
    for event in gateway.event_list():
        assert_shape("event", event)
    assert_shape("webhook_endpoint", gateway.client().v1.webhook_endpoints.retrieve(world["endpoint"].id))
    assert_shape("deleted_webhook_endpoint", gateway.webhook_endpoint_delete(world["endpoint"].id,
                                                                             idempotency_key="wd"))
