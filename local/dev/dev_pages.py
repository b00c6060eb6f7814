"""Development-only pages of the local server: ``/dev/outbox`` lists the mail the outbox
mailer stored instead of sending (``?to=`` keeps one recipient's), each with its text part,
its HTML part's source and a link to ``/dev/outbox/{id}.html``, which renders that HTML
part. Mounted only by ``local.dev.server``, and answering 404 unless ``IDGATE_ENV=local``:
a message may carry a one-time link.

The HTML part is served as its own document rather than framed in the list (an iframe's
``srcdoc`` inherits the list's policy, which would then have to allow inline styles): a
mail is untrusted markup, so its document gets a policy of its own that allows its inline
styles and data: images and nothing else (no script, no remote content, no form), in a
CSP sandbox (an opaque origin, so it cannot read this origin's cookies or pages).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from html import escape
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse

from idgate.kernel.runtime import Runtime
from idgate.mail.outbox import OutboxMessage, outbox_message, recent_outbox
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.web.deps import RuntimeDep
from idgate.web.security_headers import CSP_HEADER, content_security_policy, style_hash

router = APIRouter(prefix="/dev", include_in_schema=False)

OUTBOX = "/dev/outbox"
_CSS = (
    "body{font:15px system-ui;margin:2rem;max-width:60rem}article{border:1px solid #ccc;"
    "border-radius:6px;padding:.5rem 1rem;margin:1rem 0}pre{white-space:pre-wrap}"
    "small{color:#555}details pre{background:#f5f5f7;padding:.5rem;font-size:12px}"
)
# The page's own policy: the strict default with this one inline style block allowed.
_CSP = content_security_policy(styles=[style_hash(_CSS)])
# A mail's HTML part: its inline styles and embedded images, nothing else.
MAIL_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
NO_STORE = {"Cache-Control": "no-store"}


def _local_only(rt: Runtime) -> None:
    if rt.settings.env != "local":
        raise HTTPException(status_code=404, detail="Not Found")


@router.get("/outbox", response_class=HTMLResponse)
def outbox(
    rt: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    to: Annotated[str | None, Query(max_length=320)] = None,
) -> HTMLResponse:
    _local_only(rt)
    to = (to or "").strip() or None
    with scoped(ALL_TENANTS):  # a development view across every tenant's mail
        messages = recent_outbox(rt, limit=limit, to=to)
    empty = f"<p>No mail to {escape(to)}.</p>" if to else "<p>The outbox is empty.</p>"
    rows = "\n".join(_article(message) for message in messages) or empty
    shown = f"at most {limit}" + (f", to {escape(to)}" if to else "")
    page = (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>idgate outbox</title>"
        f"<style>{_CSS}</style></head><body><h1>Outbox</h1>{_filter_form(to)}"
        f"<p><small>newest first, {shown}; mail provider: {_provider(rt)}</small></p>"
        f"{rows}</body></html>"
    )
    return HTMLResponse(page, headers={**NO_STORE, CSP_HEADER: _CSP})


@router.get("/outbox/{message_id:uuid}.html", response_class=HTMLResponse)
def outbox_html(message_id: uuid.UUID, rt: RuntimeDep) -> HTMLResponse:
    """A message's HTML part as the recipient's mail client would render it, minus any
    script or remote content."""
    _local_only(rt)
    with scoped(ALL_TENANTS):
        message = outbox_message(rt, str(message_id))
    if message is None or not message.html_body:
        raise HTTPException(status_code=404, detail="Not Found")
    return HTMLResponse(message.html_body, headers={**NO_STORE, CSP_HEADER: MAIL_CSP})


def _filter_form(to: str | None) -> str:
    value = escape(to or "")
    return (
        f"<form method=get action={OUTBOX}><label>To <input type=email name=to "
        f"value='{value}' autocomplete=email></label> <button>Show</button> "
        f"<a href={OUTBOX}>all mail</a></form>"
    )


def _provider(rt: Runtime) -> str:
    provider = escape(rt.settings.mail_provider)
    if rt.settings.mail_provider == "ses" and rt.settings.aws_endpoint_url:
        where = escape(f"{rt.settings.aws_endpoint_url}/moto-api/data.json")
        provider += f" (not stored here; emulated SES mail: <a href='{where}'>{where}</a>)"
    return provider


def _article(message: OutboxMessage) -> str:
    sent = datetime.fromtimestamp(message.created_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    recipient = escape(message.recipient)
    only_to = escape(f"{OUTBOX}?{urlencode({'to': message.recipient})}")
    return (
        f"<article><h2>{escape(message.subject)}</h2>"
        f"<p><small>{sent} · from {escape(message.sender)} · to "
        f"<a href='{only_to}'>{recipient}</a> · tenant {escape(message.tenant_id or '-')}"
        f"</small></p><pre>{escape(message.text_body)}</pre>{_html_part(message)}</article>"
    )


def _html_part(message: OutboxMessage) -> str:
    if not message.html_body:
        return "<p><small>No HTML part.</small></p>"
    return (
        f"<p><a href='{OUTBOX}/{escape(message.id)}.html'>Open the HTML part</a> "
        "<small>(rendered without script or remote content)</small></p>"
        f"<details><summary>HTML source</summary><pre>{escape(message.html_body)}</pre>"
        "</details>"
    )
