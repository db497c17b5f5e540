"""Operator console of the organization tree. Every write goes through orgs.services."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from audit.admin.access import EffectiveAccessMixin
from audit.admin.mixins import ChangeHistoryMixin
from audit.admin.people import PeopleNamedMixin
from foundation.admin.mixins import ReadOnlyInline, ServiceErrorsMixin
from foundation.admin.names import WordLabelsMixin
from identities.admin.reach import GrantedClientsMixin
from orgs import conf, services
from orgs.admin import tree as admin_tree
from orgs.admin.names import user_label, user_name
from orgs.errors import AlreadyExistsError, ParentNotNonVirtualError, ParentNotVirtualError
from orgs.hetu import hetu_mask
from orgs.models import SUBTREES, Assignment, Organization, OrgUser, Role


class RoleInline(ReadOnlyInline):
    model = Role
    fields = ("name", "created_at")
    readonly_fields = fields


class UserInline(ReadOnlyInline):
    model = OrgUser
    fields = ("user_name", "uid", "status")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("identity", "organization")

    @admin.display(description="name", ordering="name")
    def user_name(self, obj: OrgUser) -> str:
        return user_name(obj)


class ChildInline(ReadOnlyInline):
    model = Organization
    fk_name = "parent"
    verbose_name = "sub-organization"
    verbose_name_plural = "sub-organizations"
    fields = ("name", "friendly_name", "org_type", "virtual")
    readonly_fields = fields


class OrganizationForm(forms.ModelForm):
    org_type = forms.ChoiceField(label="Organization type", required=False)

    class Meta:
        model = Organization
        fields = ("parent", "name", "friendly_name", "org_type", "virtual", "attributes")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_type"].choices = [("", "—")] + [
            (name, name) for name in sorted(conf.organization_types())]


@admin.register(Organization)
class OrganizationAdmin(ServiceErrorsMixin, PeopleNamedMixin, GrantedClientsMixin,
                        ChangeHistoryMixin, WordLabelsMixin, admin.ModelAdmin):
    form = OrganizationForm
    reach_realm = SUBTREES
    list_display = ("indented", "friendly_name", "org_type", "virtual", "sub_organizations",
                    "user_count", "role_count")
    list_filter = ("org_type", "virtual", "depth")
    labels = {"name": "Organization id", "friendly_name": "Friendly name",
              "org_type": "Organization type"}
    search_fields = ("name", "path", "friendly_name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    inlines = [ChildInline, RoleInline, UserInline]
    ordering = ("path",)
    # a refusal shown on the field it is about (foundation.admin.mixins.ServiceErrorsMixin)
    service_error_fields = {AlreadyExistsError: "name", ParentNotVirtualError: "parent",
                            ParentNotNonVirtualError: "parent"}

    def get_queryset(self, request):
        return admin_tree.with_counts(super().get_queryset(request))

    def get_inline_instances(self, request, obj=None):
        # the inlines only show what an organization holds: a new one holds nothing
        return super().get_inline_instances(request, obj) if obj else []

    @admin.display(description="organization", ordering="path")
    def indented(self, obj: Organization):
        # indented with em and en spaces (1.5 em a level): the CSP allows no inline style
        return format_html("{}{}", "\u2003\u2002" * obj.depth, obj.name)

    @admin.display(description="sub-organizations", ordering="n_children")
    def sub_organizations(self, obj: Organization) -> int:
        return obj.n_children

    @admin.display(description="users", ordering="n_users")
    def user_count(self, obj: Organization) -> int:
        return obj.n_users

    @admin.display(description="roles", ordering="n_roles")
    def role_count(self, obj: Organization) -> int:
        return obj.n_roles

    @admin.display(description="add here")
    def add_here(self, obj: Organization):
        links = [("admin:orgs_organization_add", {"parent": obj.pk}, "sub-organization"),
                 ("admin:orgs_orguser_add", {"organization": obj.pk}, "user"),
                 ("admin:orgs_role_add", {"organization": obj.pk}, "role")]
        return format_html_join(" · ", '<a href="{}?{}">Add {} here</a>',
                                ((reverse(name), urlencode(query), label)
                                 for name, query, label in links))

    def get_readonly_fields(self, request, obj=None):
        return ("parent", "name", "virtual", "path", "add_here") if obj else ("path",)

    def get_urls(self):
        tree = path("tree/", self.admin_site.admin_view(self.tree_view),
                    name="orgs_organization_tree")
        return [tree, *super().get_urls()]

    def tree_view(self, request):
        """The tree, collapsible (<details>: no script), with counts per node; `?root=`
        roots it at an organization."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        root = None
        if request.GET.get("root", "").isdigit():
            root = Organization.objects.filter(pk=int(request.GET["root"])).first()
        nodes, cut = admin_tree.tree(root)
        context = {**self.admin_site.each_context(request), "opts": self.opts,
                   "title": f"Organization tree{f' below {root}' if root else ''}",
                   "nodes": nodes, "cut": cut, "limit": admin_tree.TREE_LIMIT, "root": root}
        return TemplateResponse(request, "admin/orgs/organization/tree.html", context)

    def get_deleted_objects(self, objs, request):
        """What a recursive removal takes — the subtree, its users and roles — listed on the
        confirmation page (Django's own collector stops at the protecting foreign keys)."""
        subtree = admin_tree.subtree_of(list(objs))
        listed = [_linked(org, "orgs_organization") for org in subtree.organizations]
        listed += [_linked(user, "orgs_orguser", f"user {user.organization.path}/{user.name}")
                   for user in subtree.users]
        listed += [_linked(role, "orgs_role", f"role {role}") for role in subtree.roles]
        counts = {"organizations": len(subtree.organizations), "users": len(subtree.users),
                  "roles": len(subtree.roles)}
        needed = {model._meta.verbose_name for model, rows in
                  ((Organization, subtree.organizations), (OrgUser, subtree.users),
                   (Role, subtree.roles))
                  if rows and not request.user.has_perm(
                      f"orgs.delete_{model._meta.model_name}")}
        return listed, {k: v for k, v in counts.items() if v}, needed, []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.organization_update(
                organization=obj, friendly_name=data["friendly_name"],
                organization_type=data["org_type"],
                attributes=_attribute_changes(obj, data.get("attributes")),
            )
        else:
            saved = services.organization_create(
                parent=data.get("parent"), organization_id=data["name"],
                friendly_name=data["friendly_name"], organization_type=data["org_type"] or None,
                virtual=data["virtual"], attributes=data.get("attributes") or {},
            )
            obj.pk, obj.path, obj.depth = saved.pk, saved.path, saved.depth  # named in the message

    def delete_model(self, request, obj):
        services.organization_delete(organization=obj, recursive=True)

    def delete_queryset(self, request, queryset):
        for org in queryset.order_by("-depth"):
            if Organization.objects.filter(pk=org.pk).exists():
                services.organization_delete(organization=org, recursive=True)


