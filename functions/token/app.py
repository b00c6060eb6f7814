"""Token function: /token, /introspect, /revoke, /userinfo, /jwks and discovery of a tenant.

These are the hot paths, so they are served by ``TenantJsonEndpoints``, a plain ASGI app,
rather than a framework (see ``idgate.web.json_endpoints``). Each endpoint reads the
request, makes one core call and returns its JSON. Core calls go through ``call_core``:
inline on SQLite, in the thread pool on PostgreSQL.
"""

from __future__ import annotations

from idgate.kernel.runtime import Runtime
from idgate.keys.signing_keys import jwks as tenant_jwks
from idgate.oauth.grants import CACHE_SERVED_GRANTS
from idgate.oauth.introspection import introspect
from idgate.oauth.revocation import revoke
from idgate.observability.logging import ensure_logging
from idgate.observability.middleware import RequestObservability
from idgate.oidc.discovery import provider_metadata
from idgate.oidc.token_endpoint import exchange
from idgate.oidc.userinfo import userinfo
from idgate.tenancy.tenants import Tenant
from idgate.web.core_calls import call_core
from idgate.web.json_endpoints import (
    EndpointRequest,
    Headers,
    JsonAnswer,
    TenantJsonEndpoints,
    cached_json_bytes,
    json_bytes,
)
from idgate.web.lambda_handler import lambda_handler

PUBLIC_CACHE: Headers = ((b"cache-control", b"public, max-age=300"),)


async def discovery(rt: Runtime, tenant: Tenant, request: EndpointRequest) -> JsonAnswer:
    metadata = provider_metadata(rt, tenant)
    return JsonAnswer(
        cached_json_bytes(rt, ("discovery", tenant.id), metadata), headers=PUBLIC_CACHE
    )


async def jwks(rt: Runtime, tenant: Tenant, request: EndpointRequest) -> JsonAnswer:
    key_set = tenant_jwks(rt, tenant.id)
    return JsonAnswer(cached_json_bytes(rt, ("jwks", tenant.id), key_set), headers=PUBLIC_CACHE)


async def token(rt: Runtime, tenant: Tenant, request: EndpointRequest) -> JsonAnswer:
    authorization = request.header(b"authorization")
    form = request.form()
    if form.get("grant_type") in CACHE_SERVED_GRANTS:
        # No database work to overlap: a thread-pool hop would be half the request's CPU.
        body = exchange(rt, tenant, authorization=authorization, form=form)
    else:
        body = await call_core(rt, exchange, rt, tenant, authorization=authorization, form=form)
    return JsonAnswer(json_bytes(body))


async def introspection(rt: Runtime, tenant: Tenant, request: EndpointRequest) -> JsonAnswer:
    authorization = request.header(b"authorization")
    body = await call_core(
        rt, introspect, rt, tenant, authorization=authorization, form=request.form()
    )
    return JsonAnswer(json_bytes(body))


async def revocation(rt: Runtime, tenant: Tenant, request: EndpointRequest) -> JsonAnswer:
    authorization = request.header(b"authorization")
    await call_core(rt, revoke, rt, tenant, authorization=authorization, form=request.form())
    return JsonAnswer(b"")


async def userinfo_endpoint(rt: Runtime, tenant: Tenant, request: EndpointRequest) -> JsonAnswer:
    """OIDC Core §5.3.1: the UserInfo endpoint supports GET and POST alike."""
    authorization = request.header(b"authorization")
    body = await call_core(rt, userinfo, rt, tenant, authorization=authorization)
    return JsonAnswer(json_bytes(body))


endpoints = TenantJsonEndpoints(
    {
        ".well-known/openid-configuration": (discovery, ["GET"]),
        "jwks": (jwks, ["GET"]),
        "token": (token, ["POST"]),
        "introspect": (introspection, ["POST"]),
        "revoke": (revocation, ["POST"]),
        "userinfo": (userinfo_endpoint, ["GET", "POST"]),
    }
)
app = RequestObservability(endpoints)
ensure_logging()
handler = lambda_handler(app)
