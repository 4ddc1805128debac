"""Admin-site permissions by role (DESIGN §5). Organisation admins are not superusers: a staff
user's Django permissions come from its role through this table, so the back office follows the
same matrix as the API. Superusers (platform operators, `createsuperuser`) keep ModelBackend's
answer; this backend never authenticates anyone."""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.contrib.auth.backends import BaseBackend

VIEW, EDIT, CREATE = ("view",), ("view", "change"), ("view", "add", "change")

# role -> {"app" or "app.model": actions}. Nothing is deletable through a role: records are
# deactivated, revoked or soft deleted by the admins' own actions instead. `user` has nothing.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "admin": {"identity.user": CREATE, "identity.apikey": CREATE, "customers": CREATE, "payments": CREATE,
              "ach": CREATE, "direct_deposit": CREATE, "webhooks": CREATE, "ledger": VIEW, "audit": VIEW},
    "accountant": {"customers": EDIT, "payments": EDIT, "ach": EDIT, "ledger": VIEW, "direct_deposit": VIEW},
    "finance_manager": {"customers": EDIT, "payments": EDIT, "ach": EDIT, "ledger": VIEW,
                        "direct_deposit": CREATE},
    "compliance_officer": {"customers": VIEW, "payments": VIEW, "ach": VIEW, "direct_deposit": VIEW,
                           "audit": VIEW},
    "auditor": {"customers": VIEW, "payments": VIEW, "ach": VIEW, "direct_deposit": VIEW, "ledger": VIEW,
                "audit": VIEW},
}


def _codenames(target: str, actions: tuple[str, ...]) -> set[str]:
    app_label, _, model_name = target.partition(".")
    models = [apps.get_model(app_label, model_name)] if model_name else apps.get_app_config(app_label).get_models()
    return {f"{app_label}.{action}_{model._meta.model_name}" for model in models for action in actions}


@cache  # the table and the installed models are fixed once Django has started
def role_permissions(role: str | None) -> frozenset[str]:
    table = ROLE_PERMISSIONS.get(role or "", {})
    return frozenset().union(*(_codenames(target, actions) for target, actions in table.items()))


class RolePermissionBackend(BaseBackend):
    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not (user_obj.is_active and getattr(user_obj, "is_staff", False)):
            return set()
        return set(role_permissions(getattr(user_obj, "role", None)))

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        return any(perm.startswith(f"{app_label}.") for perm in self.get_all_permissions(user_obj))
