"""The admin's sign-in, throttled like the APIs (`foundation.api.lockout`).

Failed sign-ins count against the caller's address and the username tried, in the same
counters as API authentication; while the address, or the username from that address, is
locked out (or the username is slowed) the form refuses every attempt, the right password too,
without checking it, and the page answers 429 with `Retry-After`.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from foundation.api import lockout


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": "Too many failed sign-in attempts. Try again in %(wait)s seconds.",
    }

    def clean(self):
        attempt = lockout.Attempt.of(self.request, self.cleaned_data.get("username") or None)
        wait = lockout.locked_for(attempt)
        admission = lockout.admit(attempt) if not wait else None
        wait = wait or admission.wait
        if wait:
            self.wait = wait
            raise ValidationError(self.error_messages["throttled"], code="throttled",
                                  params={"wait": wait})
        try:
            cleaned = super().clean()
        except ValidationError:  # a wrong password, or no staff account of that name
            admission.failed()
            raise
        except BaseException:
            admission.release()
            raise
        admission.release()
        return cleaned


def login(request: HttpRequest) -> HttpResponse:
    """The admin site's login view (its form is ThrottledAdminAuthenticationForm, set in
    config/urls.py), answering 429 while the form refuses a locked-out attempt."""
    response = admin.site.login(request)
    form = getattr(response, "context_data", None) and response.context_data.get("form")
    wait = getattr(form, "wait", 0) if form is not None else 0
    if wait:
        response.status_code = 429
        response["Retry-After"] = str(wait)
    return response
