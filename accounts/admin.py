"""The operator console of the accounts context: accounts with their sources and users per
connector (pending users marked), the linked organization (and, on the organization's page,
its account), History pages. Sources and users are written by the connectors; the operator
removes an account, through the services, like a connector's last `null` would."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from accounts import queries, services
from accounts.models import Account, AccountSource, AccountUser
from audit.admin.mixins import ChangeHistoryMixin, ReadOnlyAdmin
from audit.admin.people import PeopleNamedMixin
from audit.people import named
from foundation.admin.mixins import ReadOnlyInline, ServiceErrorsMixin
from orgs.admin import OrganizationAdmin
from orgs.models import Organization


def _link(model: str, pk, text) -> str:
    return format_html("<a href='{}'>{}</a>", reverse(f"admin:{model}_change", args=[pk]), text)


class SourceInline(ReadOnlyInline):
    model = AccountSource
    show_change_link = False
    fields = readonly_fields = ("connector", "external_id", "name", "modified")
    verbose_name_plural = "sources (each connector's external account)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("connector").order_by(
            "connector", "external_id")


class UserInline(ReadOnlyInline):
    model = AccountUser
    show_change_link = False
    fields = readonly_fields = ("connector", "external_id", "who", "mirror")
    verbose_name_plural = "users (per connector; pending until the Users API names them)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("connector", "identity").order_by(
            "connector", "external_id")

    @admin.display(description="identity")
    def who(self, obj: AccountUser):
        if obj.identity_id is None:
            return format_html("<strong>{}</strong>", "pending")
        return _link("identities_identity", obj.identity_id, obj.identity)

    @admin.display(description="may act for (authorisation)")
    def mirror(self, obj: AccountUser):
        if obj.authorisation_id is None:
            return "—"
        return _link("authorisations_authorisation", obj.authorisation_id, "ainua")


class PendingFilter(admin.SimpleListFilter):
    title = "users"
    parameter_name = "pending"

    def lookups(self, request, model_admin):
        return [("yes", "With pending users"), ("no", "No pending user")]

    def queryset(self, request, queryset):
        pending = Exists(AccountUser.objects.filter(account=OuterRef("pk"),
                                                    identity__isnull=True))
        if self.value() == "yes":
            return queryset.filter(pending)
        if self.value() == "no":
            return queryset.exclude(pending)
        return queryset


@admin.register(Account)
class AccountAdmin(ServiceErrorsMixin, ChangeHistoryMixin, admin.ModelAdmin):
    list_display = ("name", "common_id", "source_count", "user_count", "organization")
    search_fields = ("=common_id", "name", "=sources__external_id")
    list_filter = (PendingFilter,)
    fields = readonly_fields = ("common_id", "name", "organization", "created", "modified")
    inlines = [SourceInline, UserInline]

    def get_queryset(self, request):
        return queries.with_organization(super().get_queryset(request)).annotate(
            source_count=Count("sources", distinct=True),
            user_count=Count("users", distinct=True))

    def get_search_results(self, request, queryset, search_term):
        found, _ = super().get_search_results(request, queryset, search_term)
        return found.distinct(), False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="sources", ordering="source_count")
    def source_count(self, obj):
        return obj.source_count

    @admin.display(description="users", ordering="user_count")
    def user_count(self, obj):
        return obj.user_count

    @admin.display(description="organization")
    def organization(self, obj: Account):
        pk = getattr(obj, "organization_pk", None)
        if pk is None:
            return "—"
        return _link("orgs_organization", pk, obj.organization_path)

    def get_deleted_objects(self, objs, request):
        """What a removal takes with it (the services remove sources and users first, so
        their protection of the account does not stand in the way)."""
        shown = []
        for account in objs:
            shown += [str(account), [f"source {s.external_id} ({s.connector})"
                                     for s in account.sources.select_related("connector")]
                      + [f"user {u.external_id}" for u in account.users.all()]]
        return shown, {"accounts": len(objs)}, set(), []

    def delete_model(self, request, obj):
        services.account_delete(account=obj)

    def delete_queryset(self, request, queryset):
        for account in queryset:
            services.account_delete(account=account)


@admin.register(AccountUser)
class AccountUserAdmin(PeopleNamedMixin, ChangeHistoryMixin, ReadOnlyAdmin):
    """Every binding, searchable by user external id; read-only (connectors write them)."""

    list_display = ("external_id", "connector", "account", "identity", "mirror")
    list_select_related = ("connector", "account", "identity", "authorisation")
    list_filter = (("identity", admin.EmptyFieldListFilter),)
    search_fields = ("=external_id", "=account__common_id", "identity__email")
    fields = readonly_fields = ("account", "connector", "external_id", "identity",
                                "mirror", "created")

    def person_texts(self, obj: AccountUser) -> list:
        # the mirror authorisation reads `subject ← object`: ids, named
        return [str(obj.authorisation)] if obj.authorisation_id else []

    object_texts = person_texts

    @admin.display(description="authorisation", ordering="authorisation")
    def mirror(self, obj: AccountUser):
        if obj.authorisation_id is None:
            return "—"
        return _link("authorisations_authorisation", obj.authorisation_id,
                     named(obj, str(obj.authorisation)))


admin.site.unregister(Organization)


@admin.register(Organization)
class OrganizationWithAccountAdmin(OrganizationAdmin):
    """CustomerID's organization admin, showing the Ainua account a top-level organization
    links to (the account whose common id is its organizationId)."""

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "ainua_account") if obj else fields

    @admin.display(description="Ainua account")
    def ainua_account(self, obj: Organization):
        rows = queries.accounts_of(obj)
        if not rows:
            return "—"
        return format_html_join(", ", "{}", ((_link("accounts_account", a.pk, a),)
                                             for a in rows))
