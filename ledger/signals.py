"""Every organisation gets its chart of accounts when it is created. The receiver only calls the
service; the rule lives in ledger.services."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from identity.models import Organization


@receiver(post_save, sender=Organization, dispatch_uid="ledger_chart_for_new_organization")
def _chart_for_new_organization(sender, instance: Organization, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        from ledger.services import chart_of_accounts_ensure

        chart_of_accounts_ensure(organization=instance)
