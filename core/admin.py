"""What every app's admin shares: a service's refusal shown as a message, not a server error."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from core.errors import DomainError


class ServiceErrorsMixin:
    """A ModelAdmin mixin: a service's refusal (a DomainError or ValidationError, rolled back
    with the admin's transaction) becomes an error message on the same page."""

    def _guard(self, view, request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            messages.error(request, f"{error.kind}: {error.message}")
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, *args, **kwargs):
        return self._guard(super().changeform_view, request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return self._guard(super().delete_view, request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        return self._guard(super().changelist_view, request, *args, **kwargs)
