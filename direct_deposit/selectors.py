"""Direct deposit reads, scoped to the caller's organisation (STYLE §4). Another organisation's
record is simply absent: RESOURCE_NOT_FOUND (DESIGN §5)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Prefetch, QuerySet

from direct_deposit.models import Payout, PayrollRun, Recipient, RecipientBankAccount
from oracle_ledger.actors import Actor
from oracle_ledger.api.permissions import Capability, org_scoped
from oracle_ledger.errors import InvalidRequestError, ResourceNotFoundError

READ = Capability.DIRECT_DEPOSIT_READ
VERIFICATION_STATUSES = ("pending", "verified", "unverified", "rejected")


def _recipients(actor: Actor, capability: Capability) -> QuerySet[Recipient]:
    banks = Prefetch("bank_accounts", queryset=RecipientBankAccount.objects.order_by("id"))
    return org_scoped(Recipient.objects.all(), actor, capability, owner_field=None).prefetch_related(banks)


def recipient_get(*, actor: Actor, public_id: str, capability: Capability = READ,
                  field: str | None = None) -> Recipient:
    """`field`: the request field that named the recipient (a body naming another organisation's
    recipient is 404 naming it, DESIGN §9)."""
    recipient = _recipients(actor, capability).filter(public_id=public_id).first()
    if recipient is None:
        details = [{"field": field, "reason": "No such recipient", "value": public_id}] if field else \
            {"recipientId": public_id}
        raise ResourceNotFoundError("Recipient not found.", details=details)
    return recipient


def recipient_list(*, actor: Actor, params: Mapping[str, Any]) -> QuerySet[Recipient]:
    qs = _recipients(actor, READ).filter(active=True).order_by("-created_at", "-id")
    if params.get("employeeId"):
        qs = qs.filter(employee_id=params["employeeId"])
    for name in ("status", "verificationStatus"):  # the guide: both filter by verification status
        value = params.get(name)
        if value in (None, ""):
            continue
        if value not in VERIFICATION_STATUSES:
            raise InvalidRequestError(f"Unknown {name}.", details=[{
                "field": name, "reason": f"Must be one of {', '.join(VERIFICATION_STATUSES)}", "value": value}])
        qs = qs.filter(verification_status=value)
    return qs


def bank_account_get(*, recipient: Recipient, public_id: str | None, field: str = "bankAccountId"
                     ) -> RecipientBankAccount:
    """The named bank account of the recipient, or its default when `public_id` is empty."""
    banks = list(recipient.bank_accounts.all())
    bank = next((b for b in banks if b.public_id == public_id), None) if public_id else \
        next((b for b in banks if b.is_default), None)
    if bank is None:
        raise ResourceNotFoundError("Bank account not found.", details=[{
            "field": field, "reason": "No such bank account for this recipient" if public_id else
            "The recipient has no default bank account", "value": public_id}])
    return bank


def payout_get(*, actor: Actor, public_id: str) -> Payout:
    payout = (org_scoped(Payout.objects.all(), actor, READ, owner_field=None)
              .select_related("recipient", "bank_account", "payroll_run").filter(public_id=public_id).first())
    if payout is None:
        raise ResourceNotFoundError("Payout not found.", details={"payoutId": public_id})
    return payout


def payroll_run_get(*, actor: Actor, public_id: str) -> PayrollRun:
    run = org_scoped(PayrollRun.objects.all(), actor, READ, owner_field=None).filter(public_id=public_id).first()
    if run is None:
        raise ResourceNotFoundError("Payroll run not found.", details={"payrollRunId": public_id})
    return run
