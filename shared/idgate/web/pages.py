"""HTML pages (Jinja2, autoescaped) and the CSRF double-submit cookie for their forms.

Every form carries ``csrf_token`` equal to the CSRF cookie; a POST whose field and cookie
differ is refused. The cookie is SameSite=Lax and HttpOnly, so another site can neither read
it nor send it along with a cross-site POST. On https it is ``__Host-idgate_csrf``: Secure,
``Path=/`` and no Domain, so neither a sibling subdomain nor a plain-http answer can set or
overwrite it (cookie tossing); on http (local mode) the prefix is not allowed, so it is
``idgate_csrf``.

Every page answers with a strict Content-Security-Policy (``idgate.web.security_headers``):
no script at all, and only the templates' one inline ``<style>`` block, by its hash.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from idgate.crypto.digests import random_token
from idgate.kernel.errors import IdgateError
from idgate.process import current_runtime
from idgate.web.json_endpoints import NO_STORE_HEADERS
from idgate.web.security_headers import CSP_HEADER, content_security_policy, style_hash

CSRF_COOKIE = "idgate_csrf"
SECURE_CSRF_COOKIE = "__Host-idgate_csrf"
_TEMPLATES = Path(__file__).parent / "templates"


def csrf_cookie_name(secure: bool) -> str:
    return SECURE_CSRF_COOKIE if secure else CSRF_COOKIE


@cache
def _templates() -> Any:
    # Built on first use: the token function never renders a page, and importing Jinja2
    # costs every Lambda cold start about 11 ms.
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"]),
        auto_reload=False,
    )


@cache
def page_styles() -> tuple[str, ...]:
    """The CSP hashes of the inline ``<style>`` blocks of ``base.html`` (static text, which
    Jinja2 renders unchanged), so editing the stylesheet keeps the policy right."""
    base = (_TEMPLATES / "base.html").read_text(encoding="utf-8")
    return tuple(style_hash(css) for css in re.findall(r"<style>(.*?)</style>", base, re.S))


class CsrfFailed(IdgateError):
    status_code = 403


def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    form_targets: Iterable[str | None] = (),
    **context: Any,
) -> HTMLResponse:
    """``template`` rendered; ``form_targets`` are the URIs outside the provider its form's
    POST may end up redirected to (a client's redirect URI), which the CSP's ``form-action``
    must allow."""
    secure = current_runtime().settings.secure_cookies
    name = csrf_cookie_name(secure)
    token = request.cookies.get(name) or random_token(24)
    html = _templates().get_template(template).render(csrf_token=token, **context)
    policy = content_security_policy(styles=page_styles(), form_targets=form_targets)
    response = HTMLResponse(html, status_code=status_code, headers={CSP_HEADER: policy})
    if request.cookies.get(name) != token:
        response.set_cookie(name, token, path="/", httponly=True, samesite="lax", secure=secure)
    return response


def check_csrf(request: Request, submitted: str | None) -> None:
    cookie = request.cookies.get(csrf_cookie_name(current_runtime().settings.secure_cookies))
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (a TypeError,
    # so a 500), and both values come from the request, so they may hold anything.
    if not cookie or not submitted or not hmac.compare_digest(_utf8(cookie), _utf8(submitted)):
        raise CsrfFailed("This form has expired. Go back, reload the page and try again.")


def _utf8(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass")


def redirect(url: str) -> RedirectResponse:
    """A browser's next step: 302, never cached (it may carry a code or an interaction)."""
    return RedirectResponse(url, status_code=302, headers=NO_STORE_HEADERS)
