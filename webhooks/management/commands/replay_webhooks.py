"""`manage.py replay_webhooks [--status failed] [--type X] [--from DATE --to DATE] [--dry-run]`:
put stored events back through their handlers (the admin's replay, in bulk), with a progress bar
and a summary. Dates are YYYY-MM-DD (UTC, `--to` exclusive) or ISO times, on `received_at`."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date, parse_datetime
from tqdm import tqdm

from oracle_ledger.actors import Actor
from webhooks.models import WebhookEvent
from webhooks.selectors import webhook_event_list
from webhooks.services import webhook_event_replay


def _moment(text: str | None, option: str) -> datetime | None:
    if not text:
        return None
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise CommandError(f"{option}: expected YYYY-MM-DD or an ISO time, got {text!r}")
        moment = datetime(day.year, day.month, day.day)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Replay stored Stripe webhook events through their handlers."

    def add_arguments(self, parser):
        parser.add_argument("--status", choices=WebhookEvent.Status.values, default=WebhookEvent.Status.FAILED,
                            help="Events in this status (default: failed).")
        parser.add_argument("--type", help="Only this event type, e.g. payment_intent.succeeded.")
        parser.add_argument("--from", dest="date_from", help="Received at or after (YYYY-MM-DD or ISO time).")
        parser.add_argument("--to", dest="date_to", help="Received before (YYYY-MM-DD or ISO time).")
        parser.add_argument("--dry-run", action="store_true", help="Count, replay nothing.")

    def handle(self, *args, **options):
        received_from = _moment(options["date_from"], "--from")
        received_to = _moment(options["date_to"], "--to")
        if received_from and received_to and received_from >= received_to:
            raise CommandError("--from must be before --to")
        events = webhook_event_list(status=options["status"], type=options["type"], received_from=received_from,
                                    received_to=received_to)
        total = events.count()
        if options["dry_run"]:
            self.stdout.write(f"{total} event(s) would be replayed.")
            return
        actor = Actor.system(name="replay_webhooks")
        queued = skipped = 0
        for event in tqdm(events.iterator(chunk_size=500), total=total, unit="event", file=sys.stderr,
                          disable=total == 0):
            if webhook_event_replay(event=event, actor=actor):
                queued += 1
            else:
                skipped += 1
        self.stdout.write(self.style.SUCCESS(
            f"Replayed {queued} of {total} event(s) (status={options['status']}"
            + (f", type={options['type']}" if options["type"] else "") + f"); {skipped} skipped (in progress)."))
