"""The operator console of the authorisations context. Every write calls the services, so the
admin leaves the same versions and change records as the API; deleted records stay visible."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from audit.admin import ChangeHistoryMixin
from audit.people_search import PersonSearchMixin
from audit.queries import changes_of
from authorisations import grant_rights, services
from authorisations.models import (
    NAMESPACES,
    Authorisation,
    AuthorisationGrantRight,
    AuthorisationSource,
    AuthorisationType,
    Namespace,
    NamespaceUserObjectPermission,
    ObjectType,
)
from authorisations.queries import active_q
from authorisations.references import Resolver
from authorisations.validation import names_clean, window_check
from foundation.admin.mixins import ServiceErrorsMixin
from foundation.admin.names import (
    NamespacedChoicesMixin,
    NamespacedFilter,
    NamespacedPickerMixin,
    PersonFieldsMixin,
)
from identities.admin.reach import GrantedClientsMixin


def change_history(obj) -> str:
    """The last changes of one record, newest first, linked to the read-only audit admin
    (its History page lists them all)."""
    if obj is None or obj.pk is None:
        return "—"
    rows = format_html_join(
        "", "<tr><td>{}</td><td>{}</td><td>{}</td><td><a href='{}'>details</a></td></tr>",
        ((r.created_at.strftime("%Y-%m-%d %H:%M:%S"), r.action, r.actor_repr,
          reverse("admin:audit_changerecord_change", args=[r.pk]))
         for r in changes_of(obj, limit=50)))
    return format_html("<table><tr><th>when</th><th>action</th><th>who</th><th></th></tr>{}"
                       "</table>", rows)


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", "Not deleted"), ("yes", "Deleted")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


class ActiveFilter(admin.SimpleListFilter):
    title = "active now"
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", "Active"), ("no", "Not active")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(active_q(timezone.now()))
        if self.value() == "no":
            return queryset.exclude(active_q(timezone.now()))
        return queryset


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
            services.namespace_update(namespace=obj, name=data["name"],
                                      default_validity=data["default_validity"])
        else:
            created = services.namespace_create(code=data["code"], name=data["name"],
                                                default_validity=data["default_validity"])
            obj.pk = created.pk

    def grant(self, identity, obj):
        services.namespace_grant(identity=identity, namespace=obj)

    def ungrant(self, identity, obj):
        services.namespace_ungrant(identity=identity, namespace=obj)

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
            services.coded_item_update(item=obj, changes={
                k: data[k] for k in ("code", "name", "names", "description")})
        else:
            created = services.coded_item_create(
                model=self.model, namespace=data["namespace"], code=data["code"],
                name=data["name"], description=data["description"], names=data["names"])
            obj.pk = created.pk

    def delete_model(self, request, obj):
        services.coded_item_delete(item=obj)

    def delete_queryset(self, request, queryset):
        for item in queryset.filter(deleted_at__isnull=True):
            services.coded_item_delete(item=item)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or obj.deleted_at is None)


@admin.register(AuthorisationType)
class AuthorisationTypeAdmin(CodedItemAdmin):
    pass


@admin.register(AuthorisationSource)
class AuthorisationSourceAdmin(CodedItemAdmin):
    pass


class AuthorisationForm(forms.ModelForm):
    class Meta:
        model = Authorisation
        fields = ("namespace", "type", "source", "subject_type", "subject_value",
                  "object_type", "object_value", "valid_from", "valid_to", "author")

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if self.instance.pk:
            # the widget shows whole seconds: an instant left as it was keeps its fraction
            for name in ("valid_from", "valid_to"):
                if name not in self.changed_data:
                    data[name] = self.initial.get(name)
        return {
            "type_code": data["type"].code,
            "source_code": data["source"].code if data.get("source") else None,
            "subject_type": data["subject_type"], "subject_value": data["subject_value"],
            "object_type": data["object_type"], "object_value": data["object_value"],
            "valid_from": data.get("valid_from"), "valid_to": data.get("valid_to"),
            "author": data.get("author") or None,
        }

    def clean(self):
        super().clean()
        if self.errors:
            return self.cleaned_data
        namespace = self.cleaned_data.get("namespace") or self.instance.namespace
        data = self.service_data()
        try:
            window_check(data["valid_from"], data["valid_to"])
            resolver = Resolver()
            resolver.load([(namespace, data)])
            resolver.resolve(namespace, data)
        except ValidationError as error:
            raise ValidationError([f"{k}: {' '.join(v)}" for k, v in
                                   error.message_dict.items()]) from None
        return self.cleaned_data


@admin.register(Authorisation)
class AuthorisationAdmin(ServiceErrorsMixin, ChangeHistoryMixin, PersonSearchMixin,
                         PersonFieldsMixin, NamespacedChoicesMixin, admin.ModelAdmin):
    form = AuthorisationForm
    list_display = ("subject_value", "object_value", "type", "source", "namespace",
                    "valid_from", "valid_to", "is_active_now", "revoked", "deleted_at")
    list_filter = ("namespace", ("type", NamespacedFilter), ("source", NamespacedFilter),
                   ActiveFilter, "revoked", DeletedFilter)
    list_select_related = ("namespace", "type", "source")
    search_fields = ("=id", "subject_value", "object_value")
    person_search_fields = person_fields = ("subject_value", "object_value")  # name people
    namespaced_fields = ("type", "source")
    date_hierarchy = "valid_from"
    autocomplete_fields = ("type", "source")
    actions = ["revoke_selected"]
    show_full_result_count = False
    fields = ("namespace", "type", "source", "subject_type", "subject_value", "object_type",
              "object_value", "valid_from", "valid_to", "author", "creator", "revoked",
              "revoked_at", "revocation_details", "created", "modified", "deleted_at", "history")

    def get_readonly_fields(self, request, obj=None):
        common = ("creator", "revoked", "revoked_at", "revocation_details", "created",
                  "modified", "deleted_at", "history")
        return ("namespace", *common) if obj else common

    def get_queryset(self, request):
        return Authorisation.objects.all()  # deleted records stay visible to operators

    def get_changeform_initial_data(self, request):
        # the start defaults to now, as on the API (to the second: what the widget shows)
        return {"valid_from": timezone.now().replace(microsecond=0),
                **super().get_changeform_initial_data(request)}

    @admin.display(boolean=True, description="active")
    def is_active_now(self, obj):
        return obj.is_active()

    @admin.display(description="change history")
    def history(self, obj):
        return change_history(obj)

    def save_model(self, request, obj, form, change):
        data = form.service_data()
        if change:
            if data["valid_from"] is None:
                data.pop("valid_from")
            services.authorisation_update(authorisation=obj, data=data, replace=True)
        else:
            if data["valid_from"] is None:
                data.pop("valid_from")
            created = services.authorisation_create(
                namespace=form.cleaned_data["namespace"], data=data)
            obj.pk = created.pk

    def delete_model(self, request, obj):
        services.authorisation_delete(authorisation=obj)

    def delete_queryset(self, request, queryset):
        for row in queryset.filter(deleted_at__isnull=True):
            services.authorisation_delete(authorisation=row)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or (obj.deleted_at is None and not obj.revoked))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or obj.deleted_at is None)

    @admin.action(description="Revoke the selected authorisations", permissions=["change"])
    def revoke_selected(self, request, queryset):
        count = services.authorisations_revoke(
            ids=list(queryset.values_list("pk", flat=True)),
            details=f"revoked in the admin by {request.user.get_username()}")
        self.message_user(request, f"Revoked {count} authorisation(s).", messages.SUCCESS)


class GrantRightForm(forms.ModelForm):
    class Meta:
        model = AuthorisationGrantRight
        fields = ("namespace", "types", "principal_type", "principal_value", "valid_from",
                  "valid_to")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "valid_from" in self.fields:
            self.fields["valid_from"].required = False
            self.fields["valid_from"].help_text = "Now when empty."
            self.fields["valid_to"].help_text = "A year after creation when empty."

    def clean(self):
        super().clean()
        data = self.cleaned_data
        namespace, types = data.get("namespace"), data.get("types")
        if namespace is not None and types is not None:
            strays = [t.code for t in types if t.namespace_id != namespace.pk]
            if strays:
                self.add_error("types", f"Not types of namespace {namespace}: "
                                        f"{', '.join(strays)}.")
        return data


@admin.register(AuthorisationGrantRight)
class AuthorisationGrantRightAdmin(ServiceErrorsMixin, ChangeHistoryMixin, PersonSearchMixin,
                                   PersonFieldsMixin, NamespacedChoicesMixin, admin.ModelAdmin):
    """Created through the service (the operator is who gives the right), revoked by an
    action; otherwise read-only, as on the API."""

    form = GrantRightForm
    list_display = ("principal_type", "principal_value", "type_codes", "namespace",
                    "valid_from", "valid_to", "is_active_now", "revoked")
    list_filter = ("namespace", ("revoked", admin.BooleanFieldListFilter))
    list_select_related = ("namespace",)
    search_fields = ("=id", "principal_value", "object_value")
    person_search_fields = person_fields = ("principal_value", "object_value")
    namespaced_fields = ("types",)
    filter_horizontal = ("types",)
    actions = ["revoke_selected"]
    fields = ("namespace", "types", "principal_type", "principal_value", "object_type",
              "object_value", "valid_from", "valid_to", "created", "created_by_client_id",
              "revoked", "revoked_at", "revoked_by_client_id", "history")
    readonly_fields = ("object_type", "object_value", "created", "created_by_client_id",
                       "revoked", "revoked_at", "revoked_by_client_id", "history")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("types")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return (*(f for f in self.fields if f != "types"), "type_codes")

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return tuple("type_codes" if f == "types" else f for f in self.fields)

    @admin.display(description="authorisation types")
    def type_codes(self, obj):
        return ", ".join(sorted(t.code for t in obj.types.all()))

    @admin.display(boolean=True, description="active")
    def is_active_now(self, obj):
        return obj.is_active()

    @admin.display(description="change history")
    def history(self, obj):
        return change_history(obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        created = grant_rights.grant_right_create(
            namespace=data["namespace"], type_codes=[t.code for t in data["types"]],
            principal_type=data["principal_type"], principal_value=data["principal_value"],
            object_type=ObjectType.USER, object_value=str(request.user.pk),
            valid_from=data.get("valid_from"), valid_to=data.get("valid_to"))
        obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        pass  # the service set the types

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # revocation is the end of a grant right; the row stays for auditors

    @admin.action(description="Revoke the selected grant rights", permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        count = 0
        for row in queryset.filter(revoked=False):
            grant_rights.grant_right_revoke(grant_right=row)
            count += 1
        self.message_user(request, f"Revoked {count} grant right(s).", messages.SUCCESS)

    def has_revoke_permission(self, request):
        return request.user.has_perm("authorisations.AUTHORISATION_GRANT_RIGHT_MODIFY") or \
            request.user.has_perm("authorisations.change_authorisationgrantright")
