"""Token function: /token, /introspect, /revoke, /userinfo, /jwks and discovery of a tenant.

Routes are ``async`` and call the core directly: each request is a few milliseconds of
CPU and database work, and skipping the thread-pool hop is measurably faster.
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
    body = exchange(rt, tenant, authorization=request.headers.get("authorization"), form=form)
    return JSONResponse(body, headers=NO_STORE)


@router.post("/introspect")
async def introspection(request: Request, rt: RuntimeDep, tenant: TenantDep) -> Response:
    form = await oauth_form(request)
    body = introspect(rt, tenant, authorization=request.headers.get("authorization"), form=form)
    return JSONResponse(body, headers=NO_STORE)


@router.post("/revoke")
async def revocation(request: Request, rt: RuntimeDep, tenant: TenantDep) -> Response:
    form = await oauth_form(request)
    revoke(rt, tenant, authorization=request.headers.get("authorization"), form=form)
    return Response(status_code=200, headers=NO_STORE)


@router.get("/userinfo")
async def userinfo_get(request: Request, rt: RuntimeDep, tenant: TenantDep) -> Response:
    body = userinfo(rt, tenant, authorization=request.headers.get("authorization"))
    return JSONResponse(body, headers=NO_STORE)


@router.post("/userinfo")
async def userinfo_post(request: Request, rt: RuntimeDep, tenant: TenantDep) -> Response:
    """OIDC Core §5.3.1: the UserInfo endpoint supports GET and POST alike."""
    return await userinfo_get(request, rt, tenant)


app = create_app(router, title="idgate token")
handler = lambda_handler(app)
