"""Connect custom accounts, persons and external accounts through the real SDK (gateway)."""

from __future__ import annotations

import json

import pytest

from oracle_ledger import gateway
from stripe_sandbox import DB
from stripe_sandbox.models import SandboxIdempotencyKey, SandboxObject, SandboxTransition
from tests.stripe_sandbox.connect_helpers import (
    OTHER_DOB,
    REJECTED_DOB,
    SUCCEEDS,
    advance,
    bank,
    events_of,
    individual,
    key,
    recipient,
)

pytestmark = pytest.mark.django_db(databases="__all__")


def _rejected(call) -> gateway.StripeRejected:
    """The Stripe error a call gets, as the gateway translates it (raw SDK calls included)."""
    with pytest.raises(gateway.StripeRejected) as exc, gateway._stripe_errors_translated():
        call()
    return exc.value


def _count(object_type: str) -> int:
    return SandboxObject.objects.using(DB).filter(object=object_type).count()


# --- Verification by Stripe's test dates of birth (DESIGN §9) ----------------------------------------

def test_dob_1901_verifies_at_creation():
    account = recipient()
    assert account.type == "custom" and account.business_type == "individual"
    assert account.payouts_enabled is True and account.details_submitted is True
    assert account.charges_enabled is False  # card_payments was not requested
    assert account.capabilities.to_dict() == {"transfers": "active"}
    assert account.requirements.currently_due == [] and account.requirements.disabled_reason is None
    assert account.individual.verification.status == "verified"
    assert not SandboxTransition.objects.using(DB).filter(object_id=account.id).exists()


def test_dob_1902_is_rejected_and_stays_rejected():
    account = recipient(dob=REJECTED_DOB)
    assert account.requirements.disabled_reason == "rejected.other"
    assert account.payouts_enabled is False and account.capabilities.transfers == "inactive"
    assert account.requirements.errors[0].code == "verification_failed_other"
    assert account.individual.verification.status == "unverified"
    assert account.individual.verification.details_code == "failed_other"

    advance(3)
    gateway.account_update(account.id, idempotency_key=key(), individual={"dob": {"day": 1, "month": 1, "year": 1901}})
    again = gateway.account_retrieve(account.id)
    assert again.requirements.disabled_reason == "rejected.other" and again.payouts_enabled is False


def test_other_dob_is_pending_until_one_day_after_creation():
    account = recipient(dob=OTHER_DOB)
    assert account.requirements.disabled_reason == "requirements.pending_verification"
    assert "individual.dob.day" in account.requirements.pending_verification
    assert account.capabilities.transfers == "pending" and account.payouts_enabled is False
    assert account.individual.verification.status == "pending"
    assert events_of("account.updated", account.id) == []

    advance(0)  # what is due now: nothing, a day has not passed
    assert gateway.account_retrieve(account.id).payouts_enabled is False

    output = advance(1)
    assert "account_verify x1" in output
    verified = gateway.account_retrieve(account.id)
    assert verified.payouts_enabled is True and verified.individual.verification.status == "verified"
    (event,) = events_of("account.updated", account.id)
    assert event["account"] == account.id
    previous = event["data"]["previous_attributes"]
    assert previous["payouts_enabled"] is False
    assert previous["requirements"]["disabled_reason"] == "requirements.pending_verification"
    assert previous["capabilities"] == {"transfers": "pending"}


def test_incomplete_account_owes_requirements_then_completes_by_update():
    account = recipient(number=None, complete=False,
                        individual={"first_name": "Jenny", "last_name": "Rosen"})
    due = account.requirements.currently_due
    for field in ("external_account", "tos_acceptance.date", "tos_acceptance.ip", "individual.dob.day",
                  "individual.ssn_last_4", "individual.address.line1", "business_profile.mcc",
                  "business_profile.url"):
        assert field in due
    assert account.requirements.past_due == due
    assert account.requirements.disabled_reason == "requirements.past_due"
    assert account.requirements.alternatives[0].alternative_fields_due == ["business_profile.product_description"]
    assert account.payouts_enabled is False and account.details_submitted is False

    updated = gateway.account_update(
        account.id, idempotency_key=key(), individual=individual(), external_account=bank(),
        tos_acceptance={"date": 1_700_000_000, "ip": "203.0.113.7"},
        business_profile={"mcc": "8931", "url": "https://example.com"})
    assert updated.requirements.currently_due == [] and updated.payouts_enabled is True
    (event,) = events_of("account.updated", account.id)
    assert event["data"]["previous_attributes"]["details_submitted"] is False
    assert "external_account" in event["data"]["previous_attributes"]["requirements"]["currently_due"]


