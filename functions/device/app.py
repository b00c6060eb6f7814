"""Device function: the device authorization endpoint and the verification page (RFC 8628)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from idgate.oauth.authorize import NeedsLogin
from idgate.oauth.device_endpoint import authorize_device
from idgate.oauth.device_verification import (
    ConfirmDevice,
    DeviceDecided,
    DevicePage,
    TooManyAttempts,
    decide_device_request,
    device_page,
)
from idgate.oauth.scopes import SCOPE_DESCRIPTIONS
from idgate.tenancy.tenants import Tenant
from idgate.web.app_factory import create_app
from idgate.web.core_calls import call_core
from idgate.web.deps import RuntimeDep, SessionDep, TenantDep
from idgate.web.forms import oauth_form
from idgate.web.lambda_handler import lambda_handler
from idgate.web.pages import check_csrf, render

router = APIRouter(prefix="/t/{tenant}")


@router.post("/device_authorization")
async def device_authorization(request: Request, rt: RuntimeDep, tenant: TenantDep) -> Response:
    form = await oauth_form(request)
    authorization = request.headers.get("authorization")
    body = await call_core(rt, authorize_device, rt, tenant, authorization=authorization, form=form)
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _page(request: Request, tenant: Tenant, page: DevicePage) -> Response:
    action = f"/t/{tenant.slug}/device"
    if isinstance(page, NeedsLogin):
        query = urlencode({"interaction": page.interaction_id})
        return RedirectResponse(f"/t/{tenant.slug}/login?{query}", status_code=302)
    if isinstance(page, ConfirmDevice):
        return render(
            request,
            "device_confirm.html",
            application=page.application,
            user_code=page.user_code,
            scopes=page.scopes,
            scope_labels=SCOPE_DESCRIPTIONS,
            action=action,
        )
    if isinstance(page, DeviceDecided):
        return render(request, "device_done.html", approved=page.approved)
    if isinstance(page, TooManyAttempts):
        return _too_many_attempts(request, action, page)
    return render(
        request,
        "device_enter.html",
        error=page.error,
        action=action,
        status_code=400 if page.error else 200,
    )


def _too_many_attempts(request: Request, action: str, page: TooManyAttempts) -> Response:
    """RFC 8628 §5.1 (RFC 6585 §4): refused until the window passes, whatever the code."""
    minutes = -(-page.retry_after // 60)
    response = render(
        request,
        "device_enter.html",
        error=f"Too many incorrect codes. Wait {minutes} minute(s) and try again.",
        action=action,
        status_code=429,
    )
    response.headers["Retry-After"] = str(page.retry_after)
    return response


@router.get("/device")
def verification_page(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    session: SessionDep,
    user_code: str | None = None,
) -> Response:
    return _page(request, tenant, device_page(rt, tenant, session=session, user_code=user_code))


@router.post("/device")
def verification_decision(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    session: SessionDep,
    user_code: Annotated[str, Form()] = "",
    decision: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if session is None:
        return _page(request, tenant, device_page(rt, tenant, session=None, user_code=user_code))
    page = decide_device_request(
        rt, tenant, session=session, user_code=user_code, approve=decision == "approve"
    )
    return _page(request, tenant, page)


app = create_app(router, title="idgate device")
handler = lambda_handler(app)
