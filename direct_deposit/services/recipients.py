"""Recipients: Stripe Connect custom accounts of individuals, with their bank accounts as external
accounts (issue 10 items 1-3). Each write follows DESIGN §6: a pending row is committed first (the
partial unique index decides a race for one employeeId before Stripe is called), Stripe is called
with a key derived from that row, then the outcome and the audit entry are stored together."""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from direct_deposit.exceptions import RecipientExistsError
from direct_deposit.models import Recipient, RecipientBankAccount
from oracle_ledger import gateway
from oracle_ledger.actors import Actor
from oracle_ledger.errors import StripeError, ValidationFailedError

# Stripe's parameter (prefix) -> our request field, for a rejection that names one.
STRIPE_PARAMS = {"individual[dob]": "dateOfBirth", "individual[ssn_last_4]": "ssnLast4",
                 "individual[phone]": "phone", "individual[email]": "email", "individual[address]": "address",
                 "external_account": "bankAccounts", "individual[first_name]": "firstName",
                 "individual[last_name]": "lastName"}
PAYROLL_MCC = "8931"  # accounting, bookkeeping and payroll services
PERSONAL_FIELDS = ("employee_id", "first_name", "last_name", "email", "phone", "date_of_birth", "ssn_last4",
                   "address")


# --- Verification state from Stripe's account ---------------------------------------------------

def verification_fields(account: dict[str, Any]) -> dict[str, Any]:
    """Our verification columns from a Stripe account object (DESIGN §8: they follow Stripe)."""
    requirements = account.get("requirements") or {}
    reason = requirements.get("disabled_reason") or ""
    identity = (((account.get("individual") or {}).get("verification") or {}).get("status")) or "unverified"
    if reason.startswith("rejected"):
        verification = "rejected"
    else:
        verification = {"verified": "verified", "pending": "pending"}.get(identity, "unverified")
    if account.get("payouts_enabled"):
        account_status = "enabled"
    elif reason.startswith("rejected"):
        account_status = "rejected"
    elif reason.endswith("pending_verification"):
        account_status = "pending"
    else:
        account_status = "restricted"
    transfers = (account.get("capabilities") or {}).get("transfers") == "active"
    return {
        "verification_status": verification, "account_status": account_status,
        "kyc_status": "required" if verification == "unverified" else verification,
        "charges_enabled": bool(account.get("charges_enabled")), "transfers_enabled": transfers,
        "payouts_enabled": bool(account.get("payouts_enabled")), "disabled_reason": reason,
        "requirements": {key: requirements.get(key) or [] for key in
                         ("currently_due", "past_due", "pending_verification", "errors")},
    }


def recipient_sync(*, recipient: Recipient, account: dict[str, Any], actor: Actor) -> tuple[Recipient, bool]:
    """Store the verification state of Stripe's `account` on the recipient; audited when it
    changed. Returns (recipient, changed). Runs in the caller's transaction when there is one."""
    fields = verification_fields(account)
    with transaction.atomic():
        current = Recipient.objects.select_for_update().get(pk=recipient.pk)
        before = {name: getattr(current, name) for name in fields}
        if before == fields:
            return current, False
        for name, value in fields.items():
            setattr(current, name, value)
        current.updated_at = timezone.now()
        current.save(update_fields=[*fields, "updated_at"])
        RecipientBankAccount.objects.filter(recipient=current).exclude(status="errored").update(
            is_verified=current.payouts_enabled)
        audit_record(actor=actor, action="recipient.verification_updated", target_type="dd_recipient",
                     target_id=current.public_id, organization=current.organization,
                     changes={name: {"from": before[name], "to": value} for name, value in fields.items()
                              if before[name] != value})
    return current, True


def recipient_verify(*, recipient: Recipient, actor: Actor) -> Recipient:
    """Re-read the account from Stripe (verification may have moved without our hearing of it)."""
    if not recipient.stripe_account_id:
        return recipient
    try:
        account = gateway.account_retrieve(recipient.stripe_account_id).to_dict()
    except gateway.GatewayError as exc:
        raise _stripe_error(exc) from exc
    return recipient_sync(recipient=recipient, account=account, actor=actor)[0]


# --- Create ---------------------------------------------------------------------------------------

