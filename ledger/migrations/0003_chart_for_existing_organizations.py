"""Organisations created before the ledger existed get their chart of accounts (DESIGN §7); new
ones get it from ledger.services.chart_of_accounts_ensure on creation."""

from django.db import migrations

from ledger.chart import CHART, DEFAULT_CURRENCY


def seed(apps, schema_editor):
    Organization = apps.get_model("identity", "Organization")
    Account = apps.get_model("ledger", "Account")
    for org in Organization.objects.all():
        Account.objects.bulk_create(
            [Account(organization=org, code=a.code, name=a.name, type=a.type, normal_balance=a.normal_balance,
                     currency=DEFAULT_CURRENCY) for a in CHART],
            ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_journal_guards")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
