"""Analytics for operators: an organization's sign-ins, active customers, growth, token
grants and latest sign-ins (``org.analytics.read``, every organization role), and the
platform's figures (``platform.analytics.read``, platform owners only).

Each operation checks its permission before it reads its parameters, so an operator of
another organization gets the same 404 whatever they ask; a bad parameter is then a
``ValidationFailed`` naming it (400). The figures come from ``analytics``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import Connection

from idgate.analytics import activity_queries, event_queries, platform_queries
from idgate.analytics.buckets import RangeQuery, parse_moment, time_zone
from idgate.analytics.sign_in_queries import (
    SignInFilter,
    sign_in_series,
    sign_ins_by_application,
    sign_ins_by_method,
)
from idgate.analytics.time_units import DAY, day_of
from idgate.control.organizations import authorized_organization
from idgate.control.rbac import Operator, require_platform_permission
from idgate.kernel.errors import ValidationFailed
from idgate.kernel.runtime import Runtime
from idgate.oauth.grants import GRANTS
from idgate.storage import database
from idgate.tenancy.tenants import Tenant

T = TypeVar("T")
ORG_PERMISSION = "org.analytics.read"
PLATFORM_PERMISSION = "platform.analytics.read"


def _in_org(
    rt: Runtime, operator: Operator, slug: str, read: Callable[[Connection, Tenant], T]
) -> T:
    with database.read(rt.engine) as conn:
        tenant = authorized_organization(conn, operator, slug, ORG_PERMISSION)
        return read(conn, tenant)


def _on_platform(rt: Runtime, operator: Operator, read: Callable[[Connection], T]) -> T:
    require_platform_permission(operator, PLATFORM_PERMISSION)
    with database.read(rt.engine) as conn:
        return read(conn)


def org_logins(
    rt: Runtime,
    operator: Operator,
    slug: str,
    query: RangeQuery,
    *,
    client_id: str | None = None,
    method: str | None = None,
) -> dict[str, Any]:
    def read(conn: Connection, tenant: Tenant) -> dict[str, Any]:
        scope = SignInFilter(tenant.id, client_id, method)
        return sign_in_series(conn, query.buckets(rt.now()), scope)

    return _in_org(rt, operator, slug, read)


def org_logins_by_method(
    rt: Runtime, operator: Operator, slug: str, query: RangeQuery
) -> list[dict[str, Any]]:
    return _in_org(
        rt,
        operator,
        slug,
        lambda conn, tenant: sign_ins_by_method(conn, query.buckets(rt.now()), tenant.id),
    )


def org_logins_by_application(
    rt: Runtime, operator: Operator, slug: str, query: RangeQuery
) -> list[dict[str, Any]]:
    return _in_org(
        rt,
        operator,
        slug,
        lambda conn, tenant: sign_ins_by_application(conn, query.buckets(rt.now()), tenant.id),
    )


def _day(value: str | None, now: float) -> int:
    """A ``date`` parameter as a UTC day; by default yesterday, the last complete day."""
    if value is None:
        return day_of(now) - 1
    return day_of(parse_moment(value, time_zone("UTC"), field="date"))


def org_active_customers(
    rt: Runtime, operator: Operator, slug: str, query: RangeQuery, *, date: str | None = None
) -> dict[str, Any]:
    def read(conn: Connection, tenant: Tenant) -> dict[str, Any]:
        if date is not None and len(date) != 10:
            raise ValidationFailed("date: an ISO date (YYYY-MM-DD)", field="date")
        day = _day(date, rt.now())
        series = activity_queries.active_series(conn, query.buckets(rt.now()), tenant.id)
        counts = activity_queries.active_on(conn, tenant.id, day)
        return {"date": _iso_day(day), **counts, "series": series}

    return _in_org(rt, operator, slug, read)


def _iso_day(day: int) -> str:
    return datetime.fromtimestamp(day * DAY, UTC).date().isoformat()


def org_growth(
    rt: Runtime, operator: Operator, slug: str, query: RangeQuery
) -> list[dict[str, Any]]:
    return _in_org(
        rt,
        operator,
        slug,
        lambda conn, tenant: event_queries.growth_series(conn, query.buckets(rt.now()), tenant.id),
    )


def org_tokens(rt: Runtime, operator: Operator, slug: str, query: RangeQuery) -> dict[str, Any]:
    grant_types = [grant.grant_type for grant in GRANTS]
    return _in_org(
        rt,
        operator,
        slug,
        lambda conn, tenant: event_queries.token_series(
            conn, query.buckets(rt.now()), tenant.id, grant_types
        ),
    )


def org_recent_logins(
    rt: Runtime, operator: Operator, slug: str, *, limit: int
) -> list[dict[str, Any]]:
    return _in_org(
        rt,
        operator,
        slug,
        lambda conn, tenant: event_queries.recent_sign_ins(conn, tenant.id, limit),
    )


def platform_overview(rt: Runtime, operator: Operator) -> dict[str, Any]:
    return _on_platform(rt, operator, lambda conn: platform_queries.overview(conn, rt.now()))


def platform_growth(rt: Runtime, operator: Operator, query: RangeQuery) -> list[dict[str, Any]]:
    return _on_platform(
        rt, operator, lambda conn: platform_queries.platform_growth(conn, query.buckets(rt.now()))
    )


def platform_logins(
    rt: Runtime,
    operator: Operator,
    query: RangeQuery,
    *,
    client_id: str | None = None,
    method: str | None = None,
) -> dict[str, Any]:
    scope = SignInFilter(None, client_id, method)
    return _on_platform(
        rt, operator, lambda conn: sign_in_series(conn, query.buckets(rt.now()), scope)
    )


def platform_top_organizations(
    rt: Runtime, operator: Operator, *, by: Literal["logins", "mau"], limit: int
) -> list[dict[str, Any]]:
    return _on_platform(
        rt,
        operator,
        lambda conn: platform_queries.top_organizations(conn, rt.now(), by=by, limit=limit),
    )
