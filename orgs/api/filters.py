"""The user list's attribute filters (CustomerID `users/ORGPATH/?uid=…&exactMatch=true`), as a
django-filter FilterSet."""

from __future__ import annotations

import django_filters
from django.db.models import Case, F, QuerySet, Value, When

from identities.queries import username_is_own_id
from orgs import conf
from orgs.api.params import Params
from orgs.errors import InvalidArgumentsError
from orgs.models import OrgUser

ENABLED, DISABLED = OrgUser.Status.ENABLED.value, OrgUser.Status.DISABLED.value

# parameter -> the field it filters
USER_FILTERS = {
    "uid": "identity__username",
    "email": "identity__email",
    "firstname": "identity__first_name",
    "surname": "identity__last_name",
    "mobile": "identity__mobile",
    "locale": "locale",
    "status": "effective_status",
}


def _text(field: str) -> django_filters.CharFilter:
    return django_filters.CharFilter(field_name=field, method="attribute")


class UserFilterSet(django_filters.FilterSet):
    """A value is contained in the attribute, case ignored; with exactMatch=true it is the
    whole value. Custom attributes (the configured ones) compare their value list. Lookups
    come from the declared filters and the configured names, never from the request."""

    uid = django_filters.CharFilter(field_name="identity__username", method="by_uid")
    email = _text("identity__email")
    firstname = _text("identity__first_name")
    surname = _text("identity__last_name")
    mobile = _text("identity__mobile")
    locale = _text("locale")
    status = django_filters.CharFilter(field_name="effective_status", method="by_status")
    hetu = django_filters.CharFilter(method="by_hetu")
    exactMatch = django_filters.BooleanFilter(method="read_by_the_others")  # noqa: N815

    class Meta:
        model = OrgUser
        fields: list[str] = []

    def __init__(self, params: Params, queryset: QuerySet):
        data = {name: params.text(name) for name in (*USER_FILTERS, "hetu")
                if params.text(name) is not None}
        data["exactMatch"] = "true" if params.flag("exactMatch") else "false"
        super().__init__(data, queryset)
        self.custom = params.attributes()

    @property
    def exact(self) -> bool:
        return bool(self.form.cleaned_data.get("exactMatch"))

    def attribute(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(**{name if self.exact else f"{name}__icontains": value})

    def by_uid(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The uid is the identity's username, unless that is the identity's own id."""
        return self.attribute(queryset, name, value).exclude(username_is_own_id("identity__"))

    def by_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The status CustomerID shows: enabled while the identity may sign in."""
        return self.attribute(queryset.annotate(effective_status=Case(
            When(identity__is_active=True, then=Value(ENABLED)),
            When(status=ENABLED, then=Value(DISABLED)),
            default=F("status"))), name, value)

    def by_hetu(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(hetu=value.strip().upper())  # stored canonical

    def read_by_the_others(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        allowed = conf.user_attributes()
        for name, values in self.custom.items():
            if name not in allowed:
                raise InvalidArgumentsError(f"Unknown user attribute {name[:64]!r}.")
            if self.exact:
                queryset = queryset.filter(**{f"attributes__{name}": values})
            else:
                queryset = queryset.filter(
                    **{f"attributes__{name}__icontains": ",".join(values)})
        return queryset

    @property
    def qs(self) -> QuerySet:
        if not self.is_valid():
            raise InvalidArgumentsError("; ".join(
                f"{field}: {' '.join(errors)}" for field, errors in self.errors.items()))
        return super().qs
