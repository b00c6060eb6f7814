"""Authorization function: /authorize, sign-in, consent and logout pages of a tenant."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from functions.authorize.login_page import login_page
from functions.authorize.self_service_routes import SELF_SERVICE_ROUTERS
from functions.authorize.sign_up_routes import verification_needed_page
from functions.authorize.upstream_routes import upstream_router
from idgate.identity.sessions import Session
from idgate.identity.sign_in import EmailNotVerified, SignInFailed, next_step_path, sign_in
from idgate.kernel.runtime import Runtime
from idgate.oauth.authorization_flow import (
    ConsentPrompt,
    answer_consent,
    consent_prompt,
    resume_authorization,
    start_authorization,
)
from idgate.oauth.authorize import NeedsLogin, Outcome, RedirectTo
from idgate.oauth.scopes import SCOPE_DESCRIPTIONS
from idgate.oidc.logout import log_out, needs_confirmation, parse_logout_request
from idgate.tenancy.tenants import Tenant
from idgate.web.app_factory import create_app
from idgate.web.deps import (
    RuntimeDep,
    SessionDep,
    TenantDep,
    clear_session_cookie,
    set_session_cookie,
)
from idgate.web.forms import query_params
from idgate.web.lambda_handler import lambda_handler
from idgate.web.pages import check_csrf, redirect, render

router = APIRouter(prefix="/t/{tenant}")


def _respond(tenant: Tenant, outcome: Outcome) -> Response:
    if isinstance(outcome, RedirectTo):
        return redirect(outcome.url)
    step = "login" if isinstance(outcome, NeedsLogin) else "consent"
    return redirect(f"/t/{tenant.slug}/{step}?{urlencode({'interaction': outcome.interaction_id})}")


@router.get("/authorize")
def authorize(request: Request, rt: RuntimeDep, tenant: TenantDep, session: SessionDep) -> Response:
    params, repeated = query_params(request)
    return _respond(tenant, start_authorization(rt, tenant, params, repeated, session))


@router.get("/authorize/resume")
def resume(
    rt: RuntimeDep, tenant: TenantDep, session: SessionDep, interaction: str | None = None
) -> Response:
    return _respond(tenant, resume_authorization(rt, tenant, interaction, session))


@router.get("/login")
def login_form(
    request: Request, rt: RuntimeDep, tenant: TenantDep, interaction: str | None = None
) -> Response:
    return login_page(request, rt, tenant, interaction)


@router.post("/login")
def login(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    interaction: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        signed_in = sign_in(rt, tenant, interaction_id=interaction, email=email, password=password)
    except EmailNotVerified as unverified:
        return verification_needed_page(request, tenant, interaction, unverified.email)
    except SignInFailed as failure:
        page = login_page(
            request,
            rt,
            tenant,
            interaction,
            email=email,
            error=failure.description,
            status_code=failure.status_code,  # 401, or 429 past the per-IP limit
        )
        if failure.retry_after is not None:  # RFC 6585 §4, RFC 9110 §10.2.3
            page.headers["Retry-After"] = str(failure.retry_after)
        return page
    response = redirect(next_step_path(tenant, signed_in.interaction))
    set_session_cookie(response, rt, tenant, signed_in.cookie)
    return response


@router.get("/consent")
def consent_page(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    session: SessionDep,
    interaction: str | None = None,
) -> Response:
    prompt = consent_prompt(rt, tenant, interaction, session)
    if not isinstance(prompt, ConsentPrompt):
        return _respond(tenant, prompt)
    return render(
        request,
        "consent.html",
        tenant_name=tenant.name,
        application=prompt.application,
        scopes=prompt.scopes,
        scope_labels=SCOPE_DESCRIPTIONS,
        interaction=prompt.interaction_id,
        action=f"/t/{tenant.slug}/consent",
        form_targets=[prompt.redirect_uri],
    )


@router.post("/consent")
def consent(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    session: SessionDep,
    interaction: Annotated[str, Form()] = "",
    decision: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    outcome = answer_consent(rt, tenant, interaction, session, allow=decision == "allow")
    return _respond(tenant, outcome)


def _logout(
    request: Request,
    rt: Runtime,
    tenant: Tenant,
    session: Session | None,
    params: dict[str, str],
    *,
    confirmed: bool,
) -> Response:
    logout_request = parse_logout_request(rt, tenant, params)
    if not confirmed and needs_confirmation(logout_request, session):
        return render(
            request,
            "logout_confirm.html",
            tenant_name=tenant.name,
            params=params,
            action=f"/t/{tenant.slug}/logout",
            form_targets=[logout_request.post_logout_redirect_uri],
        )
    destination = log_out(rt, tenant, logout_request, session)
    response = redirect(destination) if destination else render(request, "logged_out.html")
    clear_session_cookie(response, rt, tenant)
    return response


@router.get("/logout")
def logout_page(
    request: Request, rt: RuntimeDep, tenant: TenantDep, session: SessionDep
) -> Response:
    return _logout(request, rt, tenant, session, query_params(request)[0], confirmed=False)


@router.post("/logout")
def logout(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    session: SessionDep,
    id_token_hint: Annotated[str | None, Form()] = None,
    post_logout_redirect_uri: Annotated[str | None, Form()] = None,
    state: Annotated[str | None, Form()] = None,
    client_id: Annotated[str | None, Form()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    params = {
        "id_token_hint": id_token_hint,
        "post_logout_redirect_uri": post_logout_redirect_uri,
        "state": state,
        "client_id": client_id,
    }
    present = {k: v for k, v in params.items() if v is not None}
    return _logout(request, rt, tenant, session, present, confirmed=True)


# One flat router, as local/server.py mounts it and tests/unit/test_template.py reads it.
router.routes.extend(upstream_router.routes)
for self_service_router in SELF_SERVICE_ROUTERS:
    router.routes.extend(self_service_router.routes)
app = create_app(router, title="idgate authorize")
handler = lambda_handler(app)
