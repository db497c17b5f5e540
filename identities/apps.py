from django.apps import AppConfig


class IdentitiesConfig(AppConfig):
    name = "identities"
    verbose_name = "Identities and API clients"

    def ready(self) -> None:
        from identities import holders  # noqa: F401  (registers tenant memberships)
        from identities.access import sections_register

        sections_register()  # the effective-access panel's memberships and clients
