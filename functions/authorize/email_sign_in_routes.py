"""The tenant's pages for email sign-in by a mailed link or 6-digit code
(``idgate.identity.account.email_sign_in``): asking for them, the link's page and the code
form. They exist only while the organization's policy turns email sign-in on; otherwise
each is not found.

The link's GET only shows a button that POSTs it: mail scanners fetch the links of a mail,
and must not spend them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from idgate.identity.account.account_tokens import LinkInvalid, WrongCode
from idgate.identity.account.email_sign_in import (
    CodeSent,
    check_sign_in_link,
    request_email_sign_in,
    sign_in_by_code,
    sign_in_by_link,
    sign_in_redirect_uri,
)
from idgate.identity.account.request_limits import TooManyRequests
from idgate.identity.sign_in import SignedIn, next_step_path
from idgate.kernel.errors import NotFound
from idgate.kernel.runtime import Runtime
from idgate.tenancy.tenants import Tenant, issuer_url
from idgate.web.deps import RuntimeDep, TenantDep, set_session_cookie
from idgate.web.pages import check_csrf, redirect, render

email_sign_in_router = APIRouter(prefix="/t/{tenant}")


async def _email_sign_in_tenant(tenant: TenantDep) -> Tenant:
    if not tenant.policy.email_sign_in_on:
        raise NotFound("This page does not exist.")
    return tenant


EmailSignInTenant = Annotated[Tenant, Depends(_email_sign_in_tenant)]
FormField = Annotated[str, Form()]


@email_sign_in_router.get("/email-sign-in")
def ask_page(request: Request, tenant: EmailSignInTenant, interaction: str = "") -> Response:
    return _ask_page(request, tenant, interaction)


@email_sign_in_router.post("/email-sign-in")
def ask(
    request: Request,
    rt: RuntimeDep,
    tenant: EmailSignInTenant,
    interaction: FormField = "",
    email: FormField = "",
    csrf_token: FormField = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        sent = request_email_sign_in(rt, tenant, email=email, interaction_id=interaction)
    except TooManyRequests as limited:  # RFC 6585 §4, RFC 9110 §10.2.3
        page = _ask_page(request, tenant, interaction, error=limited.description, status=429)
        page.headers["Retry-After"] = str(limited.retry_after)
        return page
    return _code_page(request, tenant, sent)


@email_sign_in_router.post("/email-sign-in/code")
def sign_in_with_code(
    request: Request,
    rt: RuntimeDep,
    tenant: EmailSignInTenant,
    interaction: FormField = "",
    token_id: Annotated[str, Form(alias="id")] = "",
    code: FormField = "",
    csrf_token: FormField = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        signed_in = sign_in_by_code(rt, tenant, token_id=token_id, code=code)
    except WrongCode as wrong:
        again = CodeSent(token_id, interaction, sign_in_redirect_uri(rt, tenant, interaction))
        return _code_page(request, tenant, again, error=wrong.description)
    except LinkInvalid as invalid:
        return _invalid_page(request, tenant, invalid, interaction)
    return _signed_in(request, rt, tenant, signed_in)


@email_sign_in_router.get("/email-sign-in/verify")
def link_page(
    request: Request, rt: RuntimeDep, tenant: EmailSignInTenant, token: str = ""
) -> Response:
    try:
        redirect_uri = check_sign_in_link(rt, tenant, token)
    except LinkInvalid as invalid:
        return _invalid_page(request, tenant, invalid, None)
    return render(
        request,
        "email_sign_in_confirm.html",
        tenant_name=tenant.name,
        action=f"/t/{tenant.slug}/email-sign-in/verify",
        token=token,
        form_targets=[redirect_uri],
    )


@email_sign_in_router.post("/email-sign-in/verify")
def sign_in_with_link(
    request: Request,
    rt: RuntimeDep,
    tenant: EmailSignInTenant,
    token: FormField = "",
    csrf_token: FormField = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        signed_in = sign_in_by_link(rt, tenant, token)
    except LinkInvalid as invalid:
        return _invalid_page(request, tenant, invalid, None)
    return _signed_in(request, rt, tenant, signed_in)


def _ask_page(
    request: Request,
    tenant: Tenant,
    interaction: str,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "email_sign_in.html",
        status_code=status,
        tenant_name=tenant.name,
        base=f"/t/{tenant.slug}",
        action=f"/t/{tenant.slug}/email-sign-in",
        interaction=interaction,
        error=error,
    )


def _code_page(
    request: Request, tenant: Tenant, sent: CodeSent, *, error: str | None = None
) -> Response:
    return render(
        request,
        "email_sign_in_code.html",
        status_code=400 if error else 200,
        tenant_name=tenant.name,
        base=f"/t/{tenant.slug}",
        action=f"/t/{tenant.slug}/email-sign-in/code",
        token_id=sent.token_id,
        interaction=sent.interaction_id,
        error=error,
        form_targets=[sent.redirect_uri],
    )


def _invalid_page(
    request: Request, tenant: Tenant, invalid: LinkInvalid, interaction: str | None
) -> Response:
    return render(
        request,
        "email_sign_in_invalid.html",
        status_code=invalid.status_code,
        tenant_name=tenant.name,
        base=f"/t/{tenant.slug}",
        message=invalid.description,
        interaction=interaction,
    )


def _signed_in(request: Request, rt: Runtime, tenant: Tenant, signed_in: SignedIn) -> Response:
    """Back to the authorization request that asked for the sign-in; when it has expired
    meanwhile, a page saying the customer is signed in (the session cookie is set anyway)."""
    response: Response
    if signed_in.interaction is not None:
        response = redirect(next_step_path(tenant, signed_in.interaction))
    else:
        account_url = f"{issuer_url(rt, tenant)}/account"
        response = render(
            request, "email_sign_in_done.html", tenant_name=tenant.name, account_url=account_url
        )
    set_session_cookie(response, rt, tenant, signed_in.cookie)
    return response
