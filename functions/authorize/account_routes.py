"""The tenant's account page, ``{issuer}/account``: profile, password, sessions, connected
accounts, authorized applications, deleting the account (``idgate.identity.account``).

Without a session the page signs in first and comes back. Every action is a form POST with
the CSRF token, acting for the session's customer only; it answers with a redirect back to
the page and a one-line notice (``?done=...``), or the page with the reason it was refused
(400; 429 with ``Retry-After`` past the mail limits).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from idgate.identity.account.account_deletion import delete_account
from idgate.identity.account.account_page import account_view, start_account_sign_in
from idgate.identity.account.account_sessions import sign_out_other_sessions, sign_out_session
from idgate.identity.account.authorized_apps import revoke_application
from idgate.identity.account.connected_accounts import unlink_account
from idgate.identity.account.password_change import change_password
from idgate.identity.account.profile import update_profile
from idgate.identity.account.reauthentication import FRESH_SIGN_IN_SECONDS
from idgate.identity.sessions import Session
from idgate.kernel.errors import IdgateError
from idgate.kernel.runtime import Runtime
from idgate.tenancy.tenants import Tenant
from idgate.web.deps import RuntimeDep, SessionDep, TenantDep, clear_session_cookie
from idgate.web.pages import check_csrf, redirect, render

account_router = APIRouter(prefix="/t/{tenant}")

NOTICES = {
    "profile": "Your profile is saved.",
    "email": "We sent a link to the new address. Your email changes when you open it.",
    "password": "Your password is changed, and your other sessions are signed out.",
    "session": "That session is signed out.",
    "sessions": "Your other sessions are signed out.",
    "unlinked": "The account is unlinked.",
    "revoked": "The application can no longer access your account.",
}
FormField = Annotated[str, Form()]


def _page(
    request: Request,
    rt: Runtime,
    tenant: Tenant,
    session: Session,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "account.html",
        status_code=status_code,
        tenant_name=tenant.name,
        view=account_view(rt, tenant, session),
        base=f"/t/{tenant.slug}",
        fresh_minutes=FRESH_SIGN_IN_SECONDS // 60,
        notice=notice,
        error=error,
    )


@account_router.get("/account")
def account(
    request: Request, rt: RuntimeDep, tenant: TenantDep, session: SessionDep, done: str = ""
) -> Response:
    if session is None:
        interaction = start_account_sign_in(rt, tenant)
        return redirect(f"/t/{tenant.slug}/login?{urlencode({'interaction': interaction})}")
    return _page(request, rt, tenant, session, notice=NOTICES.get(done))


def _act(
    request: Request,
    rt: Runtime,
    tenant: Tenant,
    session: Session | None,
    csrf_token: str,
    action: Callable[[Session], str],
) -> Response:
    """Run ``action`` for the signed-in customer: back to the page with the notice it names,
    or the page with why it was refused."""
    check_csrf(request, csrf_token)
    if session is None:  # signed out meanwhile: the page signs in first
        return redirect(f"/t/{tenant.slug}/account")
    try:
        done = action(session)
    except IdgateError as refusal:
        if refusal.status_code >= 500:
            raise
        status = 429 if refusal.status_code == 429 else 400
        page = _page(request, rt, tenant, session, error=refusal.description, status_code=status)
        if refusal.retry_after is not None:  # RFC 6585 §4
            page.headers["Retry-After"] = str(refusal.retry_after)
        return page
    return redirect(f"/t/{tenant.slug}/account?{urlencode({'done': done})}")


@account_router.post("/account/profile")
def profile(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    session: SessionDep,
    name: FormField = "",
    email: FormField = "",
    csrf_token: FormField = "",
) -> Response:
    def act(s: Session) -> str:
        changed = update_profile(rt, tenant, s, name=name, email=email)
        return "email" if changed.email_requested else "profile"

    return _act(request, rt, tenant, session, csrf_token, act)


@account_router.post("/account/password")
def password(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    session: SessionDep,
    current_password: FormField = "",
    new_password: FormField = "",
    csrf_token: FormField = "",
) -> Response:
    def act(s: Session) -> str:
        change_password(rt, tenant, s, current_password=current_password, new_password=new_password)
        return "password"

    return _act(request, rt, tenant, session, csrf_token, act)


@account_router.post("/account/sessions/sign-out")
def sign_out(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    session: SessionDep,
    session_id: FormField = "",
    csrf_token: FormField = "",
) -> Response:
    def act(s: Session) -> str:
        sign_out_session(rt, tenant, s, session_id)
        return "session"

    response = _act(request, rt, tenant, session, csrf_token, act)
    if session is not None and session_id == session.id and response.status_code == 302:
        clear_session_cookie(response, rt, tenant)  # this browser's own: it is signed out
    return response


@account_router.post("/account/sessions/sign-out-others")
def sign_out_others(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    session: SessionDep,
    csrf_token: FormField = "",
) -> Response:
    def act(s: Session) -> str:
        sign_out_other_sessions(rt, tenant, s)
        return "sessions"

    return _act(request, rt, tenant, session, csrf_token, act)


@account_router.post("/account/connections/unlink")
def unlink(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    session: SessionDep,
    identity_id: FormField = "",
    csrf_token: FormField = "",
) -> Response:
    def act(s: Session) -> str:
        unlink_account(rt, tenant, s, identity_id)
        return "unlinked"

    return _act(request, rt, tenant, session, csrf_token, act)


@account_router.post("/account/applications/revoke")
def revoke(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    session: SessionDep,
    client_id: FormField = "",
    csrf_token: FormField = "",
) -> Response:
    def act(s: Session) -> str:
        revoke_application(rt, tenant, s, client_id)
        return "revoked"

    return _act(request, rt, tenant, session, csrf_token, act)


@account_router.post("/account/delete")
def delete(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    session: SessionDep,
    current_password: FormField = "",
    csrf_token: FormField = "",
) -> Response:
    def act(s: Session) -> str:
        delete_account(rt, tenant, s, current_password=current_password)
        return "deleted"

    response = _act(request, rt, tenant, session, csrf_token, act)
    if response.status_code != 302 or session is None:
        return response
    goodbye = redirect(f"/t/{tenant.slug}/account/deleted")
    clear_session_cookie(goodbye, rt, tenant)
    return goodbye


@account_router.get("/account/deleted")
def deleted(request: Request, tenant: TenantDep) -> Response:
    return render(request, "account_deleted.html", tenant_name=tenant.name)
