"""Token function: /token, /introspect, /revoke, /userinfo, /jwks and discovery of a tenant.

These are the hot paths, so they are plain Starlette endpoints on the FastAPI router: no
dependency injection or parameter validation to solve per request (30 % of an in-process
client_credentials request, measured with loadtests/profile_request_path.py). Each one
reads the request, makes one core call and renders the result; errors are rendered by the
app's handlers like everywhere else. Core calls go through ``call_core``: inline on SQLite,
in the thread pool on PostgreSQL.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from starlette.requests import Request

from idgate.keys import jwks as tenant_jwks
from idgate.oauth.introspection import introspect
from idgate.oauth.revocation import revoke
from idgate.oauth.token_endpoint import exchange
from idgate.oidc.discovery import provider_metadata
from idgate.oidc.userinfo import userinfo
from idgate.runtime import Runtime, current_runtime
from idgate.tenants import Tenant
from idgate.web.app_factory import create_app, lambda_handler
from idgate.web.core_calls import call_core
from idgate.web.deps import resolve_tenant
from idgate.web.errors import NO_STORE
from idgate.web.forms import oauth_form
from idgate.web.plain_routes import add_plain_route

PREFIX = "/t/{tenant}"
PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}


def _tenant(request: Request) -> tuple[Runtime, Tenant]:
    rt = current_runtime()
    return rt, resolve_tenant(rt, request.path_params["tenant"])


async def discovery(request: Request) -> Response:
    rt, tenant = _tenant(request)
    return JSONResponse(provider_metadata(rt, tenant), headers=PUBLIC_CACHE)


async def jwks(request: Request) -> Response:
    rt, tenant = _tenant(request)
    return JSONResponse(tenant_jwks(rt, tenant.id), headers=PUBLIC_CACHE)


async def token(request: Request) -> Response:
    rt, tenant = _tenant(request)
    form = await oauth_form(request)
    authorization = request.headers.get("authorization")
    body = await call_core(rt, exchange, rt, tenant, authorization=authorization, form=form)
    return JSONResponse(body, headers=NO_STORE)


async def introspection(request: Request) -> Response:
    rt, tenant = _tenant(request)
    form = await oauth_form(request)
    authorization = request.headers.get("authorization")
    body = await call_core(rt, introspect, rt, tenant, authorization=authorization, form=form)
    return JSONResponse(body, headers=NO_STORE)


async def revocation(request: Request) -> Response:
    rt, tenant = _tenant(request)
    form = await oauth_form(request)
    authorization = request.headers.get("authorization")
    await call_core(rt, revoke, rt, tenant, authorization=authorization, form=form)
    return Response(status_code=200, headers=NO_STORE)


async def userinfo_endpoint(request: Request) -> Response:
    """OIDC Core §5.3.1: the UserInfo endpoint supports GET and POST alike."""
    rt, tenant = _tenant(request)
    authorization = request.headers.get("authorization")
    body = await call_core(rt, userinfo, rt, tenant, authorization=authorization)
    return JSONResponse(body, headers=NO_STORE)


router = APIRouter()
for path, endpoint, methods in [
    ("/.well-known/openid-configuration", discovery, ["GET"]),
    ("/jwks", jwks, ["GET"]),
    ("/token", token, ["POST"]),
    ("/introspect", introspection, ["POST"]),
    ("/revoke", revocation, ["POST"]),
    ("/userinfo", userinfo_endpoint, ["GET", "POST"]),
]:
    add_plain_route(router, PREFIX + path, endpoint, methods)

app = create_app(router, title="idgate token")
handler = lambda_handler(app)
