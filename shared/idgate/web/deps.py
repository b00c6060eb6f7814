"""Typed FastAPI dependencies shared by every function."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Response

from idgate.identity.sessions import Session, current_session
from idgate.kernel.runtime import Runtime
from idgate.process import current_runtime
from idgate.tenancy.tenants import Tenant
from idgate.web.request_tenant import request_tenant

# Not ``__Host-``-prefixed: that prefix requires ``Path=/``, and the session cookie is scoped
# to its tenant's path (``/t/{slug}/``) so that one tenant's pages never receive another's
# session. It is HttpOnly, SameSite=Lax (a relying party's top-level redirect to
# ``/authorize`` must carry it) and Secure whenever the public URL is https.
SESSION_COOKIE = "idgate_session"


async def _runtime() -> Runtime:
    # async: a sync dependency would cost a thread-pool round trip on every request.
    return current_runtime()


async def _tenant(
    tenant: Annotated[str, Path()], rt: Annotated[Runtime, Depends(_runtime)]
) -> Tenant:
    # Async on purpose: the tenant scope must be set in the request's own task.
    return request_tenant(rt, tenant)


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
