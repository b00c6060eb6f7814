"""The tenant's sign-in page, rendered the same way wherever a sign-in is asked for or
failed: the password form, the upstream connections' buttons, and a notice when an
upstream account waits for proof."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from idgate.kernel.errors import IdgateError
from idgate.kernel.runtime import Runtime
from idgate.oauth.authorization_flow import LoginPrompt, login_prompt
from idgate.tenancy.tenants import Tenant
from idgate.web.pages import render


def login_page(
    request: Request,
    rt: Runtime,
    tenant: Tenant,
    interaction: str | None,
    *,
    email: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """A failure (``error``) on an interaction that is no longer valid still shows the
    page with its message; its form then only leads to an error page of ours."""
    prompt: LoginPrompt | None
    try:
        prompt = login_prompt(rt, tenant, interaction)
    except IdgateError:
        if error is None:
            raise
        prompt = None
    return render(
        request,
        "login.html",
        status_code=status_code,
        tenant_name=tenant.name,
        interaction=prompt.interaction_id if prompt else interaction,
        email=email if email is not None else (prompt.login_hint if prompt else None),
        error=error,
        options=prompt.options if prompt else None,
        action=f"/t/{tenant.slug}/login",
        base=f"/t/{tenant.slug}",
        policy=tenant.policy,
        upstream_base=f"/t/{tenant.slug}/upstream",
        form_targets=[prompt.redirect_uri if prompt else None],
    )
