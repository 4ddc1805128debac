"""Recipients become Stripe Connect custom accounts; verification follows Stripe (issue 10 items 1, 3)."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from direct_deposit.models import Recipient, RecipientBankAccount
from oracle_ledger import gateway
from tests.direct_deposit.conftest import OTHER_DOB, REJECTED_DOB, recipient_body
from tests.helpers import error, sandbox_count
from tests.stripe_sandbox.connect_helpers import advance, events_of
from webhooks import registry

pytestmark = pytest.mark.django_db(databases="__all__")


def handle(type_: str, obj: dict):
    registry.discover()
    return registry.registration_for(type_).fn(event=None, obj=obj)


def test_create_answers_the_guides_body_and_makes_a_verified_custom_account(admin_client, org):
    body = recipient_body()
    response = admin_client.post("/api/v1/direct-deposit/recipients", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["id"].startswith("dd_recipient_") and data["stripeAccountId"].startswith("acct_")
    assert (data["employeeId"], data["dateOfBirth"], data["ssnLast4"]) == (body["employeeId"], "1901-01-01", "1234")
    assert data["address"] == body["address"]
    assert (data["verificationStatus"], data["accountStatus"], data["kycStatus"]) == ("verified", "enabled", "verified")
    assert (data["transfersEnabled"], data["payoutsEnabled"]) == (True, True)
    [bank] = data["bankAccounts"]
    assert bank["id"].startswith("dd_bank_") and (bank["last4"], bank["bankName"], bank["isDefault"]) == \
        ("6789", "Wells Fargo", True)
    assert "accountNumber" not in bank and "000123456789" not in response.content.decode()
    account = gateway.account_retrieve(data["stripeAccountId"])
    assert account.type == "custom" and account.individual.ssn_last_4_provided
    assert account.external_accounts.data[0].last4 == "6789"
    assert account.metadata["recipientId"] == data["id"]
    entry = AuditEntry.objects.get(action="recipient.created", object_id=data["id"])
    assert "000123456789" not in str(entry.changes) + str(entry.metadata)


def test_only_last4_bank_name_routing_and_type_are_kept(make_recipient):
    data = make_recipient()
    bank = RecipientBankAccount.objects.get(public_id=data["bankAccounts"][0]["id"])
    stored = {f.name: getattr(bank, f.name) for f in RecipientBankAccount._meta.fields}
    assert "000123456789" not in str(stored)
    assert (bank.last4, bank.routing_number, bank.account_type) == ("6789", "110000000", "checking")


def test_a_second_active_recipient_for_one_employee_is_409(admin_client, make_recipient):
    first = make_recipient()
    response = admin_client.post("/api/v1/direct-deposit/recipients",
                                 recipient_body(employeeId=first["employeeId"]), format="json")
    err = error(response, 409, "RESOURCE_ALREADY_EXISTS")
    assert err["details"][0]["field"] == "employeeId"
    assert Recipient.objects.filter(employee_id=first["employeeId"]).count() == 1
    assert sandbox_count("account") == 1


def test_a_rejected_identity_stays_unverified(make_recipient):
    data = make_recipient(dob=REJECTED_DOB)
    assert (data["verificationStatus"], data["accountStatus"], data["payoutsEnabled"]) == \
        ("rejected", "rejected", False)


def test_verification_follows_the_clock_and_account_updated(make_recipient, org):
    data = make_recipient(dob=OTHER_DOB)
    assert (data["verificationStatus"], data["payoutsEnabled"]) == ("pending", False)
    advance(2)
    [event] = [e for e in events_of("account.updated", data["stripeAccountId"])
               if e["data"]["object"]["payouts_enabled"]]
    assert handle("account.updated", event["data"]["object"]) == org
    recipient = Recipient.objects.get(public_id=data["id"])
    assert (recipient.verification_status, recipient.account_status, recipient.payouts_enabled) == \
        ("verified", "enabled", True)
    assert AuditEntry.objects.filter(action="recipient.verification_updated", object_id=data["id"]).count() == 1
    handle("account.updated", event["data"]["object"])  # a redelivery changes nothing more
    assert AuditEntry.objects.filter(action="recipient.verification_updated", object_id=data["id"]).count() == 1


def test_verify_refreshes_from_stripe(admin_client, make_recipient):
    data = make_recipient(dob=OTHER_DOB)
    advance(2)
    response = admin_client.post(f"/api/v1/direct-deposit/recipients/{data['id']}/verify")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["verificationStatus"] == "verified"


def test_list_filters_and_paginates(admin_client, make_recipient):
    verified, pending = make_recipient(), make_recipient(dob=OTHER_DOB)
    body = admin_client.get("/api/v1/direct-deposit/recipients?verificationStatus=pending").json()["data"]
    assert [r["id"] for r in body["recipients"]] == [pending["id"]]
    body = admin_client.get(f"/api/v1/direct-deposit/recipients?employeeId={verified['employeeId']}").json()["data"]
    assert [r["id"] for r in body["recipients"]] == [verified["id"]]
    body = admin_client.get("/api/v1/direct-deposit/recipients?limit=1&page=2").json()["data"]
    assert body["pagination"] == {"page": 2, "limit": 1, "total": 2, "totalPages": 2, "hasNext": False,
                                  "hasPrevious": True}
    assert body["recipients"][0]["bankAccounts"][0].keys() == {"bankName", "last4", "accountType", "isDefault",
                                                              "isVerified"}
    error(admin_client.get("/api/v1/direct-deposit/recipients?status=bogus"), 400, "INVALID_REQUEST")


def test_reading_a_recipient_is_audited_as_a_bank_data_read(admin_client, make_recipient):
    data = make_recipient()
    assert admin_client.get(f"/api/v1/direct-deposit/recipients/{data['id']}").status_code == 200
    assert AuditEntry.objects.filter(action="recipient.bank_data_viewed", object_id=data["id"]).count() == 1


def test_another_organisations_recipient_is_404(client_for, make_recipient, other_org):
    data = make_recipient()
    outsider = client_for("admin", org=other_org)
    error(outsider.get(f"/api/v1/direct-deposit/recipients/{data['id']}"), 404, "RESOURCE_NOT_FOUND")
    assert outsider.get("/api/v1/direct-deposit/recipients").json()["data"]["recipients"] == []


def test_add_a_bank_account_and_make_it_the_default(admin_client, make_recipient):
    data = make_recipient()
    response = admin_client.post(f"/api/v1/direct-deposit/recipients/{data['id']}/bank-accounts", {
        "accountHolderName": "Jane Smith", "bankName": "Chase", "routingNumber": "110000000",
        "accountNumber": "000111111116", "accountType": "savings"}, format="json")
    assert response.status_code == 201, response.content
    bank = response.json()["data"]
    assert (bank["last4"], bank["isDefault"], bank["accountType"]) == ("1116", False, "savings")
    response = admin_client.post(f"/api/v1/direct-deposit/recipients/{data['id']}/bank-accounts/{bank['id']}/default")
    assert response.status_code == 200, response.content
    defaults = {b["id"]: b["isDefault"] for b in response.json()["data"]["bankAccounts"]}
    assert defaults == {data["bankAccounts"][0]["id"]: False, bank["id"]: True}
    stored = RecipientBankAccount.objects.get(public_id=bank["id"])
    external = gateway.external_account_retrieve(data["stripeAccountId"], stored.stripe_bank_account_id)
    assert external.default_for_currency is True
    assert AuditEntry.objects.filter(action="recipient.default_bank_account_set", object_id=bank["id"]).exists()


def test_another_organisations_bank_account_is_404(admin_client, client_for, make_recipient, other_org):
    mine = make_recipient()
    theirs = make_recipient(client=client_for("admin", org=other_org))
    response = admin_client.post(f"/api/v1/direct-deposit/recipients/{mine['id']}/bank-accounts/"
                                 f"{theirs['bankAccounts'][0]['id']}/default")
    error(response, 404, "RESOURCE_NOT_FOUND")


def test_a_stale_account_updated_payload_cannot_turn_verification_back(make_recipient, org):
    """Stripe's `created` is in whole seconds, so an older update can arrive last with an equal
    timestamp: the handler follows the account as Stripe holds it, not the payload."""
    data = make_recipient(dob=OTHER_DOB)
    [stale] = [e for e in events_of("account.updated", data["stripeAccountId"])
               if not e["data"]["object"]["payouts_enabled"]] or [None]
    advance(2)
    [fresh] = [e for e in events_of("account.updated", data["stripeAccountId"])
               if e["data"]["object"]["payouts_enabled"]]
    handle("account.updated", fresh["data"]["object"])
    stale_payload = stale["data"]["object"] if stale else {**fresh["data"]["object"], "payouts_enabled": False}
    handle("account.updated", stale_payload)
    recipient = Recipient.objects.get(public_id=data["id"])
    assert (recipient.verification_status, recipient.payouts_enabled) == ("verified", True)
