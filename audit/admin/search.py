"""Finding rows by the person they name: a search term (a username, CustomerID's uid, an email
or names) matched to identities, and the admin mixin that lets a list's search find the rows
that name a matching person (the change log's actor, an authorisation's subject)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from audit.tombstones import uuid_text


def persons_matching(term: str) -> QuerySet:
    """The identities a search term names: by username (CustomerID's uid), email or names."""
    term = term.strip()
    query = Q(username__icontains=term) | Q(email__icontains=term)
    first, _, last = term.partition(" ")
    if last:
        query |= Q(first_name__iexact=first, last_name__icontains=last.strip())
    else:
        query |= Q(first_name__iexact=term) | Q(last_name__iexact=term)
    return get_user_model().objects.filter(query)


class PersonSearchMixin:
    """A ModelAdmin mixin: the search also finds rows that name a matching person.
    `person_search_fields`: text fields holding an identity's id (an authorisation's
    `subject_value`) or foreign keys to identities (a change record's `actor`)."""

    person_search_fields: tuple[str, ...] = ()

    def get_search_results(self, request, queryset, search_term):
        found, distinct = super().get_search_results(request, queryset, search_term)
        if not search_term.strip() or not self.person_search_fields:
            return found, distinct
        people = persons_matching(search_term)
        query = Q()
        for name in self.person_search_fields:
            field = queryset.model._meta.get_field(name)
            if field.is_relation:
                query |= Q(**{f"{name}__in": people.values("pk")})
            else:
                query |= Q(**{f"{name}__in": people.annotate(
                    id_text=uuid_text("id")).values("id_text")})
        return found | queryset.filter(query), distinct