def _linked(obj, admin_name: str, text: str | None = None):
    return format_html('<a href="{}">{}</a>', reverse(f"admin:{admin_name}_change",
                                                      args=[obj.pk]), text or str(obj))


def _attribute_changes(obj, new: dict | None) -> dict:
    """The admin edits the whole attribute map: removed names become removals."""
    new = new or {}
    changes: dict = {name: None for name in obj.attributes if name not in new}
    changes.update({name: values if isinstance(values, list) else [str(values)]
                    for name, values in new.items()})
    return changes


class OrgUserForm(forms.ModelForm):
    uid = forms.CharField(required=False, max_length=150)
    email = forms.EmailField(required=False)
    firstname = forms.CharField(required=False, max_length=150)
    surname = forms.CharField(required=False, max_length=150)
    mobile = forms.CharField(required=False, max_length=32)
    new_hetu = forms.CharField(required=False, label="hetu (set a new one)",
                               help_text="Stored validated; shown masked.")

    class Meta:
        model = OrgUser
        fields = ("organization", "name", "locale", "pwd_activated", "status",
                  "attributes")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            identity = self.instance.identity
            self.initial.update(uid=self.instance.uid, email=identity.email,
                                firstname=identity.first_name, surname=identity.last_name,
                                mobile=identity.mobile,
                                status=self.instance.effective_status)
        if "name" in self.fields:
            self.fields["name"].required = False

    def clean_new_hetu(self):
        from orgs.hetu import hetu_clean

        value = self.cleaned_data["new_hetu"]
        return hetu_clean(value) if value else value


class AssignmentInline(ReadOnlyInline):
    model = Assignment
    fields = ("role", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "role__organization", "user__organization", "user__identity")


