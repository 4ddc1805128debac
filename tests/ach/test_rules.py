"""The NACHA rules at creation (DESIGN §8): each broken rule is a clear 422 naming the field, and
changes nothing (no debit stored, nothing sent to Stripe)."""

from __future__ import annotations

import datetime as dt

import pytest

from ach.models import AchPayment
from customers.models import PaymentMethod
from tests.helpers import error, failing_fields, stripe_intent_count

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def nothing_changed(intents_before: int) -> None:
    assert AchPayment.objects.count() == 0 and stripe_intent_count() == intents_before


@pytest.mark.parametrize(("code", "holder"), [("CCD", "individual"), ("CTX", "individual"), ("PPD", "company"),
                                              ("WEB", "company"), ("TEL", "company")])
def test_a_class_code_for_the_wrong_kind_of_account_holder_is_refused(today, make_bank_customer, debit, code, holder):
    customer, pm = make_bank_customer(holder=holder)
    before = stripe_intent_count()
    fields = failing_fields(debit(customer, pm, achClassCode=code))
    assert fields["achClassCode"]["value"] == code and holder in fields["achClassCode"]["reason"]
    nothing_changed(before)


@pytest.mark.parametrize(("code", "holder"), [("CCD", "company"), ("CTX", "company"), ("PPD", "individual"),
                                              ("WEB", "individual"), ("TEL", "individual")])
def test_each_class_code_debits_its_kind_of_account(today, make_bank_customer, debit, code, holder):
    customer, pm = make_bank_customer(holder=holder)
    response = debit(customer, pm, achClassCode=code)
    assert response.status_code == 200, response.content
    assert response.json()["data"]["achDetails"]["classCode"] == code


@pytest.mark.parametrize("code", ["WEB", "TEL"])
def test_web_and_tel_need_a_recorded_authorization(today, make_bank_customer, debit, code):
    customer, pm = make_bank_customer()
    PaymentMethod.objects.filter(public_id=pm).update(stripe_mandate_id="")  # e.g. mirrored without a mandate
    before = stripe_intent_count()
    fields = failing_fields(debit(customer, pm, achClassCode=code))
    assert "authorization" in fields["achClassCode"]["reason"]
    nothing_changed(before)


def test_an_unknown_class_code_is_refused(today, make_bank_customer, debit):
    customer, pm = make_bank_customer()
    assert failing_fields(debit(customer, pm, achClassCode="ARC"))["achClassCode"]["value"] == "ARC"


def test_a_card_is_not_an_ach_payment_method(today, admin_client, debit):
    response = admin_client.post("/api/v1/customers", {
        "firstName": "Card", "lastName": "Only", "email": "card@example.com",
        "paymentMethods": [{"type": "card", "token": "tok_visa", "isDefault": True}]}, format="json")
    customer = admin_client.get(f"/api/v1/customers/{response.json()['data']['id']}").json()["data"]
    before = stripe_intent_count()
    fields = failing_fields(debit(customer["id"], customer["paymentMethods"][0]["id"]))
    assert "us_bank_account" in fields["paymentMethodId"]["reason"]
    nothing_changed(before)


def test_a_non_usd_debit_is_refused(today, make_bank_customer, debit):
    customer, pm = make_bank_customer()
    before = stripe_intent_count()
    fields = failing_fields(debit(customer, pm, currency="eur"))
    assert fields["currency"] == {"field": "currency", "reason": "ACH debits are in USD only", "value": "eur"}
    nothing_changed(before)


def test_a_past_date_is_refused(today, make_bank_customer, debit):
    customer, pm = make_bank_customer()
    before = stripe_intent_count()
    fields = failing_fields(debit(customer, pm, scheduledDate=(today - dt.timedelta(days=1)).isoformat()))
    assert fields["scheduledDate"]["value"] == "2027-02-28"
    nothing_changed(before)


def test_every_failing_field_is_named_at_once(today, make_bank_customer, debit):
    customer, pm = make_bank_customer(holder="company")
    fields = failing_fields(debit(customer, pm, currency="cad", scheduledDate="2027-01-04"))
    assert set(fields) == {"currency", "achClassCode", "scheduledDate"}


@pytest.mark.parametrize(("asked", "runs", "settles"), [
    ("2027-03-06", "2027-03-08", "2027-03-12"),  # Saturday -> Monday
    ("2027-03-07", "2027-03-08", "2027-03-12"),  # Sunday -> Monday
    ("2027-05-31", "2027-06-01", "2027-06-07"),  # Memorial Day -> Tuesday
    ("2027-10-11", "2027-10-12", "2027-10-18"),  # Columbus Day: a Fed holiday, the NYSE is open
    ("2027-11-11", "2027-11-12", "2027-11-18"),  # Veterans Day (Fed); settlement also skips the weekend
    ("2027-11-24", "2027-11-24", "2027-12-01"),  # settlement counts around Thanksgiving (Nov 25)
])
def test_weekends_and_federal_reserve_holidays_move_to_the_next_banking_day(
        today, make_bank_customer, debit, asked, runs, settles):
    customer, pm = make_bank_customer()
    before = stripe_intent_count()
    data = debit(customer, pm, scheduledDate=asked).json()["data"]
    assert data["status"] == "scheduled" and stripe_intent_count() == before  # not sent before its day
    assert (data["achDetails"]["scheduledDate"], data["achDetails"]["estimatedSettlementDate"]) == (runs, settles)
    assert AchPayment.objects.get(public_id=data["id"]).requested_date.isoformat() == asked


def test_a_deleted_customer_cannot_be_debited(today, admin_client, make_bank_customer, debit):
    customer, pm = make_bank_customer()
    assert admin_client.delete(f"/api/v1/customers/{customer}").status_code == 200
    error(debit(customer, pm), 422, "VALIDATION_ERROR")
    assert AchPayment.objects.count() == 0


def test_another_organisations_customer_is_not_found(today, make_bank_customer, debit, client_for, other_org):
    customer, pm = make_bank_customer()
    error(debit(customer, pm, client=client_for("admin", org=other_org)), 404, "RESOURCE_NOT_FOUND")


def test_an_application_fee_is_refused(today, make_bank_customer, debit):
    customer, pm = make_bank_customer()
    assert "applicationFee" in failing_fields(debit(customer, pm, applicationFee=100))
