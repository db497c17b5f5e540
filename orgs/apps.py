from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "orgs"

    def ready(self) -> None:
        from orgs import access

        access.sections_register()  # the effective-access panel's placement and roles
