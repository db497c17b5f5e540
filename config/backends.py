"""The model permission backend, with a client's permissions read by written-out statements.

Django's `ModelBackend` loads a user's permissions with two ORM queries (the user's own, then
its groups'), and compiling them cost more than running them; on the API's hot path (every
request checks a permission) that was the largest part of a request's time. This backend answers
exactly what `ModelBackend` answers, with the same two queries as parameterised statements
written out once per process (so query counts stay as they were). Nothing is cached beyond the
user object of one request (as `ModelBackend` does): a permission granted or revoked counts on
the next request. Superusers and inactive or anonymous users go through `ModelBackend` as before.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router


def _column(through, model) -> str:
    return next(f.column for f in through._meta.fields
                if f.is_relation and f.related_model is model)


def _statements() -> tuple[str, str]:
    user_model = get_user_model()
    user_perms = user_model._meta.get_field("user_permissions").remote_field.through
    user_groups = user_model._meta.get_field("groups").remote_field.through
    group_perms = Group._meta.get_field("permissions").remote_field.through
    select = (f"SELECT ct.app_label, p.codename FROM {Permission._meta.db_table} p "
              f"JOIN {ContentType._meta.db_table} ct ON ct.id = p.content_type_id ")
    user_sql = (select + f"JOIN {user_perms._meta.db_table} up "
                f"ON up.{_column(user_perms, Permission)} = p.id "
                f"WHERE up.{_column(user_perms, user_model)} = %s")
    group_sql = (select + f"WHERE p.id IN (SELECT gp.{_column(group_perms, Permission)} "
                 f"FROM {group_perms._meta.db_table} gp JOIN {user_groups._meta.db_table} ug "
                 f"ON ug.{_column(user_groups, Group)} = gp.{_column(group_perms, Group)} "
                 f"WHERE ug.{_column(user_groups, user_model)} = %s)")
    return user_sql, group_sql


class WrittenOutModelBackend(ModelBackend):
    _sql: tuple[str, str] | None = None

    def get_user_permissions(self, user_obj, obj=None):
        return self._permissions(user_obj, obj, "user")

    def get_group_permissions(self, user_obj, obj=None):
        return self._permissions(user_obj, obj, "group")

    def _permissions(self, user_obj, obj, from_name: str) -> set[str]:
        if (not user_obj.is_active or user_obj.is_anonymous or obj is not None
                or user_obj.is_superuser):
            parent = (ModelBackend.get_user_permissions if from_name == "user"
                      else ModelBackend.get_group_permissions)
            return parent(self, user_obj, obj)
        cache_name = f"_{from_name}_perm_cache"
        if not hasattr(user_obj, cache_name):
            setattr(user_obj, cache_name, self._load(user_obj, from_name))
        return getattr(user_obj, cache_name)

    def _load(self, user_obj, from_name: str) -> set[str]:
        if WrittenOutModelBackend._sql is None:
            WrittenOutModelBackend._sql = _statements()
        sql = self._sql[0] if from_name == "user" else self._sql[1]
        connection = connections[router.db_for_read(Permission)]
        pk = user_obj._meta.pk.get_db_prep_value(user_obj.pk, connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk])
            return {f"{app_label}.{codename}" for app_label, codename in cursor.fetchall()}