# --- Persons ---------------------------------------------------------------------------------------

def test_the_individual_is_the_accounts_person_and_updating_it_reevaluates_the_account():
    account = recipient(dob=OTHER_DOB)
    (person,) = gateway.account_person_list(account.id).data
    assert person.id == account.individual.id and person.account == account.id
    assert person.ssn_last_4_provided is True and "ssn_last_4" not in person

    updated = gateway.account_person_update(account.id, person.id, idempotency_key=key(),
                                            dob={"day": 1, "month": 1, "year": 1901})
    assert updated.verification.status == "verified"
    assert gateway.account_retrieve(account.id).payouts_enabled is True
    assert len(events_of("person.updated", person.id)) == 1


def test_persons_cannot_be_added_to_or_removed_from_an_individual():
    account = recipient()
    persons = gateway.client().v1.accounts.persons
    problem = _rejected(lambda: persons.create(account.id, params={"first_name": "Other"}))
    assert problem.stripe_http_status == 400 and problem.param == "account"
    problem = _rejected(lambda: persons.delete(account.id, account.individual.id))
    assert problem.stripe_http_status == 400 and problem.param == "person"
    assert len(gateway.account_person_list(account.id).data) == 1


# --- External accounts -----------------------------------------------------------------------------

def test_bank_account_shows_last4_never_the_number_and_no_ssn_is_kept():
    account = recipient(number="000222222227", individual=individual(id_number="987-65-4321", ssn_last_4="4321"))
    (bank_account,) = gateway.external_account_list(account.id).data
    assert (bank_account.last4, bank_account.bank_name, bank_account.status) == ("2227", "STRIPE TEST BANK", "new")
    assert bank_account.routing_number == "110000000" and bank_account.default_for_currency is True
    assert account.individual.id_number_provided is True and account.individual.ssn_last_4_provided is True
    gateway.account_update(account.id, idempotency_key=key(), email="new@example.com")
    stored = [json.dumps(row.data) for row in SandboxObject.objects.using(DB).all()]
    stored += [json.dumps(row.body) for row in SandboxIdempotencyKey.objects.using(DB).all()]
    assert len(stored) > 5
    for secret in ("000222222227", "987654321", "987-65-4321", '"ssn_last_4":', '"id_number":'):
        assert not any(secret in text for text in stored), secret


def test_fingerprint_is_per_number():
    first, second, other = recipient(), recipient(), recipient(number="000111111116")
    fp = [gateway.external_account_list(a.id).data[0].fingerprint for a in (first, second, other)]
    assert fp[0] == fp[1] != fp[2] and len(fp[0]) == 16


def test_external_accounts_create_default_switch_and_delete():
    account = recipient()
    first = gateway.external_account_list(account.id).data[0]
    second = gateway.external_account_create(account.id, idempotency_key=key(),
                                             external_account="btok_us_verified_noAccount")
    assert second.default_for_currency is False and second.last4 == "1116"
    assert {b.id for b in gateway.external_account_list(account.id).data} == {first.id, second.id}

    problem = _rejected(lambda: gateway.external_account_delete(account.id, first.id, idempotency_key=key()))
    assert "default external account" in str(problem)

    made_default = gateway.external_account_update(account.id, second.id, idempotency_key=key(),
                                                   default_for_currency=True)
    assert made_default.default_for_currency is True
    assert gateway.external_account_retrieve(account.id, first.id).default_for_currency is False
    deleted = gateway.external_account_delete(account.id, first.id, idempotency_key=key())
    assert deleted.deleted is True
    assert [b.id for b in gateway.external_account_list(account.id).data] == [second.id]
    assert events_of("account.external_account.created", second.id)


