"""The operator console of the back-office catalogs and of what members are given of them.
Every write goes through backoffice.services (catalog entries and assignments), so the admin leaves
the same change records as the API and the import."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.db.models import Case, IntegerField, Value, When
from django.utils.html import format_html

from audit.admin.mixins import ChangeHistoryMixin
from backoffice import queries
from backoffice.models import AccessPolicy, AccessPolicyGroup, MemberBackOffice, Menu
from backoffice.queries import tree_order
from backoffice.services import assignments
from backoffice.services.catalog import entry_delete, entry_save
from foundation.admin.mixins import ServiceErrorsMixin


class TreeChangeList(ChangeList):
    """The menu list in tree order (tenant, then each tree depth-first), each row knowing
    its depth."""

    def __init__(self, request, *args, **kwargs):
        request._menu_tree = True
        super().__init__(request, *args, **kwargs)

    def get_ordering(self, request, queryset):
        return ["tenant", "tree_order", "pk"]

    def get_results(self, request):
        super().get_results(request)
        depths = getattr(request, "_menu_depths", {})
        for menu in self.result_list:
            menu.tree_depth = depths.get(menu.pk, 0)


class CatalogEntryAdmin(ServiceErrorsMixin, ChangeHistoryMixin, admin.ModelAdmin):
    """Saves and deletes through the catalog services."""

    def save_model(self, request, obj, form, change):
        entry_save(entry=obj, created=not change)

    def delete_model(self, request, obj):
        entry_delete(entry=obj)

    def delete_queryset(self, request, queryset):
        for entry in queryset:
            entry_delete(entry=entry)


@admin.register(Menu)
class MenuAdmin(CatalogEntryAdmin):
    """Each tenant's menus as a tree: in tree order, indented by depth."""

    list_display = ("tree_name", "key", "id", "tenant", "position")
    list_filter = ("tenant",)
    list_select_related = ("tenant",)
    search_fields = ("key", "name", "=id")
    fields = ("tenant", "key", "name", "parent", "position")
    list_per_page = 500

    def get_changelist(self, request, **kwargs):
        return TreeChangeList

    def get_queryset(self, request):
        """On the list, annotated with each menu's place in its tenant's tree (one query
        reads the catalogs; the depth is kept for `tree_name`)."""
        queryset = super().get_queryset(request)
        if getattr(request, "_menu_tree", False):
            rows = tree_order(list(Menu.objects.order_by("position", "id")))
            request._menu_depths = {menu.id: menu.depth for menu in rows}
            places = [When(pk=menu.id, then=Value(n)) for n, menu in enumerate(rows)]
            queryset = queryset.annotate(tree_order=Case(
                *places, default=Value(0), output_field=IntegerField())
                if places else Value(0, output_field=IntegerField()))
        return queryset

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and "parent" in form.base_fields:  # the same tenant's menus
            form.base_fields["parent"].queryset = Menu.objects.filter(
                tenant_id=obj.tenant_id).exclude(pk=obj.pk)
        return form

    def get_readonly_fields(self, request, obj=None):
        return ("tenant",) if obj else ()  # a menu never moves to another tenant

    @admin.display(description="menu")
    def tree_name(self, obj):
        depth = getattr(obj, "tree_depth", 0)
        # indented with em and en spaces (1.5 em a level): the CSP allows no inline style
        return format_html("{}{}{}", "\u2003\u2002" * depth, "└ " if depth else "", obj.name)


class AccessPolicyInline(admin.TabularInline):
    model = AccessPolicy
    fields = ("key", "name", "position")
    extra = 1
    show_change_link = True


@admin.register(AccessPolicyGroup)
class AccessPolicyGroupAdmin(CatalogEntryAdmin):
    """A group with its policies inline; each policy saved or deleted through the services."""

    list_display = ("name", "key", "id", "tenant", "position")
    list_filter = ("tenant",)
    list_select_related = ("tenant",)
    search_fields = ("key", "name", "=id")
    inlines = [AccessPolicyInline]

    def get_readonly_fields(self, request, obj=None):
        return ("tenant",) if obj else ()

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            entry_delete(entry=obj)
        for policy in formset.new_objects:
            entry_save(entry=policy, created=True)
        for policy, _ in formset.changed_objects:
            entry_save(entry=policy, created=False)


@admin.register(AccessPolicy)
class AccessPolicyAdmin(CatalogEntryAdmin):
    list_display = ("name", "key", "id", "group")
    list_filter = ("group__tenant",)
    list_select_related = ("group", "group__tenant")
    search_fields = ("key", "name", "=id", "group__key")


class MemberBackOfficeForm(forms.ModelForm):
    """A member's menus, default menus and access policies, of its tenant's catalog."""

    menus = forms.ModelMultipleChoiceField(
        queryset=Menu.objects.none(), required=False,
        widget=FilteredSelectMultiple("menus", is_stacked=False))
    default_menus = forms.ModelMultipleChoiceField(
        queryset=Menu.objects.none(), required=False,
        help_text="Each among the menus; the first in catalog order is the DefaultMenuId.")
    access_policies = forms.ModelMultipleChoiceField(
        queryset=AccessPolicy.objects.none(), required=False,
        widget=FilteredSelectMultiple("access policies", is_stacked=False))

    class Meta:
        model = MemberBackOffice
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        member = self.instance
        menus = Menu.objects.filter(tenant_id=member.tenant_id).order_by("position", "id")
        for name in ("menus", "default_menus"):
            self.fields[name].queryset = menus
        self.fields["access_policies"].queryset = AccessPolicy.objects.filter(
            group__tenant_id=member.tenant_id).select_related("group")
        if member.pk:
            given = queries.member_menus(member)
            self.fields["menus"].initial = [menu.pk for menu in given.menus]
            self.fields["default_menus"].initial = given.default_ids
            self.fields["access_policies"].initial = queries.member_policy_ids(member)


@admin.register(MemberBackOffice)
class MemberBackOfficeAdmin(ServiceErrorsMixin, ChangeHistoryMixin, admin.ModelAdmin):
    """What a member (an identity in a tenant) is given of the tenant's catalog, replaced
    through backoffice.services.assignments. Members are made and removed on the member's page."""

    form = MemberBackOfficeForm
    list_display = ("id", "tenant", "identity", "is_enabled")
    list_filter = ("tenant",)
    list_select_related = ("tenant", "identity")
    search_fields = ("=id", "identity__username")
    fields = ("tenant", "identity", "menus", "default_menus", "access_policies")
    readonly_fields = ("tenant", "identity")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        menus = [menu.pk for menu in data["menus"]]
        assignments.member_menus_set(
            member=obj, menu_ids=menus,
            default_menu_ids=[menu.pk for menu in data["default_menus"]])
        assignments.member_policies_set(
            member=obj, policy_ids=[policy.pk for policy in data["access_policies"]])
