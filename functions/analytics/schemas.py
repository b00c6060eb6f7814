"""The analytics API's answers as the OpenAPI document declares them (pydantic models at
the edge; the core returns plain dictionaries of these shapes)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ErrorOut(BaseModel):
    """Every error the API answers (``idgate.web.errors``); ``fields`` names the parameters
    at fault of a 400."""

    error: str
    error_description: str
    fields: list[str] | None = None


class LoginBucketOut(BaseModel):
    start: str  # the bucket's start in the requested zone, ISO 8601 with its offset
    success: int
    failure: int


class LoginTotalsOut(BaseModel):
    success: int
    failure: int


class LoginsOut(BaseModel):
    interval: str
    tz: str
    series: list[LoginBucketOut]
    totals: LoginTotalsOut


class MethodOut(BaseModel):
    method: str
    success: int
    failure: int


class MethodsOut(BaseModel):
    items: list[MethodOut]


class ApplicationOut(BaseModel):
    client_id: str | None
    name: str | None
    success: int
    failure: int


class ApplicationsOut(BaseModel):
    items: list[ApplicationOut]


class ActiveBucketOut(BaseModel):
    start: str
    active: int


class ActiveCustomersOut(BaseModel):
    date: str
    dau: int
    wau: int
    mau: int
    series: list[ActiveBucketOut]


class GrowthBucketOut(BaseModel):
    start: str
    new_customers: int
    total_customers: int


class GrowthOut(BaseModel):
    series: list[GrowthBucketOut]


class TokenBucketOut(BaseModel):
    """``start``, then the grants issued of each grant type."""

    model_config = ConfigDict(extra="allow")
    start: str


class TokenTotalOut(BaseModel):
    issued: int
    failed: int


class TokensOut(BaseModel):
    series: list[TokenBucketOut]
    totals: dict[str, TokenTotalOut]


class RecentLoginOut(BaseModel):
    at: str
    customer_id: str | None
    email: str | None
    method: str
    client_id: str | None
    outcome: str
    reason: str | None


class RecentLoginsOut(BaseModel):
    items: list[RecentLoginOut]


class OrganizationCountsOut(BaseModel):
    pending: int
    active: int
    suspended: int
    rejected: int


class OverviewOut(BaseModel):
    organizations: OrganizationCountsOut
    customers_total: int
    mau: int
    logins_24h: int
    logins_30d: int
    failures_24h: int


class PlatformGrowthBucketOut(BaseModel):
    start: str
    new_organizations: int
    new_customers: int


class PlatformGrowthOut(BaseModel):
    series: list[PlatformGrowthBucketOut]


class TopOrganizationOut(BaseModel):
    slug: str
    name: str
    logins: int
    mau: int
    customers: int


class TopOrganizationsOut(BaseModel):
    items: list[TopOrganizationOut]
