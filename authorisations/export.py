"""export_authorisations: live authorisations in the shape import_authorisations reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from authorisations.models import Authorisation
from authorisations.queries import AUTHORISATION_ATTRS, scim_q

# the CSV columns (import and export): a party's type and value are two columns
COLUMNS = ["id", "nsCode", "authType", "authSource", "subject.type", "subject.value",
           "object.type", "object.value", "validFrom", "validTo", "revoked", "revokedAt",
           "revocationDetails", "author"]
EXPORT_FIELDS = ["id", "namespace__code", "type__code", "source__code", "subject_type",
                 "subject_value", "object_type", "object_value", "valid_from", "valid_to",
                 "revoked", "revoked_at", "revocation_details", "author"]


def export_rows(*, filter_text: str | None = None) -> Iterator[dict[str, Any]]:
    """Live authorisations as the API shows them (and the import reads), streamed."""
    qs = (Authorisation.objects.alive().filter(scim_q(filter_text, AUTHORISATION_ATTRS))
          .order_by("created", "id").values_list(*EXPORT_FIELDS))
    for (pk, ns, type_code, source, s_type, s_value, o_type, o_value, valid_from, valid_to,
         revoked, revoked_at, details, author) in qs.iterator(chunk_size=5000):
        yield {
            "id": str(pk), "nsCode": ns, "authType": type_code, "authSource": source,
            "subject": {"type": s_type, "value": s_value},
            "object": {"type": o_type, "value": o_value},
            "validFrom": _wire(valid_from), "validTo": _wire(valid_to), "revoked": revoked,
            "revokedAt": _wire(revoked_at), "revocationDetails": details, "author": author,
        }


def _wire(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def csv_values(row: dict[str, Any]) -> list[str]:
    """An exported row's cells in COLUMNS' order (a party's two fields as two columns)."""
    subject, obj = row["subject"], row["object"]
    return [row["id"], row["nsCode"], row["authType"], row["authSource"] or "",
            subject["type"], subject["value"], obj["type"], obj["value"],
            row["validFrom"] or "", row["validTo"] or "", "true" if row["revoked"] else "false",
            row["revokedAt"] or "", row["revocationDetails"] or "", row["author"] or ""]
