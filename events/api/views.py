"""GET /api/events/v1/changes: the change feed (Bearer; problem+json errors).

`?after=CURSOR&limit=N` answers `{"events": [CloudEvent, …], "next": CURSOR}`: the change
records after the cursor in transaction order (audit.feed), only those within the client's
reach (events.reach), as CloudEvents 1.0 (audit.events). `next` resumes exactly after the last
event given; with nothing new it is the cursor sent. No `after`: from the beginning (the
oldest record kept). A cursor from before a prune of the change log (records after it are
gone) is answered 410 Gone: re-sync, then read again from the beginning.
"""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.events import as_dict
from audit.feed import (
    CURSOR_PATTERN,
    MAX_LIMIT,
    Cursor,
    CursorError,
    PrunedCursorError,
    check_kept,
    page,
)
from audit.models import ChangeRecord
from events import reach
from foundation.api.errors import ApiError, additiv_code, render_problem
from foundation.api.reach import NoRealm, ReachPermission
from identities.api.authentication import BearerAuthentication

DEFAULT_LIMIT = 100
TAG = "Change events"
GONE = ("This cursor is before the oldest change kept: the change log before {cutoff} was "
        "pruned, with changes after this cursor. Re-sync, then read the feed again from the "
        "beginning (without `after`).")


class CloudEventSchema(serializers.Serializer):
    specversion = serializers.CharField(help_text="1.0")
    id = serializers.CharField(help_text="chg_<record id>: stable, unique")
    source = serializers.CharField(help_text="/tessera/api, /tessera/admin, "
                                             "/tessera/command/<name>…")
    type = serializers.CharField(help_text="tessera.<kind>.<action>, e.g. "
                                           "tessera.authorisation.revoked")
    subject = serializers.CharField(help_text="the object's id")
    time = serializers.DateTimeField()
    datacontenttype = serializers.CharField(help_text="application/json")
    auditcontext = serializers.IntegerField()
    actor = serializers.CharField()
    clientid = serializers.CharField()
    correlationid = serializers.CharField()
    sequence = serializers.CharField(help_text="the record id, 20 digits: one object's "
                                               "changes in commit order")
    data = inline_serializer("ChangeEventData", {
        "before": serializers.JSONField(allow_null=True),
        "after": serializers.JSONField(allow_null=True),
    })


class ChangesView(APIView):
    authentication_classes = [BearerAuthentication]
    permission_classes = [IsAuthenticated, ReachPermission]
    reach_realm = NoRealm("each record is filtered by its own realm (events.reach)")

    @extend_schema(
        tags=[TAG], operation_id="events_changes_v1",
        summary="The change feed: every change within the client's reach, resumable",
        description=__doc__.split("\n\n", 1)[1],
        parameters=[
            OpenApiParameter("after", {"type": "string", "pattern": CURSOR_PATTERN},
                             description="A `next` this feed gave (opaque); none: from the "
                                         "beginning."),
            OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                       "default": DEFAULT_LIMIT},
                             description=f"Events a page, 1 to {MAX_LIMIT}."),
        ],
        responses={200: OpenApiResponse(inline_serializer("ChangePage", {
            "events": CloudEventSchema(many=True),
            "next": serializers.CharField(help_text="the cursor to resume from"),
        })), 410: OpenApiResponse(description=(
            "The cursor is before the oldest change kept (the change log was pruned): "
            "re-sync, then read again without `after`. `prunedBefore`: the cutoff."))},
    )
    def get(self, request):
        cursor = _cursor(request.query_params.get("after"))
        limit = _limit(request.query_params.get("limit"))
        records = ChangeRecord.objects.annotate(**reach.annotations()).filter(
            reach.visible(request.user))
        try:
            check_kept(cursor)
        except PrunedCursorError as gone:
            cutoff = f"{gone.cutoff:%Y-%m-%d}"
            return render_problem(ApiError(410, additiv_code(410), GONE.format(cutoff=cutoff),
                                           extra={"prunedBefore": cutoff}))
        found = page(cursor, limit, records)
        return Response({"events": [as_dict(record) for record in found.records],
                         "next": found.next.token()})


def _cursor(given: str | None) -> Cursor:
    try:
        return Cursor.parse(given)
    except CursorError as error:
        raise exceptions.ValidationError({"after": [str(error)]}) from None


def _limit(given: str | None) -> int:
    if given is None:
        return DEFAULT_LIMIT
    if not given.isdigit() or not 1 <= int(given) <= MAX_LIMIT:
        raise exceptions.ValidationError({"limit": [f"a whole number from 1 to {MAX_LIMIT}"]})
    return int(given)
