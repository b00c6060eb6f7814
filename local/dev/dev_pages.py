"""Development-only pages of the local server: ``/dev/outbox`` lists the mail the outbox
mailer stored instead of sending. Mounted only by ``local.dev.server``, and answering 404
unless ``IDGATE_ENV=local``: a message may carry a one-time link."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse

from idgate.mail.outbox import OutboxMessage, recent_outbox
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.web.deps import RuntimeDep
from idgate.web.security_headers import CSP_HEADER, content_security_policy, style_hash

router = APIRouter(prefix="/dev", include_in_schema=False)


_CSS = (
    "body{font:15px system-ui;margin:2rem;max-width:60rem}article{border:1px solid #ccc;"
    "border-radius:6px;padding:.5rem 1rem;margin:1rem 0}pre{white-space:pre-wrap}"
    "small{color:#555}"
)
# The page's own policy: the strict default with this one inline style block allowed.
_CSP = content_security_policy(styles=[style_hash(_CSS)])


@router.get("/outbox", response_class=HTMLResponse)
def outbox(rt: RuntimeDep, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> HTMLResponse:
    if rt.settings.env != "local":
        raise HTTPException(status_code=404, detail="Not Found")
    with scoped(ALL_TENANTS):  # a development view across every tenant's mail
        messages = recent_outbox(rt, limit=limit)
    provider = escape(rt.settings.mail_provider)
    if rt.settings.mail_provider == "ses" and rt.settings.aws_endpoint_url:
        where = escape(f"{rt.settings.aws_endpoint_url}/moto-api/data.json")
        provider += f" (not stored here; emulated SES mail: <a href='{where}'>{where}</a>)"
    rows = "\n".join(_article(message) for message in messages) or "<p>The outbox is empty.</p>"
    page = (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>idgate outbox</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<h1>Outbox</h1><p><small>newest first, at most {limit}; mail provider: {provider}"
        "</small></p>"
        f"{rows}</body></html>"
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store", CSP_HEADER: _CSP})


def _article(message: OutboxMessage) -> str:
    sent = datetime.fromtimestamp(message.created_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return (
        f"<article><h2>{escape(message.subject)}</h2>"
        f"<p><small>{sent} · from {escape(message.sender)} · to {escape(message.recipient)}"
        f" · tenant {escape(message.tenant_id or '-')}</small></p>"
        f"<pre>{escape(message.text_body)}</pre></article>"
    )
