from django.apps import AppConfig


class FoundationConfig(AppConfig):
    name = "foundation"
    verbose_name = "Foundation"

    def ready(self) -> None:
        from foundation.consistency import checks  # noqa: F401 (registers the check)
