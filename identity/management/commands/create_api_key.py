"""manage.py create_api_key --name N --role R --organization SLUG [--expires-in-days N]

The key is printed once, alone on the last line, so scripts can take it with `tail -n 1`."""

from __future__ import annotations

from datetime import timedelta

from django.core.management import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from identity.models import Role
from identity.services import api_key_create, organization_get_or_create
from oracle_ledger.actors import Actor
from oracle_ledger.errors import DomainError


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = "Create an API key (and its organisation when missing); prints the key once, on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--organization", required=True, metavar="SLUG")
        parser.add_argument("--expires-in-days", type=positive_int, default=None, metavar="N")

    def handle(self, *args, name, role, organization, expires_in_days, **options):
        expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        try:
            with transaction.atomic():
                org, created = organization_get_or_create(slug=organization)
                new = api_key_create(name=name, role=role, organization=org, expires_at=expires_at,
                                     actor=Actor.system(organization=org, name="manage.py create_api_key"))
        except DomainError as exc:
            raise CommandError(f"{exc.message} {exc.details}") from exc
        if created:
            self.stdout.write(f"Created organisation {org.slug} (id {org.public_id})")
        key = new.api_key
        self.stdout.write(f"Created API key {key.public_id} ({key.prefix}…) role {role} for {org.slug} "
                          f"({org.public_id}), expires {key.expires_at.isoformat() if key.expires_at else 'never'}.")
        self.stdout.write("Store it now; it is not shown again:")
        self.stdout.write(new.secret)
