"""The tenant's pages for sign-up, email verification and resending it
(``idgate.identity.account.sign_up``, ``idgate.identity.account.verification``).

Sign-up answers "check your email" whether or not the email was taken. The verification
link's GET shows a button and its POST uses the link, so a mail scanner that fetches links
does not spend it; after it, the customer goes on to the sign-in page of the authorization
request they signed up from, while it is pending.
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
from idgate.identity.account.request_limits import TooManyRequests
from idgate.identity.account.sign_up import SignUpForm, check_sign_up_open, sign_up
from idgate.identity.account.verification import (
    pending_verification,
    resend_verification,
    verify_email,
)
from idgate.kernel.errors import ValidationFailed
from idgate.tenancy.tenants import Tenant
from idgate.web.deps import RuntimeDep, TenantDep
from idgate.web.pages import check_csrf, redirect, render

sign_up_router = APIRouter(prefix="/t/{tenant}")

# Said of a new and of a taken email alike: the mail tells its reader what comes next.
SENT_SIGN_UP = "We sent a mail to {email}. Follow the link in it to go on."
RESENT_VERIFICATION = (
    "If {email} belongs to an account that still needs verifying, we sent it a new link."
)


def _sign_up_page(
    request: Request, tenant: Tenant, form: SignUpForm, error: str | None = None
) -> Response:
    return render(
        request,
        "signup.html",
        status_code=400 if error else 200,
        tenant_name=tenant.name,
        action=f"/t/{tenant.slug}/signup",
        interaction=form.interaction_id,
        name=form.name,
        email=form.email,
        min_length=tenant.policy.password_min_length,
        login_url=login_path(tenant, form.interaction_id),
        error=error,
    )


@sign_up_router.get("/signup")
def sign_up_form(request: Request, tenant: TenantDep, interaction: str | None = None) -> Response:
    check_sign_up_open(tenant)
    return _sign_up_page(request, tenant, SignUpForm("", "", "", interaction))


@sign_up_router.post("/signup")
def sign_up_submit(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    interaction: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    form = SignUpForm(name, email, password, interaction or None)
    try:
        sign_up(rt, tenant, form)
    except ValidationFailed as failure:
        return _sign_up_page(request, tenant, form, failure.description)
    except TooManyRequests as failure:
        return too_many_requests_page(request, tenant, failure)
    # Signing in needs no link when the policy lets unverified customers in; a taken email
    # gets the same offer, so the page is the same either way.
    may_sign_in = not tenant.policy.verification_required
    return check_email_page(
        request,
        tenant,
        SENT_SIGN_UP.format(email=email.strip()),
        continue_url=login_path(tenant, form.interaction_id) if may_sign_in else None,
        continue_label="Sign in now",
    )


def _verify_link_invalid(request: Request, tenant: Tenant, failure: LinkInvalid) -> Response:
    retry = f"/t/{tenant.slug}/verify/resend"
    return link_invalid_page(
        request, tenant, failure, retry_url=retry, retry_label="Send me a new link"
    )


@sign_up_router.get("/verify")
def verify_confirm(
    request: Request, rt: RuntimeDep, tenant: TenantDep, token: str = ""
) -> Response:
    try:
        pending = pending_verification(rt, tenant, token)
    except LinkInvalid as failure:
        return _verify_link_invalid(request, tenant, failure)
    return render(
        request,
        "verify_confirm.html",
        tenant_name=tenant.name,
        action=f"/t/{tenant.slug}/verify",
        token=token,
        email=pending.email,
    )


@sign_up_router.post("/verify")
def verify(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    token: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        verified = verify_email(rt, tenant, token)
    except LinkInvalid as failure:
        return _verify_link_invalid(request, tenant, failure)
    sign_in_page = login_path(tenant, verified.interaction_id)
    if sign_in_page is not None:
        return redirect(sign_in_page)
    return render(
        request,
        "notice.html",
        tenant_name=tenant.name,
        heading="Email verified",
        message=f"{verified.email} is verified. Go back to the application to sign in.",
    )


def verification_needed_page(
    request: Request,
    tenant: Tenant,
    interaction: str | None,
    email: str | None,
    *,
    error: str | None = None,
) -> Response:
    """The page of a right password on an email not verified yet (403), and the form that
    asks for a new verification link (``email`` None: the customer types it)."""
    return render(
        request,
        "verify_needed.html",
        status_code=403 if email else (400 if error else 200),
        tenant_name=tenant.name,
        action=f"/t/{tenant.slug}/verify/resend",
        interaction=interaction,
        email=email,
        error=error,
        login_url=login_path(tenant, interaction),
    )


@sign_up_router.get("/verify/resend")
def resend_form(request: Request, tenant: TenantDep, interaction: str | None = None) -> Response:
    return verification_needed_page(request, tenant, interaction, None)


@sign_up_router.post("/verify/resend")
def resend(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    interaction: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        resend_verification(rt, tenant, email=email, interaction_id=interaction or None)
    except ValidationFailed as failure:
        return verification_needed_page(
            request, tenant, interaction or None, None, error=failure.description
        )
    except TooManyRequests as failure:
        return too_many_requests_page(request, tenant, failure)
    return check_email_page(
        request,
        tenant,
        RESENT_VERIFICATION.format(email=email.strip()),
        continue_url=login_path(tenant, interaction or None),
        continue_label="Back to sign in",
    )
