"""Who is acting: a user, an API key, the system (tasks, commands) or Stripe (webhooks).
Authentication puts one on `request.actor`; services take one as `actor=` and pass it to the
audit log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from oracle_ledger.api.context import current_request_id

if TYPE_CHECKING:
    from identity.models import Organization


@dataclass(frozen=True)
class Actor:
    type: str  # "user" | "api_key" | "system" | "stripe"
    id: str  # public id of the user or key; "system" / "stripe" otherwise
    role: str | None = None
    email: str | None = None
    organization: Organization | None = None
    ip: str | None = None
    request_id: str | None = field(default_factory=current_request_id)
    user_pk: int | None = None  # the database user behind the actor, for `own` records

    USER, API_KEY, SYSTEM, STRIPE = "user", "api_key", "system", "stripe"

    @classmethod
    def system(cls, *, organization: Organization | None = None, name: str = "system") -> Actor:
        return cls(type=cls.SYSTEM, id=name, organization=organization)

    @classmethod
    def stripe(cls, *, organization: Organization | None = None) -> Actor:
        return cls(type=cls.STRIPE, id="stripe", organization=organization)

    @classmethod
    def for_user(cls, user: Any, *, ip: str | None = None) -> Actor:
        return cls(type=cls.USER, id=user.public_id, role=user.role, email=user.email,
                   organization=user.organization, ip=ip, user_pk=user.pk)

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "id": self.id, "email": self.email}
