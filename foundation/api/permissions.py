"""Permission checks shared by every API.

A view declares `required_permissions`, a map from DRF action (or HTTP method) to a Django
permission `app_label.codename`. A refusal raises `PermissionDenied` naming the codename, which the
surface's error style renders.
"""

from __future__ import annotations

from rest_framework import exceptions, permissions


class RequiredPermission(permissions.IsAuthenticated):
    message_template = "Client does not have required permission {codename}."

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        perm = required_permission(request, view)
        if perm and not request.user.has_perm(perm):
            codename = perm.split(".", 1)[1]
            raise exceptions.PermissionDenied(self.message_template.format(codename=codename))
        return True


def required_permission(request, view) -> str | None:
    table = getattr(view, "required_permissions", {}) or {}
    action = getattr(view, "action", None)
    if action and action in table:
        return table[action]
    return table.get(request.method)
