"""The tenant's forgot-password and password-reset pages
(``idgate.identity.account.password_reset``).

Forgot password answers "check your email" for every address. The reset link's GET shows
the new-password form without using the link; its POST sets the password, then the
customer signs in again: on the sign-in page of the authorization request they came from
while it is pending, else from the application.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from functions.authorize.account_pages import (
    check_email_page,
    link_invalid_page,
    login_path,
    too_many_requests_page,
)
from idgate.identity.account.account_tokens import LinkInvalid
from idgate.identity.account.password_reset import (
    pending_reset,
    request_password_reset,
    reset_password,
)
from idgate.identity.account.request_limits import TooManyRequests
from idgate.kernel.errors import ValidationFailed
from idgate.tenancy.tenants import Tenant
from idgate.web.deps import RuntimeDep, TenantDep
from idgate.web.pages import check_csrf, redirect, render

password_reset_router = APIRouter(prefix="/t/{tenant}")

SENT_RESET = (
    "If {email} belongs to an account, we sent it a link to choose a new password. "
    "It works once and for 30 minutes."
)


def _forgot_page(
    request: Request,
    tenant: Tenant,
    interaction: str | None,
    email: str = "",
    error: str | None = None,
) -> Response:
    return render(
        request,
        "password_forgot.html",
        status_code=400 if error else 200,
        tenant_name=tenant.name,
        action=f"/t/{tenant.slug}/password/forgot",
        interaction=interaction,
        email=email,
        error=error,
        login_url=login_path(tenant, interaction),
    )


@password_reset_router.get("/password/forgot")
def forgot_form(request: Request, tenant: TenantDep, interaction: str | None = None) -> Response:
    return _forgot_page(request, tenant, interaction)


@password_reset_router.post("/password/forgot")
def forgot(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    interaction: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        request_password_reset(rt, tenant, email=email, interaction_id=interaction or None)
    except ValidationFailed as failure:
        return _forgot_page(request, tenant, interaction or None, email, failure.description)
    except TooManyRequests as failure:
        return too_many_requests_page(request, tenant, failure)
    return check_email_page(request, tenant, SENT_RESET.format(email=email.strip()))


def _reset_link_invalid(request: Request, tenant: Tenant, failure: LinkInvalid) -> Response:
    retry = f"/t/{tenant.slug}/password/forgot"
    return link_invalid_page(
        request, tenant, failure, retry_url=retry, retry_label="Ask for a new link"
    )


def _reset_page(
    request: Request, tenant: Tenant, token: str, email: str, error: str | None = None
) -> Response:
    return render(
        request,
        "password_reset.html",
        status_code=400 if error else 200,
        tenant_name=tenant.name,
        action=f"/t/{tenant.slug}/password/reset",
        token=token,
        email=email,
        min_length=tenant.policy.password_min_length,
        error=error,
    )


@password_reset_router.get("/password/reset")
def reset_form(request: Request, rt: RuntimeDep, tenant: TenantDep, token: str = "") -> Response:
    try:
        pending = pending_reset(rt, tenant, token)
    except LinkInvalid as failure:
        return _reset_link_invalid(request, tenant, failure)
    return _reset_page(request, tenant, token, pending.email)


@password_reset_router.post("/password/reset")
def reset(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    token: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        done = reset_password(rt, tenant, token=token, password=password)
    except LinkInvalid as failure:
        return _reset_link_invalid(request, tenant, failure)
    except ValidationFailed as failure:
        return _reset_page(request, tenant, token, email, failure.description)
    sign_in_page = login_path(tenant, done.interaction_id)
    if sign_in_page is not None:
        return redirect(sign_in_page)
    return render(
        request,
        "notice.html",
        tenant_name=tenant.name,
        heading="Password changed",
        message="Your password is changed, and you were signed out everywhere. "
        "Go back to the application to sign in with your new password.",
    )
