"""The guide's ACH endpoints: list filters and page pagination, retrieve, 404s, idempotent create,
the role matrix (tests/identity/matrix.py) on every ACH endpoint, audit of writes."""

from __future__ import annotations

import pytest

from ach.models import AchPayment
from audit.models import AuditEntry
from oracle_ledger.api.permissions import Capability
from tests.ach.factories import AchPaymentFactory
from tests.customers.factories import CustomerFactory
from tests.helpers import error, stripe_intent_count
from tests.identity.matrix import ACH_ENDPOINTS, assert_access, roles_for


@pytest.fixture
def rows(org):
    customer = CustomerFactory(organization=org)
    return [AchPaymentFactory(customer=customer, status=s, scheduled_date=d) for s, d in [
        ("processing", "2027-03-01"), ("succeeded", "2027-03-01"), ("failed", "2027-03-02")]]


@pytest.mark.django_db
def test_list_filters_by_customer_status_and_scheduled_date_with_page_pagination(admin_client, rows, org):
    AchPaymentFactory(customer=CustomerFactory(organization=org))
    body = admin_client.get("/api/v1/ach-payments", {"customer": rows[0].customer.public_id}).json()["data"]
    assert body["pagination"]["total"] == 3 and len(body["achPayments"]) == 3
    item = admin_client.get("/api/v1/ach-payments", {"status": "failed"}).json()["data"]["achPayments"]
    assert [i["id"] for i in item] == [rows[2].public_id]
    assert set(item[0]) == {"id", "amount", "currency", "status", "customer", "description", "scheduledDate",
                            "bankAccount", "createdAt"}
    assert item[0]["bankAccount"] == {"bankName": "STRIPE TEST BANK", "last4": "6789"}
    dated = admin_client.get("/api/v1/ach-payments", {"scheduledDate": "2027-03-01"}).json()["data"]
    assert dated["pagination"]["total"] == 3  # two of `rows` and the extra one (factory default date)
    page = admin_client.get("/api/v1/ach-payments", {"limit": 2, "page": 2}).json()["data"]
    assert page["pagination"] == {"page": 2, "limit": 2, "total": 4, "totalPages": 2, "hasNext": False,
                                  "hasPrevious": True} and len(page["achPayments"]) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("params", "field"), [({"status": "pending"}, "status"),
                                               ({"scheduledDate": "03/01/2027"}, "scheduledDate")])
def test_an_unknown_filter_value_is_an_invalid_request(admin_client, params, field):
    assert error(admin_client.get("/api/v1/ach-payments", params), 400, "INVALID_REQUEST")["details"][0][
        "field"] == field


@pytest.mark.django_db
def test_another_organisations_debit_is_not_found(client_for, other_org, rows):
    other = client_for("admin", org=other_org)
    for path in ("", "/returns"):
        error(other.get(f"/api/v1/ach-payments/{rows[0].public_id}{path}"), 404, "RESOURCE_NOT_FOUND")
    assert other.get("/api/v1/ach-payments").json()["data"]["pagination"]["total"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "allowed"), roles_for(Capability.PAYMENTS_READ))
def test_list_and_retrieve_roles(client_for, rows, role, allowed):
    client = client_for(role)
    assert_access(client.get("/api/v1/ach-payments"), allowed)
    response = client.get(f"/api/v1/ach-payments/{rows[0].public_id}")
    returns = client.get(f"/api/v1/ach-payments/{rows[0].public_id}/returns")
    if role == "user":  # reads only the debits it created
        error(response, 404, "RESOURCE_NOT_FOUND")
        error(returns, 404, "RESOURCE_NOT_FOUND")
    else:
        assert_access(response, allowed)
        assert_access(returns, allowed)


