"""The model permission backend, with a client's permissions read by written-out statements.

Django's `ModelBackend` loads a user's permissions with two ORM queries (the user's own, then
its groups'), and compiling them cost more than running them; on the API's hot path (every
request checks a permission) that was the largest part of a request's time. This backend answers
exactly what `ModelBackend` answers, with the same two queries as parameterised statements
written out once per process (`foundation.reach.model_permissions`, the one module whose SQL
names the auth tables), so query counts stay as they were. Nothing is cached beyond the user
object of one request (as `ModelBackend` does): a permission granted or revoked counts on the
next request. Superusers and inactive or anonymous users go through `ModelBackend` as before.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from foundation.reach import model_permissions


class WrittenOutModelBackend(ModelBackend):
    def get_user_permissions(self, user_obj, obj=None):
        return self._permissions(user_obj, obj, via_groups=False)

    def get_group_permissions(self, user_obj, obj=None):
        return self._permissions(user_obj, obj, via_groups=True)

    def _permissions(self, user_obj, obj, *, via_groups: bool) -> set[str]:
        if (not user_obj.is_active or user_obj.is_anonymous or obj is not None
                or user_obj.is_superuser):
            parent = (ModelBackend.get_group_permissions if via_groups
                      else ModelBackend.get_user_permissions)
            return parent(self, user_obj, obj)
        cache_name = "_group_perm_cache" if via_groups else "_user_perm_cache"
        if not hasattr(user_obj, cache_name):
            setattr(user_obj, cache_name, model_permissions(user_obj, via_groups=via_groups))
        return getattr(user_obj, cache_name)
