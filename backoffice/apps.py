from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Back-office menus and access policies"

    def ready(self) -> None:
        from django.db.models.signals import pre_delete

        from backoffice.services.assignments import member_deleting, members_deleting
        from identities.models import Member
        from identities.services.hooks import on_identities_delete

        # what hangs on a membership goes with it, recorded: identities deleted below (the
        # identity admin, CustomerID's Remove), or a member deleted in the admin
        on_identities_delete(members_deleting)
        pre_delete.connect(member_deleting, sender=Member,
                           dispatch_uid="backoffice.member_deleting")
