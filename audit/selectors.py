"""Reads of the audit log that the API, the export and the admin share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from audit.filters import audit_entry_filter
from audit.models import AuditEntry
from oracle_ledger.actors import Actor
from oracle_ledger.api.permissions import Capability, org_scoped


def audit_entry_list(*, actor: Actor, filters: Mapping[str, Any]) -> QuerySet[AuditEntry]:
    """The caller's organisation's entries, filtered, newest first (chain order, which the
    timestamps follow). No joins: the organisation's public id is stored on the row."""
    entries = org_scoped(AuditEntry.objects.all(), actor, Capability.AUDIT_READ, owner_field=None)
    return audit_entry_filter(filters, entries).order_by("-id")
