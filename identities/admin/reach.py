"""The admin's view of foundation.reach: a "clients that reach it" field on the page of a
realm's object (a namespace, an organization, a tenant), read and written through the reach
module, so the admin grants exactly as the commands do, with the same change records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.widgets import FilteredSelectMultiple

from foundation import reach
from foundation.reach import Realm
from identities.models import Identity


class GrantedClientsMixin:
    """A ModelAdmin mixin: the API clients granted the object (directly), editable. Grants
    through groups, and the global permission, are not listed here."""

    reach_realm: Realm

    def get_form(self, request, obj=None, change=False, **kwargs):
        if kwargs.get("fields"):  # a form field, not a model field: added below
            kwargs["fields"] = [name for name in kwargs["fields"] if name != "clients"]
        base = super().get_form(request, obj, change=change, **kwargs)
        field = forms.ModelMultipleChoiceField(
            queryset=Identity.objects.filter(kind=Identity.Kind.SERVICE),
            required=False,
            widget=FilteredSelectMultiple("clients", is_stacked=False),
            label="clients",
            help_text=f"API clients granted this {self.reach_realm.name} (besides those with "
                      f"the global {self.reach_realm.permission}).",
        )
        if obj is not None:
            field.initial = list(reach.grantees(self.reach_realm, obj).values_list(
                "pk", flat=True))
        return type(base.__name__, (base,), {"clients": field})

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        wanted = set(form.cleaned_data.get("clients") or ())
        current = set(reach.grantees(self.reach_realm, obj))
        for identity in sorted(wanted - current, key=str):
            self.grant(identity, obj)
        for identity in sorted(current - wanted, key=str):
            self.ungrant(identity, obj)

    def grant(self, identity: Any, obj: Any) -> None:
        reach.grant(identity, self.reach_realm, obj)

    def ungrant(self, identity: Any, obj: Any) -> None:
        reach.ungrant(identity, self.reach_realm, obj)
