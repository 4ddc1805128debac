"""Payment methods: cards by token or PaymentMethod id, US bank accounts with their mandate,
remove, default (issue 6, DESIGN §9)."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from customers.models import PaymentMethod
from oracle_ledger import gateway
from stripe_sandbox import failures
from tests.helpers import error, failing_fields

pytestmark = pytest.mark.django_db(databases="__all__")

BANK = {"type": "us_bank_account", "usBankAccount": {
    "routingNumber": "110000000", "accountNumber": "000123456789", "accountHolderName": "John Doe",
    "accountHolderType": "individual", "accountType": "checking"}}


def add(client, customer_id, method):
    return client.post(f"/api/v1/customers/{customer_id}/payment-methods", method, format="json")


def test_create_with_a_card_token_sets_the_default(create):
    data = create(paymentMethods=[{"type": "card", "token": "tok_visa", "isDefault": True}])
    default = data["defaultPaymentMethod"]
    assert default["id"].startswith("pm_") and (default["type"], default["brand"], default["last4"]) == (
        "card", "visa", "4242")
    assert isinstance(default["expMonth"], int) and isinstance(default["expYear"], int)
    pm = PaymentMethod.objects.get(public_id=default["id"])
    stripe_pm = gateway.payment_method_retrieve(pm.stripe_payment_method_id)
    assert stripe_pm.customer == data["stripeCustomerId"]
    stripe_customer = gateway.customer_retrieve(data["stripeCustomerId"])
    assert stripe_customer.invoice_settings.default_payment_method == pm.stripe_payment_method_id


def test_retrieve_lists_payment_methods(admin_client, create):
    data = create(paymentMethods=[{"type": "card", "token": "tok_visa", "isDefault": True},
                                  {"type": "card", "token": "pm_card_mastercard"}])
    got = admin_client.get(f"/api/v1/customers/{data['id']}").json()["data"]
    methods = got["paymentMethods"]
    assert [(m["brand"], m["isDefault"], m["status"]) for m in methods] == [
        ("visa", True, "active"), ("mastercard", False, "active")]
    assert set(methods[0]) == {"id", "type", "brand", "last4", "expMonth", "expYear", "isDefault", "status",
                               "createdAt"}


def test_first_method_becomes_default_when_none_is_marked(create):
    data = create(paymentMethods=[{"type": "card", "token": "pm_card_visa"}])
    assert data["defaultPaymentMethod"]["brand"] == "visa"


def test_two_defaults_in_one_request_are_rejected(admin_client, body):
    methods = [{"type": "card", "token": "tok_visa", "isDefault": True},
               {"type": "card", "token": "tok_mastercard", "isDefault": True}]
    fields = failing_fields(admin_client.post("/api/v1/customers", {**body, "paymentMethods": methods},
                                              format="json"))
    assert "paymentMethods" in fields


def test_declining_test_cards_attach_fine(create):
    data = create(paymentMethods=[{"type": "card", "token": "tok_chargeDeclined"},
                                  {"type": "card", "token": "pm_card_chargeDeclinedInsufficientFunds"}])
    assert data["defaultPaymentMethod"]["last4"] in {"0002", "9995"}
    assert PaymentMethod.objects.filter(status="active").count() == 2


def test_a_token_stripe_rejects_is_a_validation_error_naming_the_field(admin_client, body):
    from customers.models import Customer

    methods = [{"type": "card", "token": "tok_visa"}, {"type": "card", "token": "tok_doesnotexist"}]
    response = admin_client.post("/api/v1/customers", {**body, "paymentMethods": methods}, format="json")
    fields = failing_fields(response)
    assert "paymentMethods.1.token" in fields
    assert not Customer.objects.exists() and not PaymentMethod.objects.exists()
    assert gateway.customer_list(limit=100).data == []  # the half-made Stripe customer is gone


def test_a_card_token_that_is_not_a_stripe_id_is_rejected_before_stripe(admin_client, create):
    data = create()
    fields = failing_fields(add(admin_client, data["id"], {"type": "card", "token": "4242424242424242"}))
    assert fields["token"]["value"] == "[REDACTED]"  # tokens are never echoed


def test_add_a_card_to_an_existing_customer(admin_client, create):
    data = create()
    response = add(admin_client, data["id"], {"type": "card", "token": "tok_mastercard"})
    assert response.status_code == 201, response.content
    pm = response.json()["data"]
    assert (pm["brand"], pm["isDefault"], pm["status"]) == ("mastercard", True, "active")
    entry = AuditEntry.objects.get(action="payment_method.added", object_id=pm["id"])
    assert entry.metadata["customerId"] == data["id"]


def test_us_bank_account_keeps_only_safe_fields_and_a_mandate(admin_client, create):
    data = create()
    response = add(admin_client, data["id"], BANK)
    assert response.status_code == 201, response.content
    pm = response.json()["data"]
    assert (pm["type"], pm["last4"], pm["routingNumber"], pm["accountType"], pm["accountHolderType"]) == (
        "us_bank_account", "6789", "110000000", "checking", "individual")
    assert pm["bankName"] and pm["mandateId"].startswith("mandate_")
    row = PaymentMethod.objects.get(public_id=pm["id"])
    stored = {f.name: getattr(row, f.name) for f in PaymentMethod._meta.fields}
    assert not any("000123456789" in str(value) for value in stored.values())
    mandate = gateway.mandate_retrieve(row.stripe_mandate_id)
    assert mandate.payment_method == row.stripe_payment_method_id
    entry = AuditEntry.objects.get(action="payment_method.added", object_id=pm["id"])
    assert "000123456789" not in str(entry.changes) + str(entry.metadata)


@pytest.mark.parametrize(("field", "value", "reason_part"), [
    ("routingNumber", "123456789", "ABA checksum"),
    ("routingNumber", "11000000", "ABA checksum"),
    ("accountNumber", "123", "4 to 17 digits"),
    ("accountNumber", "1" * 18, "4 to 17 digits"),
    ("accountNumber", "12ab5678", "4 to 17 digits"),
    ("accountHolderType", "trust", ""),
    ("accountType", "brokerage", ""),
])
def test_bank_account_rules(admin_client, create, field, value, reason_part):
    data = create()
    method = {"type": "us_bank_account", "usBankAccount": {**BANK["usBankAccount"], field: value}}
    fields = failing_fields(add(admin_client, data["id"], method))
    item = fields[f"usBankAccount.{field}"]
    assert reason_part in item["reason"]
    if field == "accountNumber":
        assert item["value"] == "[REDACTED]"
    assert not PaymentMethod.objects.exists()


def test_bank_account_required_for_its_type(admin_client, create):
    data = create()
    assert "usBankAccount" in failing_fields(add(admin_client, data["id"], {"type": "us_bank_account"}))


def test_remove_detaches_in_stripe_and_keeps_history(admin_client, create):
    data = create(paymentMethods=[{"type": "card", "token": "tok_visa"}])
    pm_id = data["defaultPaymentMethod"]["id"]
    response = admin_client.delete(f"/api/v1/customers/{data['id']}/payment-methods/{pm_id}")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["paymentMethod"]["status"] == "detached"
    row = PaymentMethod.objects.get(public_id=pm_id)
    assert (row.status, row.is_default) == ("detached", False)
    assert gateway.payment_method_retrieve(row.stripe_payment_method_id).customer is None
    got = admin_client.get(f"/api/v1/customers/{data['id']}").json()["data"]
    assert got["paymentMethods"] == [] and got["defaultPaymentMethod"] is None
    assert AuditEntry.objects.filter(action="payment_method.removed", object_id=pm_id).exists()
    error(admin_client.delete(f"/api/v1/customers/{data['id']}/payment-methods/{pm_id}"), 404, "RESOURCE_NOT_FOUND")


def test_choose_the_default(admin_client, create):
    data = create(paymentMethods=[{"type": "card", "token": "tok_visa"}, {"type": "card", "token": "tok_mastercard"}])
    second = PaymentMethod.objects.get(card_brand="mastercard")
    for pm in (second, PaymentMethod.objects.get(card_brand="visa"), second):  # A, B, then A again
        response = admin_client.post(f"/api/v1/customers/{data['id']}/payment-methods/{pm.public_id}/default")
        assert response.status_code == 200, response.content
        got = response.json()["data"]
        assert got["defaultPaymentMethod"]["id"] == pm.public_id
        assert [m["isDefault"] for m in got["paymentMethods"]].count(True) == 1
        stripe_customer = gateway.customer_retrieve(data["stripeCustomerId"])
        assert stripe_customer.invoice_settings.default_payment_method == pm.stripe_payment_method_id
    assert AuditEntry.objects.filter(action="payment_method.default_set").count() == 3


def test_add_with_is_default_moves_the_default(admin_client, create):
    data = create(paymentMethods=[{"type": "card", "token": "tok_visa"}])
    response = add(admin_client, data["id"], {"type": "card", "token": "tok_mastercard", "isDefault": True})
    assert response.json()["data"]["isDefault"] is True
    assert PaymentMethod.objects.get(card_brand="visa").is_default is False


def test_another_customers_payment_method_is_404(admin_client, create):
    mine = create()
    theirs = create(email="x@example.com", customerId=2, paymentMethods=[{"type": "card", "token": "tok_visa"}])
    pm_id = theirs["defaultPaymentMethod"]["id"]
    error(admin_client.delete(f"/api/v1/customers/{mine['id']}/payment-methods/{pm_id}"), 404, "RESOURCE_NOT_FOUND")
    error(admin_client.post(f"/api/v1/customers/{mine['id']}/payment-methods/{pm_id}/default"), 404,
          "RESOURCE_NOT_FOUND")


def test_stripe_unreachable_while_adding_saves_nothing(admin_client, create):
    data = create()
    failures.inject(failures.CONNECTION, count=1 + gateway.MAX_NETWORK_RETRIES, path_prefix="/v1/payment_methods")
    error(add(admin_client, data["id"], {"type": "card", "token": "tok_visa"}), 502, "STRIPE_ERROR")
    assert not PaymentMethod.objects.exists()


def test_a_deleted_customer_takes_no_payment_method(admin_client, create):
    data = create()
    admin_client.delete(f"/api/v1/customers/{data['id']}")
    error(add(admin_client, data["id"], {"type": "card", "token": "tok_visa"}), 422, "VALIDATION_ERROR")
    assert not PaymentMethod.objects.exists()


def test_disabling_a_bank_account_flags_compliance_and_drops_the_default(admin_client, create, make_user):
    from customers.models import Customer
    from customers.services import payment_method_disable
    from oracle_ledger.actors import Actor

    data = create(paymentMethods=[BANK])
    pm = PaymentMethod.objects.get()
    assert pm.is_default
    actor = Actor.system(organization=pm.customer.organization, name="ach-returns")
    for _ in range(2):  # safe to call twice: one audit entry
        payment_method_disable(actor=actor, pm=pm, reason="R10 debit not authorized", compliance_review=True)
    got = admin_client.get(f"/api/v1/customers/{data['id']}").json()["data"]
    assert got["defaultPaymentMethod"] is None
    assert (got["paymentMethods"][0]["status"], got["paymentMethods"][0]["disabledReason"]) == (
        "disabled", "R10 debit not authorized")
    customer = Customer.objects.get(public_id=data["id"])
    assert customer.compliance_review_required and customer.compliance_review_reason.startswith("R10")
    assert AuditEntry.objects.filter(action="payment_method.disabled").count() == 1
    response = admin_client.post(f"/api/v1/customers/{data['id']}/payment-methods/{pm.public_id}/default")
    assert failing_fields(response)["pmId"]["reason"] == "Payment method is disabled"


def test_adding_with_an_idempotency_key_twice_attaches_once(admin_client, create):
    data = create()
    url = f"/api/v1/customers/{data['id']}/payment-methods"
    first = admin_client.post(url, {"type": "card", "token": "tok_visa"}, format="json", HTTP_IDEMPOTENCY_KEY="pm-1")
    again = admin_client.post(url, {"type": "card", "token": "tok_visa"}, format="json", HTTP_IDEMPOTENCY_KEY="pm-1")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    assert PaymentMethod.objects.count() == 1
    assert len(gateway.payment_method_list(customer_id=data["stripeCustomerId"]).data) == 1



def test_a_bank_account_stripe_refuses_is_a_validation_error_on_its_field(create, make_user):
    """Our serializer catches bad routing numbers first; a service caller that skips it still gets
    Stripe's refusal as a 422 on the request's field, never the account number."""
    from customers.models import Customer
    from customers.services import payment_method_add
    from oracle_ledger.actors import Actor
    from oracle_ledger.errors import ValidationFailedError

    customer = Customer.objects.get(public_id=create()["id"])
    method = {"type": "us_bank_account", "usBankAccount": {**BANK["usBankAccount"], "routingNumber": "123456789"}}
    with pytest.raises(ValidationFailedError) as exc:
        payment_method_add(actor=Actor.for_user(make_user("admin")), customer=customer, method=method)
    assert [d["field"] for d in exc.value.details] == ["usBankAccount.routingNumber"]
    assert "000123456789" not in str(exc.value.details)
    assert not PaymentMethod.objects.exists()
