from django.apps import AppConfig


class DirectDepositConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "direct_deposit"
    verbose_name = "Direct deposit"
