"""The TypeScript SDK's web-app example (``examples/web-app``) at ``/examples/web-app/``, for
local mode only: its static files, and the SDK's ESM build (``sdk/typescript/dist/esm``)
under ``/examples/web-app/sdk/``. Served from idgate's own origin, the single-page app
calls the token, userinfo and revocation endpoints without CORS.

``register_example_client`` registers the app as the public client ``web-app-example`` of
the demo tenant when that tenant exists and the client does not, through the same
control-plane operation as ``idgate client create`` (audited as ``operator:local-cli``).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from idgate.control.applications import create_application, get_application
from idgate.control.rbac import LOCAL_OPERATOR
from idgate.kernel.errors import NotFound
from idgate.kernel.runtime import Runtime
from local.dev.demo_seed import DEMO_TENANT

EXAMPLE_CLIENT_ID = "web-app-example"
PREFIX = "/examples/web-app"
REPO = Path(__file__).resolve().parents[2]
APP_DIR = REPO / "examples" / "web-app"
SDK_DIR = REPO / "sdk" / "typescript" / "dist" / "esm"
APP_FILES = {"app.js": "text/javascript", "style.css": "text/css"}
NO_CACHE = {"Cache-Control": "no-cache"}
# The page runs only its own scripts and talks only to this origin.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
NOT_BUILT = (
    "<!doctype html><title>web-app example</title><h1>The SDK is not built</h1>"
    "<p>Run <code>cd sdk/typescript &amp;&amp; npm ci &amp;&amp; npm run build</code>, "
    "then reload.</p>"
)

router = APIRouter(prefix=PREFIX)


def example_redirect_uri(rt: Runtime) -> str:
    return f"{rt.public_url}{PREFIX}/"


def register_example_client(rt: Runtime) -> None:
    """Register the example as a public client of the demo tenant, unless it is already
    (or there is no demo tenant: a database provisioned by hand)."""
    try:
        get_application(rt, LOCAL_OPERATOR, DEMO_TENANT, EXAMPLE_CLIENT_ID)
        return
    except NotFound:
        pass
    try:
        create_application(
            rt,
            LOCAL_OPERATOR,
            DEMO_TENANT,
            client_id=EXAMPLE_CLIENT_ID,
            name="idgate web app example (TypeScript SDK)",
            client_type="public",
            secret=None,
            redirect_uris=[example_redirect_uri(rt)],
            post_logout_redirect_uris=[example_redirect_uri(rt)],
            grants=["authorization_code", "refresh_token"],
        )
    except NotFound:  # no demo tenant
        return


@router.get("/", include_in_schema=False)
def page() -> Response:
    index = APP_DIR / "index.html"
    if not (SDK_DIR / "index.js").is_file() or not index.is_file():
        return HTMLResponse(NOT_BUILT, status_code=503)
    html = index.read_text(encoding="utf-8")
    return HTMLResponse(html, headers={"Content-Security-Policy": PAGE_CSP, **NO_CACHE})


@router.get("/{name}", include_in_schema=False)
def app_file(name: str) -> Response:
    media_type = APP_FILES.get(name)
    if media_type is None or not (APP_DIR / name).is_file():
        return Response(status_code=404)
    return FileResponse(APP_DIR / name, media_type=media_type, headers=NO_CACHE)


@router.get("/sdk/{path:path}", include_in_schema=False)
def sdk_file(path: str) -> Response:
    """A module of the SDK's ESM build; nothing outside it (no ``..``, only ``.js``)."""
    target = (SDK_DIR / path).resolve()
    inside = target.is_relative_to(SDK_DIR.resolve())
    if not path.endswith(".js") or not inside or not target.is_file():
        return Response(status_code=404)
    return FileResponse(target, media_type="text/javascript", headers=NO_CACHE)
