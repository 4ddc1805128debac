from django.apps import AppConfig


class AchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ach"
    verbose_name = "ACH debits and returns"
