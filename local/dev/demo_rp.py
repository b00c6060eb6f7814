"""A tiny relying party of the demo tenant, for local mode only: it runs the authorization
code flow with PKCE against the provider in the same process, verifies the ID token with
PyJWT against the published JWKS, and shows claims, userinfo, refresh and logout.

It keeps its state in this process's memory; it is a demonstration, not a pattern.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import jwt
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import escape

from idgate.crypto.digests import b64url
from idgate.process import current_runtime
from local.dev.demo_seed import DEMO_CLIENT_ID, DEMO_TENANT

if TYPE_CHECKING:
    import httpx

router = APIRouter(prefix="/demo-rp")
COOKIE = "demo_rp"


@dataclass
class RpSession:
    state: str = ""
    nonce: str = ""
    verifier: str = ""
    tokens: dict[str, Any] = field(default_factory=dict)
    claims: dict[str, Any] = field(default_factory=dict)
    userinfo: dict[str, Any] = field(default_factory=dict)
    message: str = ""


_sessions: dict[str, RpSession] = {}


def _issuer() -> str:
    return f"{current_runtime().public_url}/t/{DEMO_TENANT}"


def _base() -> str:
    return f"{current_runtime().public_url}/demo-rp"


def _session(request: Request) -> tuple[str, RpSession]:
    key = request.cookies.get(COOKIE, "")
    if key not in _sessions:
        key = secrets.token_urlsafe(24)
        _sessions[key] = RpSession()
    return key, _sessions[key]


def _with_cookie(response: Response, key: str) -> Response:
    # Path-scoped to the demo app, hence no ``__Host-`` prefix (it requires ``Path=/``).
    secure = current_runtime().settings.secure_cookies
    response.set_cookie(COOKIE, key, path="/demo-rp", httponly=True, samesite="lax", secure=secure)
    return response


def _http() -> httpx.AsyncClient:
    import httpx  # on first use: the demo's HTTP client is 5 MiB the server rarely needs

    return httpx.AsyncClient(timeout=10)


async def _post(path: str, data: dict[str, str]) -> httpx.Response:
    async with _http() as http:
        return await http.post(f"{_issuer()}/{path}", data=data)


async def _verify_id_token(id_token: str, nonce: str | None) -> dict[str, Any]:
    async with _http() as http:
        keys = (await http.get(f"{_issuer()}/jwks")).json()
    kid = jwt.get_unverified_header(id_token)["kid"]
    jwk = next(k for k in keys["keys"] if k["kid"] == kid)
    claims: dict[str, Any] = jwt.decode(
        id_token,
        jwt.PyJWK(jwk).key,
        algorithms=[jwk["alg"]],
        audience=DEMO_CLIENT_ID,
        issuer=_issuer(),
    )
    if nonce is not None and claims.get("nonce") != nonce:
        raise ValueError("nonce mismatch")
    return claims


async def _load_userinfo(rp: RpSession) -> None:
    async with _http() as http:
        answer = await http.get(
            f"{_issuer()}/userinfo",
            headers={"Authorization": f"Bearer {rp.tokens['access_token']}"},
        )
    rp.userinfo = answer.json()


@router.get("/")
async def home(request: Request) -> Response:
    key, rp = _session(request)
    if rp.claims:
        body = f"""
<h1>Signed in</h1><p>{escape(rp.message)}</p>
<h2>ID token claims</h2><pre id="claims">{escape(json.dumps(rp.claims, indent=2))}</pre>
<h2>UserInfo</h2><pre id="userinfo">{escape(json.dumps(rp.userinfo, indent=2))}</pre>
<form method="post" action="refresh"><button id="refresh">Refresh tokens</button></form>
<p><a id="logout" href="logout">Sign out</a></p>"""
    else:
        body = f"""<h1>idgate demo app</h1><p>{escape(rp.message)}</p>
<p>A relying party of the <code>{DEMO_TENANT}</code> tenant.</p>
<p><a id="signin" href="login">Sign in</a></p>"""
    return _with_cookie(HTMLResponse(f"<!doctype html><title>demo app</title>{body}"), key)


@router.get("/login")
async def login(request: Request) -> Response:
    key, rp = _session(request)
    rp.state, rp.nonce, rp.verifier = (secrets.token_urlsafe(16) for _ in range(3))
    rp.verifier += secrets.token_urlsafe(32)
    challenge = b64url(hashlib.sha256(rp.verifier.encode()).digest())
    query = urlencode(
        {
            "response_type": "code",
            "client_id": DEMO_CLIENT_ID,
            "redirect_uri": f"{_base()}/callback",
            "scope": "openid profile email offline_access",
            "state": rp.state,
            "nonce": rp.nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return _with_cookie(RedirectResponse(f"{_issuer()}/authorize?{query}", 302), key)


@router.get("/callback")
async def callback(request: Request) -> Response:
    key, rp = _session(request)
    params = request.query_params
    if params.get("state") != rp.state or not rp.state:
        rp.message = "The sign-in response did not match this browser's request."
    elif "error" in params:
        rp.message = f"Sign-in ended: {params['error']}"
    else:
        answer = await _post(
            "token",
            {
                "grant_type": "authorization_code",
                "code": params.get("code", ""),
                "redirect_uri": f"{_base()}/callback",
                "client_id": DEMO_CLIENT_ID,
                "code_verifier": rp.verifier,
            },
        )
        rp.tokens = answer.json()
        rp.claims = await _verify_id_token(rp.tokens["id_token"], rp.nonce)
        await _load_userinfo(rp)
        rp.message = "Signed in with the authorization code flow and PKCE."
    rp.state = ""
    return _with_cookie(RedirectResponse(f"{_base()}/", 303), key)


@router.post("/refresh")
async def refresh(request: Request) -> Response:
    key, rp = _session(request)
    answer = await _post(
        "token",
        {
            "grant_type": "refresh_token",
            "client_id": DEMO_CLIENT_ID,
            "refresh_token": rp.tokens.get("refresh_token", ""),
        },
    )
    if answer.status_code == 200:
        rp.tokens = answer.json()
        rp.claims = await _verify_id_token(rp.tokens["id_token"], None)
        await _load_userinfo(rp)
        rp.message = "Refreshed: a new access token and a rotated refresh token."
    else:
        rp.message = f"Refresh failed: {answer.json().get('error')}"
    return _with_cookie(RedirectResponse(f"{_base()}/", 303), key)


@router.get("/logout")
async def logout(request: Request) -> Response:
    key, rp = _session(request)
    query = urlencode(
        {
            "id_token_hint": rp.tokens.get("id_token", ""),
            "post_logout_redirect_uri": f"{_base()}/",
            "state": secrets.token_urlsafe(8),
        }
    )
    _sessions[key] = RpSession(message="Signed out at the provider.")
    return RedirectResponse(f"{_issuer()}/logout?{query}", 302)
