"""What every analytics route shares: the authenticated operator, the control plane's
tenant scope, the range parameters, and answering in CSV when asked (``Accept:
text/csv``). Its own copy of the admin function's two dependencies: functions import no
other function (an import-linter contract), and each is its own Lambda function."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from functions.analytics.schemas import ErrorOut
from idgate.analytics.buckets import RangeQuery
from idgate.control.operators import authenticate_operator
from idgate.control.rbac import Operator
from idgate.storage.tenant_scope import ALL_TENANTS, set_scope
from idgate.web.deps import RuntimeDep


async def _platform_scope() -> None:
    # Figures of one organization or of all: RBAC is enforced in code by every operation
    # (control.analytics_reports), as for the admin API. async: the scope is set in the
    # request's own context.
    set_scope(ALL_TENANTS)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorOut, "description": "Refused; the body says why"},
    503: {"model": ErrorOut, "description": "The database is unavailable: retry after Retry-After"},
}


def analytics_router() -> APIRouter:
    return APIRouter(
        prefix="/api/v1",
        dependencies=[Depends(_platform_scope)],
        tags=["analytics"],
        responses=ERROR_RESPONSES,
    )


def current_operator(request: Request, rt: RuntimeDep) -> Operator:
    return authenticate_operator(rt, request.headers.get("authorization"))


OperatorDep = Annotated[Operator, Depends(current_operator)]


def _range_query(
    start: Annotated[str | None, Query(alias="from", description="ISO date or date-time")] = None,
    end: Annotated[str | None, Query(alias="to", description="ISO date or date-time")] = None,
    interval: Annotated[str | None, Query(description="hour, day, week or month")] = None,
    tz: Annotated[str | None, Query(description="IANA time zone; default UTC")] = None,
) -> RangeQuery:
    return RangeQuery(start, end, interval, tz)


RangeDep = Annotated[RangeQuery, Depends(_range_query)]


def wants_csv(request: Request) -> bool:
    return "text/csv" in request.headers.get("accept", "")


def csv_response(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> Response:
    """``rows`` as CSV with a header row (the keys of the first row, unless ``columns``)."""
    header = list(columns or (rows[0].keys() if rows else []))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({key: _cell(value) for key, value in row.items()} for row in rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula (an email or an application
    name is anyone's text) is prefixed with an apostrophe (OWASP "CSV injection")."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
