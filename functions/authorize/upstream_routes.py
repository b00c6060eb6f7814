"""Upstream sign-in routes of a tenant: start a sign-in or a linking at an upstream
connection, take its callback, and hand the customer's upstream token to an application.

The flow is bound to the browser by a cookie scoped to the tenant's ``/upstream/`` paths,
SameSite=Lax so that the upstream's top-level redirect back carries it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from functions.authorize.login_page import login_page
from idgate.identity.sign_in import next_step_path
from idgate.identity.upstream.flow_state import FLOW_LIFETIME
from idgate.identity.upstream.flows import (
    AwaitingProof,
    Failed,
    Linked,
    SignedInUpstream,
    UpstreamRedirect,
    begin_link,
    begin_sign_in,
    finish,
)
from idgate.identity.upstream.upstream_http import UpstreamFailed
from idgate.kernel.errors import NotAuthenticated
from idgate.kernel.runtime import Runtime
from idgate.oauth.upstream_token_endpoint import upstream_token
from idgate.tenancy.tenants import Tenant
from idgate.web.deps import RuntimeDep, SessionDep, TenantDep, set_session_cookie
from idgate.web.forms import query_params
from idgate.web.json_endpoints import NO_STORE_HEADERS
from idgate.web.pages import redirect, render

FLOW_COOKIE = "idgate_upstream"
upstream_router = APIRouter(prefix="/t/{tenant}/upstream/{connection_id}")


def _to_upstream(rt: Runtime, tenant: Tenant, started: UpstreamRedirect) -> Response:
    response = redirect(started.url)
    response.set_cookie(
        FLOW_COOKIE,
        started.browser,
        max_age=FLOW_LIFETIME,
        path=f"/t/{tenant.slug}/upstream/",
        httponly=True,
        samesite="lax",
        secure=rt.settings.secure_cookies,
    )
    return response


@upstream_router.get("/start")
def start(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    connection_id: str,
    interaction: str | None = None,
) -> Response:
    try:
        started = begin_sign_in(rt, tenant, connection_id, interaction)
    except UpstreamFailed as failure:  # e.g. its discovery document is out of reach
        return login_page(
            request, rt, tenant, interaction, error=failure.description, status_code=502
        )
    return _to_upstream(rt, tenant, started)


@upstream_router.get("/link")
def link(rt: RuntimeDep, tenant: TenantDep, session: SessionDep, connection_id: str) -> Response:
    if session is None:
        raise NotAuthenticated("Sign in first, then link another account.")
    return _to_upstream(rt, tenant, begin_link(rt, tenant, connection_id, session))


@upstream_router.get("/callback")
def callback(
    request: Request, rt: RuntimeDep, tenant: TenantDep, session: SessionDep, connection_id: str
) -> Response:
    params = query_params(request)[0]
    browser = request.cookies.get(FLOW_COOKIE)
    outcome = finish(rt, tenant, connection_id, params, browser=browser, session=session)
    response: Response
    if isinstance(outcome, SignedInUpstream):
        response = redirect(next_step_path(tenant, outcome.signed_in.interaction))
        set_session_cookie(response, rt, tenant, outcome.signed_in.cookie)
    elif isinstance(outcome, AwaitingProof):
        response = redirect(f"/t/{tenant.slug}/login?interaction={outcome.interaction_id}")
    elif isinstance(outcome, Linked):
        response = render(
            request,
            "upstream_linked.html",
            tenant_name=tenant.name,
            connection_name=outcome.connection.name,
        )
    else:
        # The cookie stays: a forged or stale callback (anyone can link to this URL) must
        # not unbind the flow this browser still has in progress. It expires with the flow.
        return _failure_page(request, rt, tenant, outcome)
    response.delete_cookie(FLOW_COOKIE, path=f"/t/{tenant.slug}/upstream/")
    return response


def _failure_page(request: Request, rt: Runtime, tenant: Tenant, failure: Failed) -> Response:
    if failure.interaction_id is None:
        return render(
            request, "error.html", status_code=400, error="invalid_request", message=failure.message
        )
    return login_page(
        request, rt, tenant, failure.interaction_id, error=failure.message, status_code=400
    )


@upstream_router.get("/token")
def token(request: Request, rt: RuntimeDep, tenant: TenantDep, connection_id: str) -> Response:
    authorization = request.headers.get("authorization")
    body: dict[str, Any] = upstream_token(rt, tenant, connection_id, authorization=authorization)
    return JSONResponse(body, headers=NO_STORE_HEADERS)
