"""The effective-access panel on an identity's admin page (and an organization user's: the
same person), from `audit.effective_access`. A ModelAdmin gets it by inheriting
`EffectiveAccessMixin`; docs/console.md, "Effective access"."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from audit.effective_access import effective_access
from audit.people import names_in


class EffectiveAccessMixin:
    """A ModelAdmin mixin: below the form of an existing object, the panel of its identity
    (the object itself, or its `identity`)."""

    change_form_template = "admin/effective_access/change_form.html"

    def access_identity(self, obj: Any) -> Any:
        return obj if isinstance(obj, get_user_model()) else obj.identity

    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):
        if obj is not None and obj.pk is not None and not add:
            answers = effective_access(self.access_identity(obj))
            context["effective_access"] = answers
            # the people its lines name by id (an authorisation's subject or object): one query
            context["effective_access_people"] = names_in(
                line.text for answer in answers for line in answer.lines)
        return super().render_change_form(request, context, add=add, change=change,
                                          form_url=form_url, obj=obj)
