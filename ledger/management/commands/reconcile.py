"""`manage.py reconcile --from YYYY-MM-DD --to YYYY-MM-DD [--organization SLUG]`: compare the ledger
with Stripe's balance transactions, record a run per organisation, print every difference.
Without `--organization` (ops) it also records the platform-level run: Stripe transactions that
belong to no organisation, listed as `unattributed` (never shown in any organisation's run).
Exit status 1 when any difference exists (scripts and cron can alert on it), 0 when clean."""

from __future__ import annotations

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from identity.models import Organization
from ledger.services import reconciliation_run
from oracle_ledger.actors import Actor
from oracle_ledger.errors import DomainError

COLUMNS = [("kind", "Difference"), ("reference", "Stripe object"), ("stripeAmount", "Stripe amount"),
           ("ledgerAmount", "Ledger amount"), ("stripeFee", "Stripe fee"), ("ledgerFee", "Ledger fee"),
           ("currency", "Currency")]


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Reconcile the ledger with Stripe's balance transactions for a period."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, type=_date)
        parser.add_argument("--to", dest="date_to", required=True, type=_date)
        parser.add_argument("--organization",
                            help="organisation slug (default: every organisation, then the unattributed)")

    def handle(self, *args, date_from: dt.date, date_to: dt.date, organization: str | None, **options):
        orgs = Organization.objects.order_by("slug")
        if organization:
            orgs = orgs.filter(slug=organization)
            if not orgs:
                raise CommandError(f"no organisation with slug {organization!r}")
        differences = 0
        for org in orgs:
            differences += self._reconcile(org, date_from, date_to)
        if not organization:
            differences += self._reconcile(None, date_from, date_to)
        if differences:
            sys.exit(1)

    def _reconcile(self, org: Organization | None, date_from: dt.date, date_to: dt.date) -> int:
        label = org.slug if org else "platform (unattributed)"

        def progress(days, total):
            return tqdm(days, total=total, desc=f"{label}: Stripe days", unit="day", file=self.stderr._out,
                        disable=None)

        try:
            run = reconciliation_run(organization=org, date_from=date_from, date_to=date_to,
                                     actor=Actor.system(organization=org, name="manage.py reconcile"), progress=progress)
        except DomainError as exc:
            raise CommandError(f"{label}: {exc.message} {exc.details or ''}".strip()) from exc
        counted = "attributed to an organisation" if org is None else "in the ledger"
        self.stdout.write(f"{label} {date_from}..{date_to}: {run.stripe_count} Stripe objects, "
                          f"{run.ledger_count} {counted}, {run.difference_count} differences (run {run.public_id})")
        if run.differences:
            self.stdout.write(_table(run.differences))
        return run.difference_count


def _table(rows: list[dict]) -> str:
    cells = [[title for _, title in COLUMNS]] + [
        ["" if row.get(key) is None else str(row.get(key)) for key, _ in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
