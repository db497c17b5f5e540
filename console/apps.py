from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The operators' console beyond each app's pages: the index dashboard and the log of
    refused API requests it shows."""

    name = "console"
    verbose_name = "Console"
    default_auto_field = "django.db.models.BigAutoField"
