"""The pages every self-service flow ends on in the same way: "check your email", a link
that no longer works, and too many requests (HTTP 429 with ``Retry-After``, RFC 6585 §4,
RFC 9110 §10.2.3). Each takes its words from the caller, so sign-up, password reset and
email sign-in share them."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from idgate.identity.account.account_tokens import LinkInvalid
from idgate.identity.account.request_limits import TooManyRequests
from idgate.tenancy.tenants import Tenant
from idgate.web.pages import render


def login_path(tenant: Tenant, interaction: str | None) -> str | None:
    """The sign-in page of the authorization request ``interaction``, if there is one."""
    return (
        f"/t/{tenant.slug}/login?{urlencode({'interaction': interaction})}" if interaction else None
    )


def check_email_page(
    request: Request,
    tenant: Tenant,
    message: str,
    *,
    continue_url: str | None = None,
    continue_label: str | None = None,
) -> Response:
    return render(
        request,
        "check_email.html",
        tenant_name=tenant.name,
        message=message,
        continue_url=continue_url,
        continue_label=continue_label,
    )


def link_invalid_page(
    request: Request, tenant: Tenant, failure: LinkInvalid, *, retry_url: str, retry_label: str
) -> Response:
    """The link's own status (400): expired, used and tampered links look the same."""
    return render(
        request,
        "link_invalid.html",
        status_code=failure.status_code,
        tenant_name=tenant.name,
        message=failure.description,
        retry_url=retry_url,
        retry_label=retry_label,
    )


def too_many_requests_page(
    request: Request, tenant: Tenant, failure: TooManyRequests, *, back_url: str | None = None
) -> Response:
    page = render(
        request,
        "too_many_requests.html",
        status_code=failure.status_code,
        tenant_name=tenant.name,
        message=failure.description,
        back_url=back_url,
    )
    page.headers["Retry-After"] = str(failure.retry_after)
    return page
