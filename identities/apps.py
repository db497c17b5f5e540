from django.apps import AppConfig


class IdentitiesConfig(AppConfig):
    name = "identities"
    verbose_name = "Identities and API clients"

    def ready(self) -> None:
        from identities.queries.access import sections_register
        from identities.services import holders  # noqa: F401  (registers tenant memberships)

        sections_register()  # the effective-access panel's memberships and clients
