"""What authorisations adds to the effective-access panel (`audit.effective_access`): the
authorisations naming the identity as `user` subject or object (active, future, expired,
revoked and deleted, one query), the grant rights naming it (one query), and for an API
client the namespaces it reaches."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from audit.effective_access import Line, Section, section_register, window_state
from authorisations.models import NAMESPACES, Authorisation, AuthorisationGrantRight, SubjectType
from identities.queries.access import reach_section

LIMIT = 200  # lines a section shows; the rest are one search away on the list


def _when(row) -> str:
    until = f" until {row.valid_to:%Y-%m-%d %H:%M}" if row.valid_to else ""
    return f"from {row.valid_from:%Y-%m-%d %H:%M}{until}"


def _state(row) -> str:
    return window_state(valid_from=row.valid_from, valid_to=row.valid_to, revoked=row.revoked,
                        deleted=getattr(row, "deleted_at", None) is not None)


def _authorisations(identity: Any) -> list[Line]:
    pk = str(identity.pk)
    rows = list(Authorisation.objects.filter(
        Q(subject_type=SubjectType.USER, subject_value=pk)
        | Q(object_type=SubjectType.USER, object_value=pk)).select_related(
        "namespace", "type").order_by("-valid_from", "id")[:LIMIT + 1])
    lines = []
    for row in rows[:LIMIT]:
        if row.subject_type == SubjectType.USER and row.subject_value == pk:
            text = (f"subject: may act for {row.object_type} {row.object_value} "
                    f"as {row.type.code}")
        else:
            text = f"object: {row.subject_type} {row.subject_value} may act for it " \
                   f"as {row.type.code}"
        lines.append(Line(f"{text} in namespace {row.namespace.code}, {_when(row)}",
                          record=row, state=_state(row)))
    if len(rows) > LIMIT:
        lines.append(Line(f"more than {LIMIT}: search the authorisations for {pk}"))
    return lines


def _grant_rights(identity: Any) -> list[Line]:
    pk = str(identity.pk)
    rows = AuthorisationGrantRight.objects.filter(
        Q(principal_type=SubjectType.USER, principal_value=pk)
        | Q(object_type=SubjectType.USER, object_value=pk))
    types: dict = {}
    # the types in one query of their own, also when there is no grant right (a fixed count)
    for link in AuthorisationGrantRight.types.through.objects.filter(
            authorisationgrantright__in=rows.values("pk")).select_related("authorisationtype"):
        types.setdefault(link.authorisationgrantright_id, []).append(link.authorisationtype.code)
    lines = []
    for row in rows.select_related("namespace").order_by("-created")[:LIMIT]:
        codes = ", ".join(sorted(types.get(row.pk, [])))
        role = ("may give" if row.principal_type == SubjectType.USER
                and row.principal_value == pk else "gave the right to give")
        lines.append(Line(f"{role} {codes} in namespace {row.namespace.code}, {_when(row)}",
                          record=row, state=_state(row)))
    return lines


def sections_register() -> None:
    section_register(Section(key="authorisations", title="Authorisations (subject or object)",
                             lines=_authorisations, order=20))
    section_register(Section(key="grant rights", title="Authorisation grant rights",
                             lines=_grant_rights, order=21))
    section_register(reach_section(NAMESPACES, title="Namespaces reached (API client)", order=63,
                                   text=lambda n: f"namespace {n.code}"
                                                  + (f" ({n.name})" if n.name else "")))
