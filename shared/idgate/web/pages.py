"""HTML pages (Jinja2, autoescaped) and the CSRF double-submit cookie for their forms.

Every form carries ``csrf_token`` equal to the ``idgate_csrf`` cookie; a POST whose field
and cookie differ is refused. The cookie is SameSite=Lax and HttpOnly, so another site can
neither read it nor send it along with a cross-site POST.
"""

from __future__ import annotations

import hmac
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from idgate.crypto.digests import random_token
from idgate.kernel.errors import IdgateError
from idgate.process import current_runtime

CSRF_COOKIE = "idgate_csrf"


@cache
def _templates() -> Any:
    # Built on first use: the token function never renders a page, and importing Jinja2
    # costs every Lambda cold start about 11 ms.
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
        auto_reload=False,
    )


class CsrfFailed(IdgateError):
    status_code = 403


def render(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    token = request.cookies.get(CSRF_COOKIE) or random_token(24)
    html = _templates().get_template(template).render(csrf_token=token, **context)
    response = HTMLResponse(html, status_code=status_code)
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            path="/",
            httponly=True,
            samesite="lax",
            secure=current_runtime().settings.secure_cookies,
        )
    return response


def check_csrf(request: Request, submitted: str | None) -> None:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        raise CsrfFailed("This form has expired. Go back, reload the page and try again.")
