"""What an identity may reach and do: the one place that decides it, for every surface.

A *realm* is a kind of thing clients are granted one by one: authorisation namespaces,
organization subtrees, tenants. Each app declares its realm beside its model (`Realm(...)`);
this module alone answers, for all of them, "which X may this identity reach" (`of(identity,
realm).objects()` or `.q(field)` to filter rows by their X) and "may it reach this one"
(`.covers(obj)`, `.find(**lookup)`). An identity reaches

- every object of a realm when it holds the realm's permission as a model permission (its own
  or one of its groups'): the global grant short-circuits;
- otherwise the objects granted to it, or to a group it belongs to, as guardian object
  permissions in the realm's direct foreign-key grant tables; in a tree realm (a materialized
  path) a grant reaches the object's whole subtree.

The API's filter backends and permission classes (`foundation.api.reach`), the CustomerID views,
the admin and the commands all ask here; grants are written here too (`grant`, `ungrant`), each
with its change record. It is also the only module whose SQL names Django's auth tables: the
written-out statements of the permission backend and of the authorisation check's hot path.

Answers are remembered on the identity object, as Django remembers its permissions: one
request (or one command) asks the database at most once per realm, and a grant made or
withdrawn counts from the next request on.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, models, router, transaction
from django.db.models import CharField, F, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat

from audit.models import ChangeRecord
from audit.services import audited, record
from audit.tombstones import pk_text, tombstones
from core.tree import subtree_q, top_roots, within

_realms: list[Realm] = []


@dataclass(frozen=True, eq=False)
class Realm:
    """A kind of thing that is granted: its model, the permission that grants it (globally as
    a model permission, per object as a guardian object permission), the grant tables, the
    field operators name an object by, and for a tree its materialized-path field."""

    name: str
    model: type[models.Model]
    codename: str
    user_grants: type[models.Model]
    group_grants: type[models.Model]
    key: str = "pk"
    tree: str | None = None

    def __post_init__(self) -> None:
        _realms.append(self)  # declared beside its model: every realm is known once apps load

    @property
    def permission(self) -> str:
        return f"{self.model._meta.app_label}.{self.codename}"

    def key_of(self, obj: models.Model) -> str:
        return str(getattr(obj, self.key))

    def _permission_q(self, prefix: str = "permission__") -> Q:
        return Q(**{f"{prefix}codename": self.codename,
                    f"{prefix}content_type__app_label": self.model._meta.app_label})


class Reach:
    """What one identity reaches of one realm (see the module's docstring)."""

    def __init__(self, identity: Any, realm: Realm):
        self.identity, self.realm = identity, realm

    def expect(self, realm: Realm) -> Reach:
        """This reach, checked to be of `realm` (queries that take a reach call it)."""
        if self.realm is not realm:
            raise TypeError(f"a reach of the {realm.name} realm expected, not of "
                            f"{self.realm.name}")
        return self

    @cached_property
    def everything(self) -> bool:
        """The global grant: the realm's permission held as a model permission."""
        return bool(self.identity.is_authenticated and self.identity.has_perm(
            self.realm.permission))

    def granted(self) -> QuerySet:
        """The objects granted to the identity or its groups (lazy: used as a subquery, it
        adds no round trip to the query it filters)."""
        realm, identity = self.realm, self.identity
        if not identity.is_authenticated:
            return realm.model.objects.none()
        perm = realm._permission_q()
        direct = realm.user_grants.objects.filter(perm, user=identity)
        via_group = realm.group_grants.objects.filter(perm, group__user=identity)
        return realm.model.objects.filter(
            Q(pk__in=direct.values("content_object_id"))
            | Q(pk__in=via_group.values("content_object_id")))

    @cached_property
    def roots(self) -> tuple[str, ...]:
        """Tree realms: the granted paths, none below another (one query, once)."""
        if self.realm.tree is None:
            raise TypeError(f"the {self.realm.name} realm is not a tree")
        return top_roots(list(self.granted().values_list(self.realm.tree, flat=True)))

    def objects(self) -> QuerySet:
        """Every object the identity reaches."""
        if self.everything:
            return self.realm.model.objects.all()
        if self.realm.tree is None:
            return self.granted()
        return self.realm.model.objects.filter(self.q(self.realm.tree))

    def q(self, field: str) -> Q:
        """Rows whose `field` is reachable: a foreign key to the realm's model (`pk` for the
        model itself), or in a tree realm a materialized path."""
        if self.everything:
            return Q()
        if self.realm.tree is None:
            return Q(**{f"{field}__in": self.granted()})
        if not self.roots:
            return Q(pk__in=[])
        result = Q()
        for root in self.roots:
            result |= subtree_q(root, field)
        return result

    def covers(self, obj: models.Model | str) -> bool:
        """May the identity reach this object (in a tree realm: this object or path)?"""
        if self.everything:
            return True
        if self.realm.tree is not None:
            path = obj if isinstance(obj, str) else getattr(obj, self.realm.tree)
            return any(within(path, root) for root in self.roots)
        return self.granted().filter(pk=obj.pk).exists()

    def find(self, **lookup: Any) -> models.Model | None:
        """The object matching `lookup` if the identity reaches it; None also hides whether
        it exists."""
        if self.realm.tree is not None and set(lookup) == {self.realm.tree}:
            if not self.covers(lookup[self.realm.tree]):
                return None
            return self.realm.model.objects.filter(**lookup).first()
        return self.objects().filter(**lookup).first()


def of(identity: Any, realm: Realm) -> Reach:
    """The identity's reach of `realm`, made once per identity object (so once a request)."""
    cache = identity.__dict__.setdefault("_reach_cache", {})
    reach = cache.get(realm.name)
    if reach is None or reach.realm is not realm:
        reach = cache[realm.name] = Reach(identity, realm)
    return reach


def first_granted(realm: Realm, *, identity_id: Any) -> QuerySet:
    """The object of the identity's first grant of `realm` (by grant id), its own before its
    groups' (not the global grant: check `everything` first). Built from a plain id, so that a
    hot path can compile it once (core.compiled)."""
    perm = realm._permission_q()
    own = (realm.user_grants.objects.filter(perm, user_id=identity_id)
           .order_by("id").values("content_object_id")[:1])
    groups = (realm.group_grants.objects.filter(perm, group__user=identity_id)
              .order_by("id").values("content_object_id")[:1])
    return realm.model.objects.filter(pk=Coalesce(Subquery(own), Subquery(groups)))


def reachable(identity: Any, realm: Realm) -> QuerySet:
    """Which objects of `realm` may this identity reach."""
    return of(identity, realm).objects()


def reaches(identity: Any, realm: Realm, obj: models.Model | str) -> bool:
    """May this identity reach `obj`."""
    return of(identity, realm).covers(obj)


# --- grants --------------------------------------------------------------------------------------

def _grant_model(realm: Realm, grantee: Any) -> type[models.Model]:
    return realm.group_grants if isinstance(grantee, Group) else realm.user_grants


def _grantee_field(grantee: Any) -> str:
    return "group" if isinstance(grantee, Group) else "user"


def _grantee_name(grantee: Any) -> str:
    return grantee.name if isinstance(grantee, Group) else grantee.get_username()


def _permission(realm: Realm) -> Permission:
    return Permission.objects.get(realm._permission_q(""))


def grant(grantee: Any, realm: Realm, obj: models.Model) -> bool:
    """Let an identity (or every member of a group) reach `obj`; a change record names the
    grant. False when it was already granted (nothing written)."""
    model = _grant_model(realm, grantee)
    with transaction.atomic(), audited():
        row, created = model.objects.get_or_create(
            permission=_permission(realm), content_object=obj,
            **{_grantee_field(grantee): grantee})
        if created:
            _forget(grantee)
            record(action=ChangeRecord.Action.CREATE, instance=row,
                   object_repr=f"{_grantee_name(grantee)} reaches {realm.name} "
                               f"{realm.key_of(obj)}",
                   after=_grant_state(realm, grantee, obj))
    return created


def ungrant(grantee: Any, realm: Realm, obj: models.Model) -> bool:
    """Withdraw a grant made by `grant`; False when there was none."""
    model = _grant_model(realm, grantee)
    with transaction.atomic(), audited():
        row = model.objects.filter(realm._permission_q(), content_object=obj,
                                   **{_grantee_field(grantee): grantee}).first()
        if row is None:
            return False
        record(action=ChangeRecord.Action.DELETE, instance=row,
               object_repr=f"{_grantee_name(grantee)} reaches {realm.name} "
                           f"{realm.key_of(obj)}",
               before=_grant_state(realm, grantee, obj))
        row.delete()
        _forget(grantee)
    return True


def grants_withdraw(grantee: Any) -> int:
    """Withdraw every grant the grantee (an identity or a group) holds, in every realm, each
    recorded as `ungrant` records it: what deleting the grantee would otherwise take away
    unrecorded, by the database's cascade. Answers how many were withdrawn."""
    withdrawn = 0
    for realm in _realms:
        rows = (_grant_model(realm, grantee).objects
                .filter(realm._permission_q(), **{_grantee_field(grantee): grantee})
                .select_related("content_object").order_by("pk"))
        for row in rows:
            withdrawn += ungrant(grantee, realm, row.content_object)
    return withdrawn


def grants_of_objects_withdraw(realm: Realm, objects: QuerySet) -> None:
    """Withdraw every grant of `objects` (a queryset of the realm's model, about to be
    deleted), each recorded as `ungrant` records it: what deleting them would otherwise take
    away unrecorded. A fixed number of statements whatever the number of grants (per grant
    table one INSERT … SELECT of change records and one DELETE); call it in the deleting
    transaction, under its audit context."""
    key = Cast(F(f"content_object__{realm.key}"), CharField())
    for model, grantee, name in (
            (realm.user_grants, "user", f"user__{get_user_model().USERNAME_FIELD}"),
            (realm.group_grants, "group", "group__name")):
        rows = model.objects.filter(content_object__in=objects)
        permission = Concat(F("permission__content_type__app_label"), Value("."),
                            F("permission__codename"), output_field=CharField())
        tombstones(rows, object_repr=Concat(F(name), Value(f" reaches {realm.name} "), key,
                                            output_field=CharField()),
                   state={"realm": Value(realm.name), "permission": permission,
                          grantee: F(name), "object": key,
                          "object_id": pk_text(realm.model, "content_object_id")})
        rows._raw_delete(rows.db)


def _forget(grantee: Any) -> None:
    """A grantee object in hand answers from its new grants (a group's members are fresh
    objects on their next request)."""
    grantee.__dict__.pop("_reach_cache", None)


def _grant_state(realm: Realm, grantee: Any, obj: models.Model) -> dict:
    return {"realm": realm.name, "permission": realm.permission,
            _grantee_field(grantee): _grantee_name(grantee),
            "object": realm.key_of(obj), "object_id": str(obj.pk)}


def grantees(realm: Realm, obj: models.Model) -> QuerySet:
    """The identities granted `obj` directly (not through a group)."""
    granted = realm.user_grants.objects.filter(realm._permission_q(), content_object=obj)
    return get_user_model().objects.filter(pk__in=granted.values("user_id"))


# --- written-out statements over the auth tables -------------------------------------------------

def _column(through: type[models.Model], model: type[models.Model]) -> str:
    return next(f.column for f in through._meta.fields
                if f.is_relation and f.related_model is model)


@dataclass(frozen=True)
class _Statements:
    user_permissions: str
    group_permissions: str


def _written_out() -> _Statements:
    user_model = get_user_model()
    user_perms = user_model._meta.get_field("user_permissions").remote_field.through
    user_groups = user_model._meta.get_field("groups").remote_field.through
    group_perms = Group._meta.get_field("permissions").remote_field.through
    select = (f"SELECT ct.app_label, p.codename FROM {Permission._meta.db_table} p "
              f"JOIN {ContentType._meta.db_table} ct ON ct.id = p.content_type_id ")
    return _Statements(
        user_permissions=(
            select + f"JOIN {user_perms._meta.db_table} up "
            f"ON up.{_column(user_perms, Permission)} = p.id "
            f"WHERE up.{_column(user_perms, user_model)} = %s"),
        group_permissions=(
            select + f"WHERE p.id IN (SELECT gp.{_column(group_perms, Permission)} "
            f"FROM {group_perms._meta.db_table} gp JOIN {user_groups._meta.db_table} ug "
            f"ON ug.{_column(user_groups, Group)} = gp.{_column(group_perms, Group)} "
            f"WHERE ug.{_column(user_groups, user_model)} = %s)"),
    )


_statements: _Statements | None = None


def model_permissions(identity: Any, *, via_groups: bool) -> set[str]:
    """The identity's model permissions (`app_label.codename`): its own, or its groups'.

    One parameterised statement, written out once per process: compiling the equivalent ORM
    query cost more than running it, on every API request (see foundation.backends)."""
    global _statements
    if _statements is None:
        _statements = _written_out()
    sql = _statements.group_permissions if via_groups else _statements.user_permissions
    conn = connections[router.db_for_read(Permission)]
    pk = identity._meta.pk.get_db_prep_value(identity.pk, conn)
    with conn.cursor() as cursor:
        cursor.execute(sql, [pk])
        return {f"{app_label}.{codename}" for app_label, codename in cursor.fetchall()}


def granted_ids_sql(identity: Any, realm: Realm) -> tuple[str, list]:
    """For hot paths written out as one statement: a `SELECT` of the ids of the objects
    granted to the identity or its groups (not the global grant: check `everything` first),
    and its parameters. Same answer as `Reach.granted()`."""
    user_model = get_user_model()
    user_groups = user_model._meta.get_field("groups").remote_field.through
    app_label = realm.model._meta.app_label
    join = (f"JOIN {Permission._meta.db_table} p ON p.id = g.permission_id "
            f"JOIN {ContentType._meta.db_table} c ON c.id = p.content_type_id")
    where = "p.codename = %s AND c.app_label = %s"
    sql = (
        f"SELECT g.content_object_id FROM {realm.user_grants._meta.db_table} g {join} "
        f"WHERE g.user_id = %s AND {where} "
        f"UNION ALL SELECT g.content_object_id FROM {realm.group_grants._meta.db_table} g "
        f"{join} JOIN {user_groups._meta.db_table} ug "
        f"ON ug.{_column(user_groups, Group)} = g.group_id "
        f"WHERE ug.{_column(user_groups, user_model)} = %s AND {where}"
    )
    user = identity._meta.pk.get_db_prep_value(identity.pk, connection)
    return sql, [user, realm.codename, app_label, user, realm.codename, app_label]