def test_external_account_through_the_account_replaces_the_default():
    account = recipient()
    old = gateway.external_account_list(account.id).data[0]
    gateway.account_update(account.id, idempotency_key=key(), external_account=bank("000111111113"))
    (new,) = gateway.external_account_list(account.id).data
    assert new.id != old.id and new.last4 == "1113" and new.default_for_currency is True


# --- Bad input: Stripe's error shapes, nothing created ----------------------------------------------

@pytest.mark.parametrize(("change", "param", "code"), [
    ({"individual": individual({"day": 1, "month": 1, "year": 2020})}, "individual[dob][year]", None),
    ({"individual": individual({"day": 31, "month": 2, "year": 1980})}, "individual[dob]", None),
    ({"individual": individual(ssn_last_4="12")}, "individual[ssn_last_4]", None),
    ({"individual": individual(email="not-an-email")}, "individual[email]", "email_invalid"),
    ({"individual": individual(nickname="x")}, "individual[nickname]", "parameter_unknown"),
    ({"external_account": bank(routing="110000001")}, "external_account[routing_number]", "routing_number_invalid"),
    ({"external_account": bank("12345678")}, "external_account[account_number]", "account_number_invalid"),
    ({"external_account": {**bank(), "currency": "eur"}}, "external_account[currency]", None),
    ({"external_account": "btok_nope"}, "external_account", "resource_missing"),
    ({"tos_acceptance": {"date": 1_700_000_000, "ip": "not-an-ip"}}, "tos_acceptance[ip]", None),
    ({"capabilities": ("card_payments",)}, "capabilities[card_payments]", None),
    ({"capabilities": ()}, "capabilities", "parameter_missing"),
])
def test_bad_account_input_is_a_stripe_error_naming_the_param(change, param, code):
    before = _count("account"), _count("bank_account"), _count("person")
    problem = _rejected(lambda: recipient(**change))
    assert problem.param == param and problem.stripe_code == code and problem.stripe_http_status == 400
    assert (_count("account"), _count("bank_account"), _count("person")) == before


def test_raw_requests_missing_and_unsupported_params():
    accounts = gateway.client().v1.accounts
    problem = _rejected(lambda: accounts.create(params={"country": "US"}))
    assert (problem.stripe_code, problem.param) == ("parameter_missing", "type")
    assert _rejected(lambda: accounts.create(params={"type": "standard"})).param == "type"
    problem = _rejected(lambda: accounts.create(params={"type": "custom", "business_type": "company",
                                                        "capabilities": {"transfers": {"requested": True}}}))
    assert problem.param == "business_type"
    problem = _rejected(lambda: accounts.create(params={"type": "custom"}))
    assert (problem.stripe_code, problem.param) == ("parameter_missing", "capabilities")
    assert _count("account") == 0


def test_unknown_account_is_404_resource_missing():
    problem = _rejected(lambda: gateway.account_retrieve("acct_nope"))
    assert (problem.stripe_http_status, problem.stripe_code) == (404, "resource_missing")


def test_deleted_account_is_gone_with_its_person_and_bank_accounts():
    account, kept = recipient(), recipient()
    deleted = gateway.account_delete(account.id, idempotency_key=key())
    assert (deleted.id, deleted.deleted) == (account.id, True)
    assert _rejected(lambda: gateway.account_retrieve(account.id)).stripe_http_status == 404
    assert _rejected(lambda: gateway.external_account_list(account.id)).stripe_http_status == 404
    assert [a.id for a in gateway.account_list().data] == [kept.id]
    assert not SandboxObject.objects.using(DB).filter(account=account.id, deleted=False,
                                                      object__in=("person", "bank_account")).exists()


def test_account_list_pages():
    ids = [recipient().id for _ in range(3)]
    page = gateway.account_list(limit=2)
    assert [a.id for a in page.data] == ids[::-1][:2] and page.has_more is True
    rest = gateway.account_list(limit=2, starting_after=page.data[-1].id)
    assert [a.id for a in rest.data] == [ids[0]] and rest.has_more is False


def test_account_create_is_idempotent():
    params = {"idempotency_key": key(), "email": "jenny@example.com", "individual": individual(),
              "external_account": bank(SUCCEEDS)}
    first, second = gateway.account_create(**params), gateway.account_create(**params)
    assert first.id == second.id and _count("account") == 1