@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.parametrize(("role", "allowed"), roles_for(Capability.PAYMENTS_CREATE))
def test_create_and_retry_roles(today, client_for, make_bank_customer, debit, role, allowed):
    customer, pm = make_bank_customer()
    response = debit(customer, pm, client=client_for(role))
    if role == "user":  # may debit only customers it created
        error(response, 404, "RESOURCE_NOT_FOUND")
    else:
        assert_access(response, allowed)
    assert AchPayment.objects.exists() is (allowed and role != "user")
    if not allowed:
        assert AuditEntry.objects.filter(action="permission.denied", outcome="denied", role=role).exists()
        error(client_for(role).post("/api/v1/ach-payments/pi_ach_x/retry", {}, format="json"), 403,
              "INSUFFICIENT_PERMISSIONS")


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_user_debits_its_own_customer_and_sees_only_its_debits(today, client_for, make_bank_customer, debit):
    user = client_for("user")
    customer, pm = make_bank_customer(client=user)
    payment_id = debit(customer, pm, client=user).json()["data"]["id"]
    assert user.get(f"/api/v1/ach-payments/{payment_id}").status_code == 200
    assert user.get("/api/v1/ach-payments").json()["data"]["pagination"]["total"] == 1


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_create_with_the_same_idempotency_key_debits_once(today, make_bank_customer, debit):
    customer, pm = make_bank_customer()
    first = debit(customer, pm, headers={"Idempotency-Key": "ach-1"})
    again = debit(customer, pm, headers={"Idempotency-Key": "ach-1"})
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["data"]["id"] == again.json()["data"]["id"]
    assert AchPayment.objects.count() == 1 and stripe_intent_count() == 1
    error(debit(customer, pm, amount=999, headers={"Idempotency-Key": "ach-1"}), 422, "IDEMPOTENCY_KEY_REUSED")


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_create_is_audited_with_who_and_what(today, make_bank_customer, debit):
    customer, pm = make_bank_customer()
    payment_id = debit(customer, pm).json()["data"]["id"]
    entry = AuditEntry.objects.get(action="ach_payment.created", object_id=payment_id)
    assert entry.changes["classCode"] == "PPD" and entry.changes["paymentMethod"] == pm
    assert entry.actor_type == "user"
    assert AuditEntry.objects.filter(action="ach_payment.processing", object_id=payment_id).exists()


@pytest.mark.django_db
def test_the_list_costs_a_fixed_number_of_queries(admin_client, org, django_assert_max_num_queries):
    customer = CustomerFactory(organization=org)
    for _ in range(20):
        AchPaymentFactory(customer=customer)
    with django_assert_max_num_queries(12):
        assert len(admin_client.get("/api/v1/ach-payments").json()["data"]["achPayments"]) == 20


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_the_guides_request_body_is_accepted_and_answered_in_the_guides_shape(today, make_bank_customer, debit):
    customer, pm = make_bank_customer()
    response = debit(customer, pm, description="Monthly subscription - November 2025", scheduledDate="2027-03-01",
                     metadata={"invoiceId": "inv_67890", "subscriptionId": "sub_12345", "billingPeriod": "2025-11"},
                     statementDescriptor="MONTHLY SUB", applicationFee=0)
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert {"id", "object", "amount", "currency", "status", "customer", "paymentMethod", "achDetails", "nextAction",
            "createdAt"} <= set(data)
    assert (data["object"], data["customer"], data["paymentMethod"], data["nextAction"]) == (
        "payment_intent", customer, pm, None)
    from stripe_sandbox import store

    intent = store.get("payment_intent", data["stripePaymentIntentId"])
    assert intent["metadata"]["invoiceId"] == "inv_67890" and intent["metadata"]["achPaymentId"] == data["id"]
    assert intent["statement_descriptor"] == "MONTHLY SUB" and intent["payment_method_types"] == ["us_bank_account"]


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_two_concurrent_retries_of_one_return_make_one_re_presentment(today, api_client, client_for,
                                                                      make_bank_customer, debit):
    import threading

    from django.db import connection

    from tests.ach.conftest import advance, deliver_all

    customer, pm = make_bank_customer("insufficient_funds")
    first = debit(customer, pm).json()["data"]["id"]
    advance(7)
    deliver_all(api_client)
    clients = [client_for("admin"), client_for("admin")]
    barrier, statuses = threading.Barrier(2), []

    def retry(client):
        try:
            barrier.wait()
            statuses.append(client.post(f"/api/v1/ach-payments/{first}/retry", {}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=retry, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 422]
    assert AchPayment.objects.filter(represents__public_id=first).count() == 1 and stripe_intent_count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "role", "allowed"), [
    (method, path, role, allowed) for (method, path), cap in ACH_ENDPOINTS.items() for role, allowed in roles_for(cap)])
def test_every_ach_endpoint_follows_the_role_matrix(client_for, rows, method, path, role, allowed):
    """Past the permission check a request may still fail (an empty body is 422, `user` sees no
    other user's debit: 404), but never with 403; without the capability it is always 403."""
    url = path.replace("{id}", rows[2].public_id)
    response = client_for(role).generic(method, url, "{}", content_type="application/json")
    if allowed:
        assert response.status_code != 403, response.content
    else:
        error(response, 403, "INSUFFICIENT_PERMISSIONS")
