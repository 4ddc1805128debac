"""Re-presentment (NACHA, DESIGN §8): an R01/R09 return may be re-presented at most twice within
180 days; the third try is ACH_INSUFFICIENT_FUNDS. Accounts disabled by R02/R03/R04 and by
unauthorized returns refuse later debits with their ACH code."""

from __future__ import annotations

import datetime as dt

import pytest

from ach.models import AchPayment
from audit.models import AuditEntry
from tests.ach.conftest import advance, deliver_all, freeze
from tests.helpers import error, stripe_intent_count

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def returned(api_client, payment_id: str) -> AchPayment:
    advance(7)  # a week: four business days have passed, and the next try starts on a Monday again
    deliver_all(api_client)
    payment = AchPayment.objects.get(public_id=payment_id)
    assert payment.status == "failed", payment.status
    return payment


def retry(client, payment_id: str, **body):
    return client.post(f"/api/v1/ach-payments/{payment_id}/retry", body, format="json")


def test_an_r01_is_re_presented_twice_and_the_third_try_is_refused(today, api_client, admin_client,
                                                                    make_bank_customer, debit):
    customer, pm = make_bank_customer("insufficient_funds")
    first = debit(customer, pm).json()["data"]["id"]
    returned(api_client, first)
    current = first
    for presentment in (2, 3):
        response = retry(admin_client, current)
        assert response.status_code == 200, response.content
        data = response.json()["data"]
        assert (data["presentment"], data["originalPaymentId"], data["representsPaymentId"]) == (
            presentment, first, current)
        assert data["status"] == "processing"
        current = data["id"]
        assert returned(api_client, current).return_code == "R01"
    intents = stripe_intent_count()
    body = error(retry(admin_client, current), 422, "ACH_INSUFFICIENT_FUNDS")
    assert body["details"] == {"returnCode": "R01", "returnReason": "Insufficient funds", "originalPaymentId": first}
    assert AchPayment.objects.count() == 3 and stripe_intent_count() == intents


def test_a_debit_cannot_be_re_presented_twice(today, api_client, admin_client, make_bank_customer, debit):
    customer, pm = make_bank_customer("insufficient_funds")
    first = debit(customer, pm).json()["data"]["id"]
    returned(api_client, first)
    assert retry(admin_client, first).status_code == 200
    details = error(retry(admin_client, first), 422, "VALIDATION_ERROR")["details"]
    assert "Already re-presented" in details[0]["reason"] and AchPayment.objects.count() == 2


def test_re_presentment_closes_180_days_after_the_first_presentment(today, api_client, admin_client,
                                                                    make_bank_customer, debit):
    customer, pm = make_bank_customer("insufficient_funds")
    first = debit(customer, pm).json()["data"]["id"]
    returned(api_client, first)
    freeze(today + dt.timedelta(days=181))
    error(retry(admin_client, first), 422, "ACH_INSUFFICIENT_FUNDS")


def test_only_r01_and_r09_returns_may_be_re_presented(today, api_client, admin_client, make_bank_customer, debit):
    customer, pm = make_bank_customer("succeeds")
    settled = debit(customer, pm).json()["data"]["id"]
    details = error(retry(admin_client, settled), 422, "VALIDATION_ERROR")["details"]
    assert details[0]["field"] == "id" and "R01 or R09" in details[0]["reason"]


@pytest.mark.parametrize(("outcome", "code", "error_code"), [
    ("account_closed", "R02", "ACH_ACCOUNT_CLOSED"),
    ("no_account", "R03", "ACH_NO_ACCOUNT"),
    ("debit_not_authorized", "R10", "ACH_UNAUTHORIZED"),
])
def test_a_debit_on_an_account_disabled_by_a_return_gets_its_ach_code(
        today, api_client, make_bank_customer, debit, outcome, code, error_code):
    customer, pm = make_bank_customer(outcome)
    first = debit(customer, pm).json()["data"]["id"]
    returned(api_client, first)
    intents = stripe_intent_count()
    body = error(debit(customer, pm), 422, error_code)
    assert body["details"]["returnCode"] == code and body["details"]["originalPaymentId"] == first
    assert body["details"]["paymentMethodId"] == pm
    assert AchPayment.objects.count() == 1 and stripe_intent_count() == intents


def test_an_unauthorized_return_flags_the_customer_and_is_audited(today, api_client, admin_client,
                                                                  make_bank_customer, debit):
    customer, pm = make_bank_customer("debit_not_authorized")
    first = debit(customer, pm).json()["data"]["id"]
    returned(api_client, first)
    shown = admin_client.get(f"/api/v1/customers/{customer}").json()["data"]
    assert shown["paymentMethods"][0]["status"] == "disabled"
    entry = AuditEntry.objects.get(action="payment_method.disabled", object_id=pm)
    assert entry.changes["complianceReviewRequired"] == {"from": False, "to": True}
    assert AuditEntry.objects.filter(action="ach_payment.returned", object_id=first).count() == 1