def recipient_create(*, actor: Actor, fields: dict[str, Any], bank_accounts: list[dict[str, Any]],
                     client_ip: str | None = None) -> Recipient:
    """Create the recipient and its Stripe custom account with its bank accounts (the default one,
    else the first, as the account's external account). A Stripe failure removes the pending rows
    (and the half-made account), so the caller sees STRIPE_ERROR or VALIDATION_ERROR and nothing
    exists."""
    organization = actor.organization
    if Recipient.objects.filter(organization=organization, employee_id=fields["employee_id"], active=True).exists():
        raise _exists(fields["employee_id"])
    if not any(b.get("isDefault") for b in bank_accounts):
        bank_accounts = [{**bank_accounts[0], "isDefault": True}, *bank_accounts[1:]]
    recipient, banks = _pending_insert(actor=actor, fields=fields, bank_accounts=bank_accounts)
    account_id = ""
    try:
        default = next(i for i, b in enumerate(bank_accounts) if b["isDefault"])
        account = gateway.account_create(
            idempotency_key=f"dd-recipient:{recipient.public_id}", email=recipient.email,
            individual=_individual(recipient), external_account=_bank_hash(bank_accounts[default]),
            tos_acceptance={"date": int(time.time()) - 60, "ip": client_ip or "127.0.0.1"},
            business_profile={"mcc": PAYROLL_MCC, "product_description": "Payroll recipient"},
            metadata={"recipientId": recipient.public_id, "organization": organization.public_id,
                      "employeeId": recipient.employee_id}).to_dict()
        account_id = account["id"]
        stripe_banks = {default: account["external_accounts"]["data"][0]}
        for i, raw in enumerate(bank_accounts):
            if i != default:
                stripe_banks[i] = gateway.external_account_create(
                    account_id, idempotency_key=f"dd-bank:{banks[i].public_id}",
                    external_account=_bank_hash(raw)).to_dict()
    except gateway.GatewayError as exc:
        _pending_abandon(recipient, account_id)
        raise _stripe_error(exc) from exc
    return _created_store(recipient=recipient, banks=banks, account=account, stripe_banks=stripe_banks, actor=actor)


def _exists(employee_id: str) -> RecipientExistsError:
    return RecipientExistsError(details=[{"field": "employeeId", "reason": "An active recipient already exists for "
                                          "this employeeId", "value": employee_id}])


def _pending_insert(*, actor: Actor, fields: dict[str, Any], bank_accounts: list[dict[str, Any]]):
    now = timezone.now()
    recipient = Recipient(organization=actor.organization, created_by_id=actor.user_pk, created_at=now,
                          updated_at=now, **fields)
    banks = [_bank_row(recipient, raw) for raw in bank_accounts]
    try:
        # Durable: the unique index on (organization, employee_id) among active recipients decides
        # a race before any Stripe account exists.
        with transaction.atomic(durable=True):
            recipient.save(force_insert=True)
            for bank in banks:
                bank.recipient = recipient
            RecipientBankAccount.objects.bulk_create(banks)
    except IntegrityError as exc:
        if "dd_recipient_employee_unique_active" in str(exc):
            raise _exists(fields["employee_id"]) from exc
        raise
    return recipient, banks


def _bank_row(recipient: Recipient, raw: dict[str, Any]) -> RecipientBankAccount:
    # Only bank name, last 4, routing number and account type are kept (DESIGN §5).
    return RecipientBankAccount(recipient=recipient, bank_name=raw.get("bankName") or "",
                                last4=raw["accountNumber"][-4:], routing_number=raw["routingNumber"],
                                account_type=raw["accountType"], account_holder_name=raw["accountHolderName"],
                                is_default=bool(raw.get("isDefault")))


def _pending_abandon(recipient: Recipient, account_id: str) -> None:
    with transaction.atomic():
        RecipientBankAccount.objects.filter(recipient=recipient).delete()
        Recipient.objects.filter(pk=recipient.pk, sync_state=Recipient.SyncState.PENDING).delete()
    if account_id:
        try:
            gateway.account_delete(account_id, idempotency_key=f"dd-recipient-abandon:{recipient.public_id}")
        except gateway.GatewayError:
            pass  # an orphan account whose metadata names a recipient that never was; nothing points at it


def _individual(recipient: Recipient) -> dict[str, Any]:
    address = recipient.address
    dob = recipient.date_of_birth
    return {
        "first_name": recipient.first_name, "last_name": recipient.last_name, "email": recipient.email,
        "phone": recipient.phone, "ssn_last_4": recipient.ssn_last4,
        "dob": {"day": dob.day, "month": dob.month, "year": dob.year},
        "address": {key: value for key, value in {
            "line1": address.get("line1"), "line2": address.get("line2"), "city": address.get("city"),
            "state": address.get("state"), "postal_code": address.get("postalCode"),
            "country": address.get("country")}.items() if value},
    }


def _bank_hash(raw: dict[str, Any]) -> dict[str, Any]:
    return {"object": "bank_account", "country": "US", "currency": "usd", "routing_number": raw["routingNumber"],
            "account_number": raw["accountNumber"], "account_holder_name": raw["accountHolderName"],
            "account_holder_type": "individual"}


def _created_store(*, recipient: Recipient, banks: list[RecipientBankAccount], account: dict[str, Any],
                   stripe_banks: dict[int, dict[str, Any]], actor: Actor) -> Recipient:
    with transaction.atomic():
        recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
        recipient.stripe_account_id, recipient.sync_state = account["id"], Recipient.SyncState.SYNCED
        for name, value in verification_fields(account).items():
            setattr(recipient, name, value)
        recipient.save()
        for i, bank in enumerate(banks):
            _bank_apply_stripe(bank, stripe_banks[i], verified=recipient.payouts_enabled)
        audit_record(actor=actor, action="recipient.created", target_type="dd_recipient",
                     target_id=recipient.public_id, organization=recipient.organization,
                     changes=_personal(recipient), metadata={
                         "stripeAccountId": account["id"], "bankAccounts": [
                             {"id": b.public_id, "last4": b.last4, "routingNumber": b.routing_number}
                             for b in banks]})
    return recipient


