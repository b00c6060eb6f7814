"""Typed FastAPI dependencies shared by every function."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Response

from idgate.runtime import Runtime, current_runtime
from idgate.sessions import Session, current_session
from idgate.tenant_scope import set_scope
from idgate.tenants import Tenant, serving_tenant

SESSION_COOKIE = "idgate_session"


async def _runtime() -> Runtime:
    # async: a sync dependency would cost a thread-pool round trip on every request.
    return current_runtime()


def resolve_tenant(rt: Runtime, slug: str) -> Tenant:
    """The request's tenant, whose id becomes the request's tenant scope
    (idgate.tenant_scope). Call it from an async dependency or endpoint: FastAPI runs sync
    dependencies in a copy of the request's context, so a scope set there would not reach the
    endpoint; an async one sets it in the request's own task, which later dependencies and
    the endpoint inherit (sync ones in a thread-pool copy of it) and which ends with the
    request. The lookup is a cache hit but once per tenant and TTL."""
    resolved = serving_tenant(rt, slug)
    set_scope(resolved.id)
    return resolved


async def _tenant(
    tenant: Annotated[str, Path()], rt: Annotated[Runtime, Depends(_runtime)]
) -> Tenant:
    return resolve_tenant(rt, tenant)


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
TenantDep = Annotated[Tenant, Depends(_tenant)]


def browser_session(request: Request, rt: RuntimeDep, tenant: TenantDep) -> Session | None:
    return current_session(rt, tenant.id, request.cookies.get(SESSION_COOKIE))


SessionDep = Annotated[Session | None, Depends(browser_session)]


def set_session_cookie(response: Response, rt: Runtime, tenant: Tenant, cookie: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        path=f"/t/{tenant.slug}/",
        httponly=True,
        samesite="lax",
        secure=rt.settings.secure_cookies,
    )


def clear_session_cookie(response: Response, rt: Runtime, tenant: Tenant) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path=f"/t/{tenant.slug}/",
        httponly=True,
        samesite="lax",
        secure=rt.settings.secure_cookies,
    )
