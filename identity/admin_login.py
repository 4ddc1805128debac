"""The admin's login obeys the API login's rules (DESIGN §5): failed attempts are limited per email
whatever address they come from, and every attempt, good or bad, is audited. Staff accounts are
the most privileged ones; their door must not be the unguarded one."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from audit.services import audit_record
from identity.services import login_failure_audit
from oracle_ledger.actors import Actor
from oracle_ledger.api.ratelimit import login_failure_note, login_failures_guard
from oracle_ledger.errors import RateLimitExceededError


class GuardedAdminAuthenticationForm(AdminAuthenticationForm):
    def clean(self):
        email = (self.cleaned_data.get("username") or "").strip()
        try:
            login_failures_guard(self.request, email)
        except RateLimitExceededError as exc:
            raise ValidationError(exc.message, code="rate_limited") from exc
        try:
            cleaned = super().clean()
        except ValidationError:
            login_failure_note(self.request, email)
            login_failure_audit(request=self.request, email=email, via="admin")
            raise
        user = self.get_user()
        audit_record(actor=Actor.for_user(user, ip=self.request.META.get("REMOTE_ADDR")), action="auth.login",
                     target_type="user", target_id=user.public_id, organization=user.organization,
                     request=self.request, metadata={"via": "admin"})
        return cleaned
