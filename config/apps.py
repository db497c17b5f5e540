from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """Registers the project-wide management commands (load_demo, ensure_admin)."""

    name = "config"
    verbose_name = "Tessera"
