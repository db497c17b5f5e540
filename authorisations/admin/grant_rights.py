"""Console pages of authorisation grant rights."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from audit.admin.mixins import ChangeHistoryMixin
from audit.admin.people import PeopleNamedMixin
from audit.admin.search import PersonSearchMixin
from audit.people import named
from authorisations.admin.common import change_history
from authorisations.models import (
    AuthorisationGrantRight,
    ObjectType,
)
from authorisations.services import grant_rights
from foundation.admin.mixins import ServiceErrorsMixin
from foundation.admin.names import (
    NamespacedChoicesMixin,
    PersonFieldsMixin,
)


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
class AuthorisationGrantRightAdmin(ServiceErrorsMixin, PeopleNamedMixin, ChangeHistoryMixin,
                                   PersonSearchMixin, PersonFieldsMixin, NamespacedChoicesMixin,
                                   admin.ModelAdmin):
    """Created through the service (the operator is who gives the right), revoked by an
    action; otherwise read-only, as on the API."""

    form = GrantRightForm
    list_display = ("principal_type", "principal_named", "type_codes", "namespace",
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

    # a grant right is only viewed once made: its types by code, its people by name
    SHOWN = {"types": "type_codes", "principal_value": "principal_named",
             "object_value": "object_named"}

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return self.get_fields(request, obj)

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return tuple(self.SHOWN.get(f, f) for f in self.fields)

    def person_texts(self, obj):
        return [obj.principal_value, obj.object_value]

    @admin.display(description="principal value", ordering="principal_value")
    def principal_named(self, obj):
        return named(obj, obj.principal_value)

    @admin.display(description="object value")
    def object_named(self, obj):
        return named(obj, obj.object_value)

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
