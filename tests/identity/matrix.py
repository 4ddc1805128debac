"""DESIGN §5's role matrix transcribed by hand (independently of oracle_ledger.api.permissions.MATRIX,
so a wrong MATRIX fails the tests). Later issues reuse it for their real endpoints:

    @pytest.mark.parametrize(("role", "allowed"), roles_for(Capability.PAYMENTS_CREATE))
    def test_create_payment_roles(client_for, role, allowed):
        response = client_for(role).post("/api/v1/payments", {...}, format="json")
        assert_access(response, allowed)
"""

from __future__ import annotations

from oracle_ledger.api.permissions import Capability

ROLES = ("user", "admin", "compliance_officer", "auditor", "accountant", "finance_manager")

# capability -> roles that have it (`own` and `all` both count as having it).
ALLOWED: dict[Capability, set[str]] = {
    Capability.CUSTOMERS_READ: set(ROLES),
    Capability.CUSTOMERS_WRITE: {"user", "admin", "accountant", "finance_manager"},
    Capability.PAYMENTS_READ: set(ROLES),
    Capability.PAYMENTS_CREATE: {"user", "admin", "accountant", "finance_manager"},
    Capability.DIRECT_DEPOSIT_READ: set(ROLES) - {"user"},
    Capability.DIRECT_DEPOSIT_CREATE: {"admin", "finance_manager"},
    Capability.LEDGER_READ: {"admin", "auditor", "accountant", "finance_manager"},
    Capability.AUDIT_READ: {"admin", "compliance_officer", "auditor"},
    Capability.MANAGE: {"admin"},
}
# Roles whose access is limited to their own records (DESIGN §5's `own`).
OWN_ONLY: dict[Capability, set[str]] = {
    Capability.CUSTOMERS_READ: {"user"}, Capability.CUSTOMERS_WRITE: {"user"},
    Capability.PAYMENTS_READ: {"user"}, Capability.PAYMENTS_CREATE: {"user"},
}


def roles_for(capability: Capability) -> list[tuple[str, bool]]:
    """(role, allowed) for every role, for pytest.mark.parametrize."""
    return [(role, role in ALLOWED[capability]) for role in ROLES]


def every_role_and_capability() -> list[tuple[str, Capability, bool]]:
    return [(role, cap, allowed) for cap in Capability for role, allowed in roles_for(cap)]


def assert_access(response, allowed: bool, ok_status: int = 200) -> None:
    """`allowed`: the request got past the permission check with `ok_status`; otherwise it is the
    guide's 403 INSUFFICIENT_PERMISSIONS envelope."""
    if allowed:
        assert response.status_code == ok_status, response.content
    else:
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "INSUFFICIENT_PERMISSIONS", response.content


# ACH (issue 9): card payments' capabilities cover ACH (DESIGN §5). (method, path template) -> capability;
# tests/ach/test_api.py walks every row for every role.
ACH_ENDPOINTS: dict[tuple[str, str], Capability] = {
    ("GET", "/api/v1/ach-payments"): Capability.PAYMENTS_READ,
    ("POST", "/api/v1/ach-payments"): Capability.PAYMENTS_CREATE,
    ("GET", "/api/v1/ach-payments/{id}"): Capability.PAYMENTS_READ,
    ("GET", "/api/v1/ach-payments/{id}/returns"): Capability.PAYMENTS_READ,
    ("POST", "/api/v1/ach-payments/{id}/retry"): Capability.PAYMENTS_CREATE,
}
