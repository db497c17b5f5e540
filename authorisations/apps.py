from django.apps import AppConfig


class AuthorisationsConfig(AppConfig):
    name = "authorisations"

    def ready(self) -> None:
        from authorisations.holders import holders_register

        holders_register()  # authorisations naming a person hold its identity
        from authorisations.queries import access

        access.sections_register()  # the effective-access panel's authorisations
