from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from accounts.services import identities_unbind
        from identities.services.hooks import on_identities_delete

        # an identity deleted below (the identity admin, CustomerID's Remove) unbinds first
        on_identities_delete(identities_unbind)
        from accounts import access

        access.sections_register()  # the effective-access panel's bindings
