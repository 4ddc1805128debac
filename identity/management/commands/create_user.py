"""manage.py create_user --email E --password P --role R --organization SLUG"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError
from django.db import transaction

from identity.models import Role
from identity.services import organization_get_or_create, user_create
from oracle_ledger.errors import DomainError


class Command(BaseCommand):
    help = "Create a user (and its organisation when it does not exist yet)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--organization", required=True, metavar="SLUG")
        parser.add_argument("--staff", action="store_true", help="May also log into the Django admin.")

    def handle(self, *args, email, password, role, organization, staff, **options):
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError("Password rejected: " + " ".join(exc.messages)) from exc
        try:
            with transaction.atomic():
                org, created = organization_get_or_create(slug=organization)
                user = user_create(email=email, password=password, role=role, organization=org, is_staff=staff)
        except DomainError as exc:
            raise CommandError(f"{exc.message} {exc.details}") from exc
        if created:
            self.stdout.write(f"Created organisation {org.slug} (id {org.public_id})")
        self.stdout.write(f"Created user {user.email} (id {user.public_id}, role {role}) in {org.slug} ({org.public_id})")
