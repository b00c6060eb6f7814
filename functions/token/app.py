"""Token function: /token, /introspect, /revoke, /userinfo, /jwks and discovery of a tenant.

Routes are ``async`` (the form body is read asynchronously) and call the core through
``call_core``: inline on SQLite, in the thread pool on PostgreSQL.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from idgate.keys import jwks as tenant_jwks
from idgate.oauth.introspection import introspect
from idgate.oauth.revocation import revoke
from idgate.oauth.token_endpoint import exchange
from idgate.oidc.discovery import provider_metadata
from idgate.oidc.userinfo import userinfo
from idgate.web.app_factory import create_app, lambda_handler
from idgate.web.core_calls import call_core
from idgate.web.deps import RuntimeDep, TenantDep
from idgate.web.forms import oauth_form

router = APIRouter(prefix="/t/{tenant}")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}


@router.get("/.well-known/openid-configuration")
async def discovery(rt: RuntimeDep, tenant: TenantDep) -> Response:
    return JSONResponse(provider_metadata(rt, tenant), headers=PUBLIC_CACHE)


@router.get("/jwks")
async def jwks(rt: RuntimeDep, tenant: TenantDep) -> Response:
    return JSONResponse(tenant_jwks(rt, tenant.id), headers=PUBLIC_CACHE)


@router.post("/token")
async def token(request: Request, rt: RuntimeDep, tenant: TenantDep) -> Response:
    form = await oauth_form(request)
    authorization = request.headers.get("authorization")
    body = await call_core(rt, exchange, rt, tenant, authorization=authorization, form=form)
    return JSONResponse(body, headers=NO_STORE)


@router.post("/introspect")
async def introspection(request: Request, rt: RuntimeDep, tenant: TenantDep) -> Response:
    form = await oauth_form(request)
    authorization = request.headers.get("authorization")
    body = await call_core(rt, introspect, rt, tenant, authorization=authorization, form=form)
    return JSONResponse(body, headers=NO_STORE)


@router.post("/revoke")
async def revocation(request: Request, rt: RuntimeDep, tenant: TenantDep) -> Response:
    form = await oauth_form(request)
    authorization = request.headers.get("authorization")
    await call_core(rt, revoke, rt, tenant, authorization=authorization, form=form)
    return Response(status_code=200, headers=NO_STORE)


@router.get("/userinfo")
async def userinfo_get(request: Request, rt: RuntimeDep, tenant: TenantDep) -> Response:
    authorization = request.headers.get("authorization")
    body = await call_core(rt, userinfo, rt, tenant, authorization=authorization)
    return JSONResponse(body, headers=NO_STORE)


@router.post("/userinfo")
async def userinfo_post(request: Request, rt: RuntimeDep, tenant: TenantDep) -> Response:
    """OIDC Core §5.3.1: the UserInfo endpoint supports GET and POST alike."""
    return await userinfo_get(request, rt, tenant)


app = create_app(router, title="idgate token")
handler = lambda_handler(app)
