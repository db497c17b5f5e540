"""Console pages of authorisations: the form (the API's rules) and the list with its revoke
action."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.admin.mixins import ChangeHistoryMixin
from audit.admin.people import PeopleNamedMixin
from audit.admin.search import PersonSearchMixin
from audit.people import named
from authorisations.admin.common import ActiveFilter, DeletedFilter, change_history
from authorisations.models import (
    Authorisation,
)
from authorisations.queries.references import Resolver
from authorisations.services import authorisations as writes
from authorisations.validation import window_check
from foundation.admin.mixins import ServiceErrorsMixin
from foundation.admin.names import (
    NamespacedChoicesMixin,
    NamespacedFilter,
    PersonFieldsMixin,
)


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
class AuthorisationAdmin(ServiceErrorsMixin, PeopleNamedMixin, ChangeHistoryMixin,
                         PersonSearchMixin, PersonFieldsMixin, NamespacedChoicesMixin,
                         admin.ModelAdmin):
    form = AuthorisationForm
    list_display = ("subject_named", "object_named", "type", "source", "namespace",
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

    def person_texts(self, obj):
        return [obj.subject_value, obj.object_value]

    @admin.display(description="subject value", ordering="subject_value")
    def subject_named(self, obj):
        return named(obj, obj.subject_value)

    @admin.display(description="object value", ordering="object_value")
    def object_named(self, obj):
        return named(obj, obj.object_value)

    @admin.display(boolean=True, description="active")
    def is_active_now(self, obj):
        return obj.is_active()

    @admin.display(description="change history")
    def history(self, obj):
        return change_history(obj)

    def save_model(self, request, obj, form, change):
        data = form.service_data()
        if data["valid_from"] is None:
            data.pop("valid_from")
        if change:
            writes.authorisation_update(authorisation=obj, data=data, replace=True)
        else:
            created = writes.authorisation_create(
                namespace=form.cleaned_data["namespace"], data=data)
            obj.pk = created.pk

    def delete_model(self, request, obj):
        writes.authorisation_delete(authorisation=obj)

    def delete_queryset(self, request, queryset):
        for row in queryset.filter(deleted_at__isnull=True):
            writes.authorisation_delete(authorisation=row)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or (obj.deleted_at is None and not obj.revoked))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or obj.deleted_at is None)

    @admin.action(description="Revoke the selected authorisations", permissions=["change"])
    def revoke_selected(self, request, queryset):
        count = writes.authorisations_revoke(
            ids=list(queryset.values_list("pk", flat=True)),
            details=f"revoked in the admin by {request.user.get_username()}")
        self.message_user(request, f"Revoked {count} authorisation(s).", messages.SUCCESS)
