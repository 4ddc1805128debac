"""manage.py revoke_api_key <key id or prefix>"""

from __future__ import annotations

from django.core.management import BaseCommand, CommandError

from identity.selectors import api_key_find
from identity.services import api_key_revoke
from oracle_ledger.actors import Actor
from oracle_ledger.errors import ResourceNotFoundError


class Command(BaseCommand):
    help = "Revoke an API key at once, by its id (key_…) or its visible prefix (olk_test_ab12cd34)."

    def add_arguments(self, parser):
        parser.add_argument("key", metavar="KEY_ID_OR_PREFIX")

    def handle(self, *args, key, **options):
        try:
            api_key = api_key_find(ref=key.strip())
        except ResourceNotFoundError as exc:
            raise CommandError(exc.message) from exc
        was_revoked = api_key.is_revoked
        api_key = api_key_revoke(api_key=api_key, actor=Actor.system(organization=api_key.organization,
                                                                     name="manage.py revoke_api_key"))
        state = "was already revoked" if was_revoked else "revoked"
        self.stdout.write(f"API key {api_key.public_id} ({api_key.prefix}…) {state} at {api_key.revoked_at.isoformat()}.")
