"""`manage.py stripe_sandbox <subcommand>`: reset, status, and those other modules register
(stripe_sandbox.commands.subcommand)."""

from __future__ import annotations

from django.core.management import BaseCommand

from stripe_sandbox.commands import SUBCOMMANDS


class Command(BaseCommand):
    help = "Operate the offline Stripe sandbox."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, command in sorted(SUBCOMMANDS.items()):
            child = sub.add_parser(name, help=command.help)
            if command.arguments:
                command.arguments(child)

    def handle(self, *args, subcommand: str, **options):
        options = {k: v for k, v in options.items() if k not in ("stdout", "stderr")}
        SUBCOMMANDS[subcommand].handler(self.stdout, **options)
