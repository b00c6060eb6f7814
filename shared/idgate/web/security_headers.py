"""Response headers every answer carries: no MIME sniffing, no framing, no referrer; HSTS
when the public URL is https; and on every HTML page a strict Content-Security-Policy.

The pages are server-rendered and need no JavaScript, so the policy allows no script at all
(``default-src 'none'``, no ``unsafe-inline``/``unsafe-eval``). The one inline ``<style>``
block of the page templates is allowed by its SHA-256 hash (``idgate.web.pages``). A form may
post only to the provider itself (``form-action 'self'``); Chromium also applies
``form-action`` to the redirects that follow a form's POST, so a page whose form ends in a
redirect to a client (sign-in, consent, logout confirmation) names that client's redirect
URI's origin too (:func:`form_action_source`).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from idgate.process import current_runtime

SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
CSP_HEADER = "Content-Security-Policy"
_CSP = CSP_HEADER.lower().encode()


def style_hash(css: str) -> str:
    """The CSP source allowing the inline ``<style>`` block whose text is ``css``."""
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def form_action_source(uri: str | None) -> str | None:
    """The CSP source expression matching ``uri``'s destination after a redirect (its origin,
    or its scheme for a native app's private-use scheme), or None if it has none."""
    if not uri or any(c in uri for c in " ;,'\"\t\r\n"):
        return None
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not scheme:
        return None
    if scheme in ("http", "https"):
        return f"{scheme}://{parts.netloc.rpartition('@')[2]}" if parts.netloc else None
    return f"{scheme}:"


def content_security_policy(
    *, styles: Iterable[str] = (), form_targets: Iterable[str | None] = ()
) -> str:
    """A page's policy: nothing but the given style hashes; forms to this origin and the
    redirect destinations ``form_targets`` (URIs)."""
    style_sources = " ".join(styles)
    targets = [s for s in dict.fromkeys(map(form_action_source, form_targets)) if s]
    form_sources = " ".join(["'self'", *targets])
    directives = [
        "default-src 'none'",
        *([f"style-src {style_sources}"] if style_sources else []),
        "base-uri 'none'",
        f"form-action {form_sources}",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


DEFAULT_PAGE_CSP = content_security_policy().encode()


def transport_headers() -> tuple[tuple[bytes, bytes], ...]:
    """HSTS when the public URL is https (the same test as the cookies' ``Secure``)."""
    return (HSTS,) if current_runtime().settings.secure_cookies else ()


def _is_html(headers: Iterable[tuple[bytes, bytes]]) -> tuple[bool, bool]:
    html = has_csp = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"content-type" and value.lower().startswith(b"text/html"):
            html = True
        elif lowered == _CSP:
            has_csp = True
    return html, has_csp


class SecurityHeaders:
    """Pure ASGI middleware for the framework apps (the JSON endpoints add the headers
    themselves, see ``idgate.web.json_endpoints``). An HTML answer that does not set its own
    policy (``idgate.web.pages.render`` does) gets :data:`DEFAULT_PAGE_CSP`: no script, no
    style, forms to this origin only."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                html, has_csp = _is_html(headers)
                extra = [(_CSP, DEFAULT_PAGE_CSP)] if html and not has_csp else []
                message["headers"] = [
                    *headers,
                    *SECURITY_HEADERS,
                    *transport_headers(),
                    *extra,
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
