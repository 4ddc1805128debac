"""A demo organisation with one user per role. Passwords are generated on the first run and kept
under `.data/` (readable by the owner only), so every later run prints the same credentials."""

from __future__ import annotations

import json
import os
import secrets

from django.core.management import BaseCommand
from django.db import transaction

from identity.models import Organization, Role, User
from oracle_ledger import embedded


class Command(BaseCommand):
    help = "Create the demo organisation and one user per role, printing their credentials."

    def handle(self, *args, **options):
        path = embedded.DATA_DIR / "demo-credentials.json"
        saved = json.loads(path.read_text()) if path.exists() else {}
        with transaction.atomic():
            org, _ = Organization.objects.get_or_create(slug="demo", defaults={"name": "Demo organisation"})
            for role in Role:
                email = f"{role.value.replace('_', '-')}@demo.oracle-ledger.local"
                password = saved.get(email) or secrets.token_urlsafe(12)
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = User.objects.create_user(
                        email, password, organization=org, role=role.value,
                        is_staff=role in (Role.ADMIN, Role.ACCOUNTANT, Role.FINANCE_MANAGER,
                                          Role.COMPLIANCE_OFFICER, Role.AUDITOR),
                        is_superuser=False)  # the demo admin is an organisation admin, not a superuser
                elif email not in saved:
                    user.set_password(password)
                    user.save(update_fields=["password"])
                if user.is_superuser:  # demo databases seeded before admins stopped being superusers
                    User.objects.filter(pk=user.pk).update(is_superuser=False)
                saved[email] = password
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as fh:
            json.dump(saved, fh, indent=2)
        os.replace(tmp, path)
        self.stdout.write(f"Demo organisation: {org.name} (slug {org.slug}, id {org.public_id})")
        for email, password in saved.items():
            role = User.objects.filter(email=email).values_list("role", flat=True).first()
            self.stdout.write(f"  {role:<20} {email:<48} {password}")
