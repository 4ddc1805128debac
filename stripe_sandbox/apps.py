import importlib
import pkgutil

from django.apps import AppConfig


class StripeSandboxConfig(AppConfig):
    name = "stripe_sandbox"
    verbose_name = "Stripe sandbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Routes, transition kinds and subcommands register themselves on import; importing every
        # resource module here means a new resource only needs its file (engineer B adds modules).
        from stripe_sandbox import resources

        for info in pkgutil.iter_modules(resources.__path__):
            importlib.import_module(f"{resources.__name__}.{info.name}")
        importlib.import_module("stripe_sandbox.commands")
