"""Sends the sandbox's models to their own connection ("stripe_sandbox").

That alias points at the same database as "default" (in tests: the same test database), but it is
a separate connection, so what "Stripe" commits is independent of the caller's transaction, as a
remote Stripe would be: a caller's rollback never undoes it and a sandbox call never waits on the
caller's locks."""

from __future__ import annotations

from stripe_sandbox import DB

APP = "stripe_sandbox"


class SandboxRouter:
    def db_for_read(self, model, **hints):
        return DB if model._meta.app_label == APP else None

    def db_for_write(self, model, **hints):
        return DB if model._meta.app_label == APP else None

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, **hints):
        # Both aliases are one physical database with one django_migrations table: migrating
        # through either must do the same thing (refusing other apps on "stripe_sandbox" would
        # record their migrations as applied without creating their tables).
        return None
