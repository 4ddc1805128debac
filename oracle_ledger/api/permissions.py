"""The role matrix of DESIGN §5 as data, and the DRF permission that enforces it.

A view names the capability it needs (`required_capability = Capability.LEDGER_READ`, or a dict
per HTTP method / action); the permission answers 401 without an actor, 403 when the role lacks the
capability. `scope_of()` says whether the role sees `all` of its organisation's records or only its
`own` (records the caller created); selectors apply that with `org_scoped()`."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from django.db.models import QuerySet
from rest_framework.permissions import BasePermission

from oracle_ledger.errors import AuthenticationRequiredError, InsufficientPermissionsError

if TYPE_CHECKING:
    from oracle_ledger.actors import Actor

Scope = Literal["all", "own"]


class Capability(StrEnum):
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_WRITE = "customers:write"  # create, update, delete
    PAYMENTS_READ = "payments:read"  # card payments, refunds, ACH
    PAYMENTS_CREATE = "payments:create"
    DIRECT_DEPOSIT_READ = "direct_deposit:read"
    DIRECT_DEPOSIT_CREATE = "direct_deposit:create"
    LEDGER_READ = "ledger:read"  # ledger and reconciliation
    AUDIT_READ = "audit:read"
    MANAGE = "manage"  # webhook events, API keys, users


_ALL_BUT_USER = {"admin": "all", "compliance_officer": "all", "auditor": "all", "accountant": "all",
                 "finance_manager": "all"}

# capability -> role -> scope; a role missing from a row lacks the capability.
MATRIX: dict[Capability, dict[str, Scope]] = {
    Capability.CUSTOMERS_READ: {"user": "own", **_ALL_BUT_USER},
    Capability.CUSTOMERS_WRITE: {"user": "own", "admin": "all", "accountant": "all", "finance_manager": "all"},
    Capability.PAYMENTS_READ: {"user": "own", **_ALL_BUT_USER},
    # `own` here means: only for customers the caller created.
    Capability.PAYMENTS_CREATE: {"user": "own", "admin": "all", "accountant": "all", "finance_manager": "all"},
    Capability.DIRECT_DEPOSIT_READ: dict(_ALL_BUT_USER),
    Capability.DIRECT_DEPOSIT_CREATE: {"admin": "all", "finance_manager": "all"},
    Capability.LEDGER_READ: {"admin": "all", "auditor": "all", "accountant": "all", "finance_manager": "all"},
    Capability.AUDIT_READ: {"admin": "all", "compliance_officer": "all", "auditor": "all"},
    Capability.MANAGE: {"admin": "all"},
}


def scope_of(role: str | None, capability: Capability) -> Scope | None:
    return MATRIX[capability].get(role or "")


def org_scoped(queryset: QuerySet, actor: Actor, capability: Capability, *,
               org_field: str = "organization", owner_field: str | None = "created_by") -> QuerySet:
    """The records of `queryset` this actor may see: its organisation's, and only its own when the
    role's scope is `own`. Another organisation's record is simply absent (so it answers 404)."""
    scope = scope_of(actor.role, capability)
    if scope is None or actor.organization is None:
        return queryset.none()
    queryset = queryset.filter(**{org_field: actor.organization})
    if scope == "own" and owner_field:
        queryset = queryset.filter(**{owner_field: actor.user_pk}) if actor.user_pk else queryset.none()
    return queryset


class HasCapability(BasePermission):
    """Reads `view.required_capability`: a Capability, or a dict keyed by action name (viewsets)
    or HTTP method, with "*" as the fallback."""

    def has_permission(self, request, view) -> bool:
        # Authentication is required even where no capability is named: a public view says so by
        # `permission_classes = []`, never by omission.
        actor = getattr(request, "actor", None)
        if actor is None:
            raise AuthenticationRequiredError(suggestion="Send `Authorization: Bearer <token>` or `X-API-Key`.")
        capability = required_capability(request, view)
        if capability is None:
            return True
        if scope_of(actor.role, capability) is None:
            on_permission_denied(request, actor, capability)
            raise InsufficientPermissionsError(details={"requiredCapability": str(capability), "role": actor.role})
        return True


def required_capability(request, view) -> Capability | None:
    spec = getattr(view, "required_capability", None)
    if isinstance(spec, dict):
        action = getattr(view, "action", None)
        return spec.get(action) or spec.get(request.method) or spec.get("*")
    return spec


def on_permission_denied(request, actor: Actor, capability: Capability) -> None:
    """Every denial is audited (DESIGN §5). Permissions run outside any transaction
    (ATOMIC_REQUESTS is off), so the entry stays although the request fails. Imported late:
    identity must load before audit."""
    from audit.services import audit_record

    audit_record(actor=actor, action="permission.denied", outcome="denied", target_type="endpoint",
                 target_id=request.path, request=request,
                 metadata={"capability": str(capability), "path": request.path, "method": request.method})