def _personal(recipient: Recipient) -> dict[str, Any]:
    values = {name: getattr(recipient, name) for name in PERSONAL_FIELDS}
    values["date_of_birth"] = values["date_of_birth"].isoformat()
    return values


def _bank_apply_stripe(bank: RecipientBankAccount, stripe_bank: dict[str, Any], *, verified: bool) -> None:
    bank.stripe_bank_account_id = stripe_bank["id"]
    bank.bank_name = bank.bank_name or stripe_bank.get("bank_name") or ""
    bank.status = stripe_bank.get("status") or "new"
    bank.is_verified = verified and bank.status != "errored"
    bank.updated_at = timezone.now()
    bank.save(update_fields=["stripe_bank_account_id", "bank_name", "status", "is_verified", "updated_at"])


def _stripe_error(exc: gateway.GatewayError) -> Exception:
    if isinstance(exc, gateway.StripeRejected) and exc.param:
        field = next((ours for prefix, ours in STRIPE_PARAMS.items() if exc.param.startswith(prefix)), None)
        if field:
            return ValidationFailedError(exc.message, details=[{"field": field, "reason": exc.message, "value": None}])
    return StripeError(exc.message, details={"stripeErrorCode": exc.stripe_code, "stripeMessage": exc.message,
                                             "stripeType": type(exc).__name__})


# --- Bank accounts ------------------------------------------------------------------------------------

def recipient_bank_account_add(*, actor: Actor, recipient: Recipient, raw: dict[str, Any]) -> RecipientBankAccount:
    """Add a bank account as an external account of the recipient's Stripe account."""
    bank = _bank_row(recipient, {**raw, "isDefault": False})
    with transaction.atomic(durable=True):
        bank.save(force_insert=True)
    try:
        stripe_bank = gateway.external_account_create(
            recipient.stripe_account_id, idempotency_key=f"dd-bank:{bank.public_id}",
            external_account=_bank_hash(raw)).to_dict()
    except gateway.GatewayError as exc:
        RecipientBankAccount.objects.filter(pk=bank.pk).delete()
        raise _stripe_error(exc) from exc
    with transaction.atomic():
        _bank_apply_stripe(bank, stripe_bank, verified=recipient.payouts_enabled)
        audit_record(actor=actor, action="recipient.bank_account_added", target_type="dd_bank",
                     target_id=bank.public_id, organization=recipient.organization,
                     changes={"last4": bank.last4, "routingNumber": bank.routing_number,
                              "accountType": bank.account_type, "bankName": bank.bank_name},
                     metadata={"recipientId": recipient.public_id})
    if raw.get("isDefault"):
        bank = recipient_bank_account_set_default(actor=actor, bank=bank)
    return bank


def recipient_bank_account_set_default(*, actor: Actor, bank: RecipientBankAccount) -> RecipientBankAccount:
    """Make `bank` the recipient's default, in Stripe (default for usd) and here."""
    recipient = bank.recipient
    try:
        # A fresh key: choosing A, then B, then A again are three different requests.
        gateway.external_account_update(recipient.stripe_account_id, bank.stripe_bank_account_id,
                                        idempotency_key=f"dd-bank-default:{bank.public_id}:{uuid.uuid4().hex}",
                                        default_for_currency=True)
    except gateway.GatewayError as exc:
        raise _stripe_error(exc) from exc
    with transaction.atomic():
        Recipient.objects.select_for_update().get(pk=recipient.pk)  # serialise default changes per recipient
        previous = RecipientBankAccount.objects.filter(recipient=recipient, is_default=True).first()
        RecipientBankAccount.objects.filter(recipient=recipient, is_default=True).update(is_default=False)
        RecipientBankAccount.objects.filter(pk=bank.pk).update(is_default=True, updated_at=timezone.now())
        audit_record(actor=actor, action="recipient.default_bank_account_set", target_type="dd_bank",
                     target_id=bank.public_id, organization=recipient.organization,
                     changes={"default": {"from": previous.public_id if previous else None, "to": bank.public_id}},
                     metadata={"recipientId": recipient.public_id})
    bank.refresh_from_db()
    return bank


def recipient_bank_data_viewed(*, actor: Actor, recipient: Recipient, request=None, via: str) -> None:
    """DESIGN §5: every read of a recipient's bank data is audited."""
    audit_record(actor=actor, action="recipient.bank_data_viewed", target_type="dd_recipient",
                 target_id=recipient.public_id, organization=recipient.organization, request=request,
                 metadata={"via": via, "bankAccounts": list(recipient.bank_accounts.values_list("public_id", flat=True))})
