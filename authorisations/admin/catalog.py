"""Console pages of the catalog: namespaces (and the clients that may use them), authorisation
types and sources."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from audit.admin.mixins import ChangeHistoryMixin
from authorisations.admin.common import DeletedFilter, change_history
from authorisations.models import (
    NAMESPACES,
    AuthorisationSource,
    AuthorisationType,
    Namespace,
    NamespaceUserObjectPermission,
)
from authorisations.services import catalog
from authorisations.validation import names_clean
from foundation.admin.mixins import ServiceErrorsMixin
from foundation.admin.names import (
    NamespacedPickerMixin,
)
from identities.admin.reach import GrantedClientsMixin


class GrantInline(admin.TabularInline):
    model = NamespaceUserObjectPermission
    verbose_name_plural = "clients that may use this namespace"
    fields = ("user", "permission")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Namespace)
class NamespaceAdmin(ServiceErrorsMixin, GrantedClientsMixin, ChangeHistoryMixin,
                     admin.ModelAdmin):
    fields = ("code", "name", "default_validity", "clients")
    reach_realm = NAMESPACES
    list_display = ("code", "name", "default_validity", "created")
    search_fields = ("code", "name")
    inlines = [GrantInline]

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            catalog.namespace_update(namespace=obj, name=data["name"],
                                      default_validity=data["default_validity"])
        else:
            created = catalog.namespace_create(code=data["code"], name=data["name"],
                                                default_validity=data["default_validity"])
            obj.pk = created.pk

    def grant(self, identity, obj):
        catalog.namespace_grant(identity=identity, namespace=obj)

    def ungrant(self, identity, obj):
        catalog.namespace_ungrant(identity=identity, namespace=obj)

    def has_delete_permission(self, request, obj=None):
        return False  # namespaces hold history; they are never removed


class CodedItemForm(forms.ModelForm):
    def clean_names(self):
        try:
            names = names_clean(self.cleaned_data.get("names"))
        except ValueError as error:
            raise ValidationError(str(error)) from None
        return names if names is not None else (self.instance.names or [])


class CodedItemAdmin(ServiceErrorsMixin, ChangeHistoryMixin, NamespacedPickerMixin,
                     admin.ModelAdmin):
    form = CodedItemForm
    list_display = ("code", "name", "namespace", "modified", "deleted_at")
    list_filter = ("namespace", DeletedFilter)
    list_select_related = ("namespace",)
    search_fields = ("code", "name")
    fields = ("namespace", "code", "name", "names", "description", "deleted_at", "history")

    def get_readonly_fields(self, request, obj=None):
        return ("namespace", "deleted_at", "history") if obj else ("deleted_at", "history")

    @admin.display(description="change history")
    def history(self, obj):
        return change_history(obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            catalog.coded_item_update(item=obj, changes={
                k: data[k] for k in ("code", "name", "names", "description")})
        else:
            created = catalog.coded_item_create(
                model=self.model, namespace=data["namespace"], code=data["code"],
                name=data["name"], description=data["description"], names=data["names"])
            obj.pk = created.pk

    def delete_model(self, request, obj):
        catalog.coded_item_delete(item=obj)

    def delete_queryset(self, request, queryset):
        for item in queryset.filter(deleted_at__isnull=True):
            catalog.coded_item_delete(item=item)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or obj.deleted_at is None)


@admin.register(AuthorisationType)
class AuthorisationTypeAdmin(CodedItemAdmin):
    pass


@admin.register(AuthorisationSource)
class AuthorisationSourceAdmin(CodedItemAdmin):
    pass
