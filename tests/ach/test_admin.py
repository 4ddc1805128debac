"""The back office: ACH payments with their filters, returns with the rule applied, the compliance
review queue, and the re-present action going through the API's service and limits."""

from __future__ import annotations

import pytest

from ach.models import AchPayment
from audit.models import AuditEntry
from tests.ach.conftest import advance, deliver_all
from tests.ach.factories import AchPaymentFactory
from tests.customers.factories import CustomerFactory


@pytest.fixture
def staff(make_user, client):
    user = make_user("admin", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?status__exact=failed", "?class_code__exact=CCD",
                                   "?return_code=R01", "?scheduled_date__gte=2027-03-01"])
def test_the_payment_list_and_its_filters_render(staff, org, query):
    AchPaymentFactory(customer=CustomerFactory(organization=org), status="failed", return_code="R01")
    response = staff.get(f"/admin/ach/achpayment/{query}")
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_compliance_queue_lists_flagged_customers_only(staff, org):
    flagged = CustomerFactory(organization=org, compliance_review_required=True,
                              compliance_review_reason="ACH return R10")
    CustomerFactory(organization=org)
    response = staff.get("/admin/ach/compliancereviewcustomer/")
    assert response.status_code == 200 and response.context["cl"].result_count == 1
    assert flagged.email in response.content.decode()


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_the_re_present_action_uses_the_apis_limits(today, staff, api_client, make_bank_customer, debit):
    customer, pm = make_bank_customer("insufficient_funds")
    first = debit(customer, pm).json()["data"]["id"]
    advance(7)
    deliver_all(api_client)
    payment = AchPayment.objects.get(public_id=first)
    staff.post("/admin/ach/achpayment/", {"action": "represent", "_selected_action": [payment.pk]})
    again = AchPayment.objects.get(represents=payment)
    assert again.presentment == 2 and again.status == "processing"
    assert AuditEntry.objects.get(action="ach_payment.created", object_id=again.public_id).actor_type == "user"
    response = staff.post("/admin/ach/achpayment/", {"action": "represent", "_selected_action": [payment.pk]},
                          follow=True)
    assert "Already re-presented" in response.content.decode() and AchPayment.objects.count() == 2
    returns = staff.get("/admin/ach/achreturn/?rule_applied__exact=representable")
    assert returns.status_code == 200 and returns.context["cl"].result_count == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "closes"), [("compliance_officer", True), ("admin", True), ("accountant", False)])
def test_a_review_is_closed_by_compliance_or_admin_and_audited(make_user, client, org, role, closes):
    client.force_login(make_user(role, is_staff=True, is_superuser=True))
    flagged = CustomerFactory(organization=org, compliance_review_required=True, compliance_review_reason="R10")
    client.post("/admin/ach/compliancereviewcustomer/", {"action": "clear_review", "_selected_action": [flagged.pk]})
    flagged.refresh_from_db()
    assert flagged.compliance_review_required is not closes
    assert AuditEntry.objects.filter(action="customer.compliance_review_cleared").exists() is closes
