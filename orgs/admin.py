"""Operator console of the organization tree. Every write goes through orgs.services."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from audit.admin import ChangeHistoryMixin
from core.admin import ServiceErrorsMixin
from identities.reach_admin import GrantedClientsMixin
from orgs import conf, services
from orgs.errors import AlreadyExistsError, ParentNotNonVirtualError, ParentNotVirtualError
from orgs.hetu import hetu_mask
from orgs.models import SUBTREES, Assignment, Organization, OrgUser, Role


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RoleInline(ReadOnlyInline):
    model = Role
    fields = ("name", "created_at")
    readonly_fields = fields


class UserInline(ReadOnlyInline):
    model = OrgUser
    fields = ("name", "uid", "status")
    readonly_fields = fields


class OrganizationForm(forms.ModelForm):
    org_type = forms.ChoiceField(label="organizationType", required=False)

    class Meta:
        model = Organization
        fields = ("parent", "name", "friendly_name", "org_type", "virtual", "attributes")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_type"].choices = [("", "—")] + [
            (name, name) for name in sorted(conf.organization_types())]


@admin.register(Organization)
class OrganizationAdmin(ServiceErrorsMixin, GrantedClientsMixin, ChangeHistoryMixin,
                        admin.ModelAdmin):
    form = OrganizationForm
    reach_realm = SUBTREES
    list_display = ("indented", "friendly_name", "org_type", "virtual", "path")
    list_filter = ("org_type", "virtual", "depth")
    search_fields = ("name", "path", "friendly_name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    inlines = [RoleInline, UserInline]
    ordering = ("path",)
    # a refusal shown on the field it is about (core.admin.ServiceErrorsMixin)
    service_error_fields = {AlreadyExistsError: "name", ParentNotVirtualError: "parent",
                            ParentNotNonVirtualError: "parent"}

    @admin.display(description="organization", ordering="path")
    def indented(self, obj: Organization):
        # indented with em and en spaces (1.5 em a level): the CSP allows no inline style
        return format_html("{}{}", "\u2003\u2002" * obj.depth, obj.name)

    def get_readonly_fields(self, request, obj=None):
        return ("parent", "name", "virtual", "path") if obj else ("path",)

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
            obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.organization_delete(organization=obj, recursive=True)

    def delete_queryset(self, request, queryset):
        for org in queryset.order_by("-depth"):
            if Organization.objects.filter(pk=org.pk).exists():
                services.organization_delete(organization=org, recursive=True)



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


@admin.register(OrgUser)
class OrgUserAdmin(ServiceErrorsMixin, ChangeHistoryMixin, admin.ModelAdmin):
    form = OrgUserForm
    list_display = ("name", "organization", "uid", "effective_status", "masked_hetu",
                    "pwd_activated")
    list_filter = ("identity__is_active", "status", "pwd_activated", "organization__org_type")
    search_fields = ("name", "identity__username", "identity__email", "identity__last_name",
                     "organization__path")
    list_select_related = ("organization", "identity")
    autocomplete_fields = ("organization",)
    readonly_fields = ("masked_hetu", "identity")
    inlines = [AssignmentInline]

    @admin.display(description="hetu")
    def masked_hetu(self, obj: OrgUser) -> str:
        return hetu_mask(obj.hetu)

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "organization", "name") if obj else self.readonly_fields

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
            obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.user_delete(user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.user_delete(user=user)


class MemberOfInline(admin.TabularInline):
    model = Role.member_of.through
    fk_name = "role"
    extra = 0
    can_delete = False
    readonly_fields = ("member_of",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Role)
class RoleAdmin(ServiceErrorsMixin, ChangeHistoryMixin, admin.ModelAdmin):
    list_display = ("name", "organization")
    list_filter = ("organization__org_type", "organization__virtual")
    search_fields = ("name", "organization__path")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)
    fields = ("organization", "name")
    inlines = [MemberOfInline]

    def get_readonly_fields(self, request, obj=None):
        return ("organization", "name") if obj else ()

    def save_model(self, request, obj, form, change):
        if not change:
            saved = services.role_put(organization=obj.organization, name=obj.name)
            obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.role_delete(role=obj)

    def delete_queryset(self, request, queryset):
        for role in queryset:
            services.role_delete(role=role)


@admin.register(Assignment)
class AssignmentAdmin(ServiceErrorsMixin, ChangeHistoryMixin, admin.ModelAdmin):
    list_display = ("user", "role", "created_at")
    list_select_related = ("user__organization", "role__organization")
    search_fields = ("user__name", "user__uid", "role__name", "role__organization__path")
    autocomplete_fields = ("user", "role")

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.assignment_create(user=obj.user, role=obj.role)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.assignment_delete(user=obj.user, role=obj.role)

    def delete_queryset(self, request, queryset):
        for assignment in queryset.select_related("user", "role"):
            services.assignment_delete(user=assignment.user, role=assignment.role)
