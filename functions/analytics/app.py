"""Analytics function: the metrics API of organizations and of the platform
(``/api/v1/orgs/{slug}/analytics/*``, ``/api/v1/platform/analytics/*``) and the scheduled
rollup job (``idgate.analytics.rollup``), in one Lambda function: an EventBridge event
runs the rollup, an HTTP API event a route.

Every route authenticates the operator, makes one core call (``control.analytics_
reports``, which checks ``org.analytics.read`` or ``platform.analytics.read``) and answers
JSON, or CSV with a header row for ``Accept: text/csv``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import structlog
from fastapi import Query, Request

from functions.analytics import schemas as out
from functions.analytics.deps import (
    OperatorDep,
    RangeDep,
    analytics_router,
    csv_response,
    wants_csv,
)
from idgate.analytics.rollup import roll_up
from idgate.control import analytics_reports as reports
from idgate.process import current_runtime
from idgate.web.app_factory import create_app
from idgate.web.deps import RuntimeDep
from idgate.web.lambda_handler import lambda_handler

router = analytics_router()
ORG = "/orgs/{slug}/analytics"
PLATFORM = "/platform/analytics"
log = structlog.get_logger("idgate.analytics")


def _answer(request: Request, body: dict[str, Any], rows: str) -> Any:
    return csv_response(body[rows]) if wants_csv(request) else body


@router.get(f"{ORG}/logins", response_model=out.LoginsOut)
def org_logins(
    slug: str,
    request: Request,
    rt: RuntimeDep,
    operator: OperatorDep,
    query: RangeDep,
    client_id: str | None = None,
    method: str | None = None,
) -> Any:
    """Successful and failed sign-ins per bucket, zero-filled."""
    body = reports.org_logins(rt, operator, slug, query, client_id=client_id, method=method)
    return _answer(request, body, "series")


@router.get(f"{ORG}/logins/by-method", response_model=out.MethodsOut)
def org_logins_by_method(
    slug: str, request: Request, rt: RuntimeDep, operator: OperatorDep, query: RangeDep
) -> Any:
    items = reports.org_logins_by_method(rt, operator, slug, query)
    return _answer(request, {"items": items}, "items")


@router.get(f"{ORG}/logins/by-application", response_model=out.ApplicationsOut)
def org_logins_by_application(
    slug: str, request: Request, rt: RuntimeDep, operator: OperatorDep, query: RangeDep
) -> Any:
    items = reports.org_logins_by_application(rt, operator, slug, query)
    return _answer(request, {"items": items}, "items")


@router.get(f"{ORG}/active-customers", response_model=out.ActiveCustomersOut)
def org_active_customers(
    slug: str,
    request: Request,
    rt: RuntimeDep,
    operator: OperatorDep,
    query: RangeDep,
    date: Annotated[str | None, Query(description="ISO date; default yesterday (UTC)")] = None,
) -> Any:
    """DAU, WAU and MAU on ``date``, and the distinct customers active per bucket."""
    body = reports.org_active_customers(rt, operator, slug, query, date=date)
    return _answer(request, body, "series")


@router.get(f"{ORG}/growth", response_model=out.GrowthOut)
def org_growth(
    slug: str, request: Request, rt: RuntimeDep, operator: OperatorDep, query: RangeDep
) -> Any:
    series = reports.org_growth(rt, operator, slug, query)
    return _answer(request, {"series": series}, "series")


@router.get(f"{ORG}/tokens", response_model=out.TokensOut)
def org_tokens(
    slug: str, request: Request, rt: RuntimeDep, operator: OperatorDep, query: RangeDep
) -> Any:
    """Token grants issued per bucket and grant type; totals issued and failed."""
    return _answer(request, reports.org_tokens(rt, operator, slug, query), "series")


@router.get(f"{ORG}/recent-logins", response_model=out.RecentLoginsOut)
def org_recent_logins(
    slug: str,
    request: Request,
    rt: RuntimeDep,
    operator: OperatorDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Any:
    """The latest sign-in attempts, newest first (kept for the events' retention)."""
    items = reports.org_recent_logins(rt, operator, slug, limit=limit)
    return _answer(request, {"items": items}, "items")


@router.get(f"{PLATFORM}/overview", response_model=out.OverviewOut)
def platform_overview(rt: RuntimeDep, operator: OperatorDep) -> Any:
    return reports.platform_overview(rt, operator)


@router.get(f"{PLATFORM}/growth", response_model=out.PlatformGrowthOut)
def platform_growth(
    request: Request, rt: RuntimeDep, operator: OperatorDep, query: RangeDep
) -> Any:
    series = reports.platform_growth(rt, operator, query)
    return _answer(request, {"series": series}, "series")


@router.get(f"{PLATFORM}/logins", response_model=out.LoginsOut)
def platform_logins(
    request: Request,
    rt: RuntimeDep,
    operator: OperatorDep,
    query: RangeDep,
    client_id: str | None = None,
    method: str | None = None,
) -> Any:
    """As an organization's, over every organization."""
    body = reports.platform_logins(rt, operator, query, client_id=client_id, method=method)
    return _answer(request, body, "series")


@router.get(f"{PLATFORM}/top-organizations", response_model=out.TopOrganizationsOut)
def platform_top_organizations(
    request: Request,
    rt: RuntimeDep,
    operator: OperatorDep,
    by: Literal["logins", "mau"] = "logins",
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Any:
    """Sign-ins of the last 30 days, MAU and customers of the first organizations by ``by``."""
    items = reports.platform_top_organizations(rt, operator, by=by, limit=limit)
    return _answer(request, {"items": items}, "items")


app = create_app(router, title="idgate analytics API")
_http_handler = lambda_handler(app)


def handler(event: dict[str, Any], context: Any) -> Any:
    """An EventBridge scheduled event runs the rollup; anything else is an HTTP request."""
    if event.get("source") == "aws.events":
        counts = roll_up(current_runtime())
        log.info("rolled_up", trigger=event.get("detail-type", "direct"), **counts)
        return counts
    return _http_handler(event, context)
