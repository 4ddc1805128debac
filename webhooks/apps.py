from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Stripe webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from webhooks import registry

        # Every app's `webhook_handlers.py` registers its handlers here, so a later app (payments,
        # ACH, direct deposit) plugs in without touching this one (issue 8).
        registry.discover()
