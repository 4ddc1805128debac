"""Customer and payment-method events from the sandbox Stripe, delivered to the endpoint and
processed by the customers app's handlers (issue 8): objects made in Stripe's dashboard are
mirrored, our own API's events change nothing, and an older event never undoes a newer state."""

from __future__ import annotations

import json

import pytest

from audit.models import AuditEntry
from customers.models import Customer, PaymentMethod
from oracle_ledger import gateway
from stripe_sandbox import store
from stripe_sandbox.webhooks import sign
from tests.webhooks.helpers import SECRET, URL, process
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db(databases="__all__")


def sandbox_events(type_: str, object_id: str) -> list[dict]:
    """The sandbox's events of a type about one object, oldest first."""
    rows = store.query("event", data__type=type_, data__data__object__id=object_id)
    return [row.data for row in reversed(rows)]


def deliver(client, evt: dict) -> WebhookEvent:
    """What the sandbox's delivery task sends (same serialisation, same signer), then the task."""
    payload = json.dumps(evt, indent=2)
    response = client.generic("POST", URL, payload, content_type="application/json",
                              HTTP_STRIPE_SIGNATURE=sign(payload, SECRET))
    assert response.status_code == 200, response.content
    row = WebhookEvent.objects.get(stripe_event_id=evt["id"])
    process(row.pk)
    row.refresh_from_db()
    return row


def dashboard_customer(n: int = 1, **fields):
    """A customer made outside our API (Stripe's dashboard): no idempotency key of ours."""
    params = {"email": f"dash{n}@example.com", "name": "Dana Dashboard", "phone": "+14155550100",
              "address": {"line1": "1 Market St", "city": "San Francisco", "state": "CA", "postal_code": "94105",
                          "country": "US"}, "metadata": {"organization": "acme", "tier": "gold"}}
    params.update(fields)
    return gateway.customer_create(idempotency_key=f"dashboard-{n}", **params)


def test_a_customer_created_in_the_dashboard_is_mirrored_into_its_organization(api_client, org):
    cus = dashboard_customer()
    row = deliver(api_client, sandbox_events("customer.created", cus["id"])[0])
    assert (row.status, row.organization) == ("processed", org)
    customer = Customer.objects.get(stripe_customer_id=cus["id"])
    assert (customer.organization, customer.first_name, customer.last_name, customer.email) == (
        org, "Dana", "Dashboard", "dash1@example.com")
    assert customer.metadata == {"tier": "gold"} and customer.sync_state == "synced"
    assert customer.billing_address["postalCode"] == "94105"
    entry = AuditEntry.objects.get(action="customer.created", object_id=customer.public_id)
    assert entry.actor_type == "stripe"
    deliver(api_client, sandbox_events("customer.created", cus["id"])[0] | {"id": "evt_replayed_copy"})
    assert Customer.objects.filter(stripe_customer_id=cus["id"]).count() == 1  # idempotent


def test_a_dashboard_customer_without_an_organization_is_recorded_but_not_mirrored(api_client, org, settings):
    settings.WEBHOOK_DEFAULT_ORGANIZATION = ""
    cus = dashboard_customer(metadata={"tier": "gold"})
    row = deliver(api_client, sandbox_events("customer.created", cus["id"])[0])
    assert row.status == "ignored" and "No organisation" in row.note
    assert not Customer.objects.exists()
    settings.WEBHOOK_DEFAULT_ORGANIZATION = "acme"  # configured later: a replay mirrors it
    from oracle_ledger.actors import Actor
    from webhooks.services import webhook_event_replay

    webhook_event_replay(event=row, actor=Actor.system())
    process(row.pk)
    assert Customer.objects.get(stripe_customer_id=cus["id"]).organization == org


def test_an_older_customer_update_arriving_last_changes_nothing(api_client, org):
    cus = dashboard_customer()
    deliver(api_client, sandbox_events("customer.created", cus["id"])[0])
    gateway.customer_update(cus["id"], email="first@example.com", idempotency_key="dash-up-1")
    gateway.customer_update(cus["id"], email="second@example.com", idempotency_key="dash-up-2")
    older, newer = sandbox_events("customer.updated", cus["id"])
    assert deliver(api_client, newer).status == "processed"
    assert deliver(api_client, older).status == "processed"
    assert Customer.objects.get(stripe_customer_id=cus["id"]).email == "second@example.com"
    assert AuditEntry.objects.filter(action="customer.updated").count() == 1  # the older one wrote nothing


def test_an_update_for_an_unknown_customer_mirrors_it(api_client, org):
    cus = dashboard_customer()
    gateway.customer_update(cus["id"], name="Dana Renamed", idempotency_key="dash-up-1")
    row = deliver(api_client, sandbox_events("customer.updated", cus["id"])[0])
    assert row.status == "processed"
    assert Customer.objects.get(stripe_customer_id=cus["id"]).last_name == "Renamed"


def test_customer_deleted_in_stripe_soft_deletes_through_the_customers_service(api_client, org):
    cus = dashboard_customer()
    deliver(api_client, sandbox_events("customer.created", cus["id"])[0])
    gateway.customer_delete(cus["id"], idempotency_key="dash-del-1")
    row = deliver(api_client, sandbox_events("customer.deleted", cus["id"])[0])
    customer = Customer.objects.get(stripe_customer_id=cus["id"])
    assert row.status == "processed" and customer.active is False and customer.deleted_at is not None
    assert AuditEntry.objects.get(action="customer.deleted").actor_type == "stripe"


def test_events_caused_by_our_own_api_do_not_create_a_second_customer(api_client, client_for, org):
    from tests.customers.conftest import VALID

    response = client_for("admin").post("/api/v1/customers", {**VALID, "paymentMethods": [
        {"type": "card", "token": "tok_visa", "isDefault": True}]}, format="json")
    assert response.status_code == 201, response.content
    customer = Customer.objects.get(public_id=response.json()["data"]["id"])
    created = deliver(api_client, sandbox_events("customer.created", customer.stripe_customer_id)[0])
    pm = customer.payment_methods.get()
    attached = deliver(api_client, sandbox_events("payment_method.attached", pm.stripe_payment_method_id)[0])
    assert (created.status, created.organization, attached.status) == ("processed", org, "processed")
    assert Customer.objects.count() == 1 and PaymentMethod.objects.count() == 1


def test_a_card_attached_in_the_dashboard_is_mirrored_and_a_late_attach_never_revives_a_detached_one(
        api_client, org):
    cus = dashboard_customer()
    deliver(api_client, sandbox_events("customer.created", cus["id"])[0])
    pm = gateway.payment_method_create_card(token="tok_visa", idempotency_key="dash-pm-1")
    gateway.payment_method_attach(pm["id"], customer_id=cus["id"], idempotency_key="dash-attach-1")
    attach_event = sandbox_events("payment_method.attached", pm["id"])[0]
    assert deliver(api_client, attach_event).status == "processed"
    local = PaymentMethod.objects.get(stripe_payment_method_id=pm["id"])
    assert (local.status, local.card_last4, local.is_default) == ("active", "4242", True)

    gateway.payment_method_detach(pm["id"], idempotency_key="dash-detach-1")
    assert deliver(api_client, sandbox_events("payment_method.detached", pm["id"])[0]).status == "processed"
    deliver(api_client, attach_event | {"id": attach_event["id"] + "_late"})  # the old attach, again
    local.refresh_from_db()
    assert (local.status, local.is_default) == ("detached", False)
    assert Customer.objects.get(stripe_customer_id=cus["id"]).default_payment_method is None