@admin.register(OrgUser)
class OrgUserAdmin(ServiceErrorsMixin, PeopleNamedMixin, ChangeHistoryMixin, EffectiveAccessMixin,
                   WordLabelsMixin, admin.ModelAdmin):
    form = OrgUserForm
    list_display = ("user_name", "organization", "uid", "effective_status", "masked_hetu",
                    "pwd_activated")
    list_filter = ("identity__is_active", "status", "pwd_activated", "organization__org_type")
    labels = {"pwd_activated": "Password activated", "identity__is_active": "Sign-in enabled",
              "organization__org_type": "Organization type"}
    search_fields = ("name", "identity__username", "identity__email", "identity__first_name",
                     "identity__last_name", "organization__path")
    list_select_related = ("organization", "identity")
    autocomplete_fields = ("organization",)
    readonly_fields = ("masked_hetu", "identity")
    inlines = [AssignmentInline]

    def person_texts(self, obj: OrgUser) -> list:
        return []  # named by their identities (selected with them)

    def object_label(self, obj: OrgUser) -> str:
        return user_label(obj)

    picker_label = object_label  # foundation.admin.pickers: the person, not the id
    picker_select_related = ("organization", "identity")
    user_name = UserInline.user_name

    @admin.display(description="hetu")
    def masked_hetu(self, obj: OrgUser) -> str:
        return hetu_mask(obj.hetu)

    def get_readonly_fields(self, request, obj=None):
        return ((*self.readonly_fields, "organization", "name", "user_name") if obj
                else self.readonly_fields)

    def get_fields(self, request, obj=None):
        # a user's name is its identity's id when it has no uid: shown by the person's name
        fields = super().get_fields(request, obj)
        return [f for f in fields if f != "user_name"] if obj is None else [
            "user_name" if f == "name" else f for f in fields if f != "user_name"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = services.UserFields(
            uid=data["uid"], email=data["email"], firstname=data["firstname"],
            surname=data["surname"], mobile=data["mobile"], locale=data["locale"],
            hetu=data["new_hetu"] or None, pwd_activated=data["pwd_activated"],
            status=data["status"],
            attributes=_attribute_changes(obj, data.get("attributes")) if change
            else data.get("attributes") or {},
        )
        if change:
            services.user_update(user=obj, data=fields)
        else:
            saved = services.user_create(organization=data["organization"],
                                         name=data["name"] or None, data=fields)
            obj.pk, obj.name, obj.identity = saved.pk, saved.name, saved.identity

    def delete_model(self, request, obj):
        services.user_delete(user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.user_delete(user=user)


class RoleForm(forms.ModelForm):
    member_of_roles = forms.ModelMultipleChoiceField(
        queryset=Role.objects.select_related("organization"), required=False,
        label="Member of", help_text="The roles this role is a member of (memberOf).",
        widget=AutocompleteSelectMultiple(Role._meta.get_field("member_of"), admin.site))

    class Meta:
        model = Role
        fields = ("organization", "name")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["member_of_roles"] = list(
                self.instance.parent_links.values_list("member_of_id", flat=True))


@admin.register(Role)
class RoleAdmin(ServiceErrorsMixin, ChangeHistoryMixin, admin.ModelAdmin):
    form = RoleForm
    list_display = ("name", "organization")
    list_filter = ("organization__org_type", "organization__virtual")
    search_fields = ("name", "organization__path")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)
    fields = ("organization", "name", "member_of_roles")

    def get_readonly_fields(self, request, obj=None):
        return ("organization", "name") if obj else ()

    def save_model(self, request, obj, form, change):
        if not change:
            saved = services.role_put(organization=obj.organization, name=obj.name)
            obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        # memberOf through the service (recorded, cycles refused), never the form's m2m save
        services.role_member_of_set(role=form.instance,
                                    member_of=form.cleaned_data["member_of_roles"])

    def delete_model(self, request, obj):
        services.role_delete(role=obj)

    def delete_queryset(self, request, queryset):
        for role in queryset:
            services.role_delete(role=role)


@admin.register(Assignment)
class AssignmentAdmin(ServiceErrorsMixin, PeopleNamedMixin, ChangeHistoryMixin, admin.ModelAdmin):
    list_display = ("user_named", "role", "created_at")
    list_select_related = ("user__organization", "user__identity", "role__organization")
    search_fields = ("user__name", "user__uid", "role__name", "role__organization__path")
    autocomplete_fields = ("user", "role")

    def has_change_permission(self, request, obj=None):
        return False

    def person_texts(self, obj: Assignment) -> list:
        return []  # the user named by its identity (selected with it)

    def object_label(self, obj: Assignment) -> str:
        return f"{user_label(obj.user)} has {obj.role}"

    def get_fields(self, request, obj=None):
        # an assignment is only viewed once made: its user by name
        return ("user_named", "role") if obj else super().get_fields(request, obj)

    @admin.display(description="user", ordering="user__name")
    def user_named(self, obj: Assignment):
        return format_html('<a href="{}">{}</a>', reverse("admin:orgs_orguser_change",
                                                          args=[obj.user_id]), user_label(obj.user))

    def save_model(self, request, obj, form, change):
        saved = services.assignment_create(user=obj.user, role=obj.role)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.assignment_delete(user=obj.user, role=obj.role)

    def delete_queryset(self, request, queryset):
        for assignment in queryset.select_related("user", "role"):
            services.assignment_delete(user=assignment.user, role=assignment.role)
