"""A GitHub stand-in: one local server that answers both github.com's OAuth web flow and
the two api.github.com calls a sign-in needs, in GitHub's real formats.

- ``GET /login/oauth/authorize`` (docs "Authorizing OAuth apps", step 1, with PKCE S256):
  an unknown ``client_id`` is a 404 page; a ``redirect_uri`` other than the registered
  callback is GitHub's "redirect_uri is not associated with this application" page and
  no redirect (what github.com does today; older docs describe a redirect instead). Else
  the "Authorize {app}" page, whose **Authorize** button posts back with a per-request
  token and redirects to ``redirect_uri`` with ``code`` and ``state``; **Cancel**, or
  ``deny_next()``, redirects with ``error=access_denied`` and GitHub's description/uri.
- ``POST /login/oauth/access_token`` (step 2; "Refreshing user access tokens"): client
  credentials in the form body (the only way GitHub documents), single-use codes living
  10 minutes, the PKCE verifier checked when a challenge was sent (RFC 7636 §4.6).
  Errors are GitHub's: HTTP 200 with ``error``/``error_description``/``error_uri``. JSON
  for ``Accept: application/json``, else form-encoded. OAuth-app tokens are ``gho_`` and
  never expire; with ``expiring_tokens`` (a GitHub App with expiring user tokens) they are
  ``ghu_`` with ``expires_in``, and a ``ghr_`` refresh token that rotates: using it
  revokes it and the access token it came with.
- ``GET /user`` and ``GET /user/emails`` (REST "Users" and "Emails"): ``Bearer`` or
  ``token`` authorization; 401 ``Bad credentials`` for an unknown, revoked or expired
  token, 403 without ``User-Agent``, 404 on ``/user/emails`` for an OAuth-app token
  without the ``user:email`` (or ``user``) scope.

``set_down(True)`` makes every path answer GitHub's 503 "Unicorn!" page (an outage).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.standins import github_formats as fmt
from tests.standins.serving import BackgroundServer, ServedStandIn

CODE_LIFETIME = 600.0  # seconds; GitHub: "codes expire after 10 minutes"
USER_TOKEN_TTL = 28800  # GitHub App user tokens: 8 hours
REFRESH_TOKEN_TTL = 15897600  # ~6 months, the value GitHub sends
EMAIL_SCOPES = frozenset({"user", "user:email"})


@dataclass(frozen=True)
class TokenRequest:
    """One request to the token endpoint, as received (header names lower-case)."""

    form: dict[str, str]
    headers: dict[str, str]


@dataclass(frozen=True)
class _App:
    client_id: str
    client_secret: str
    callback_url: str
    name: str


@dataclass(frozen=True)
class _Pending:
    """An authorization request waiting on the Authorize button, or a code waiting on its
    exchange (``expires_at`` then set)."""

    client_id: str
    redirect_uri: str
    state: str | None
    scopes: tuple[str, ...]
    login: str
    code_challenge: str | None
    expires_at: float = 0.0


@dataclass
class _Token:
    login: str
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float | None
    paired: str | None = None  # a refresh token's access token, revoked when it is used


@dataclass
class GitHubStandIn(ServedStandIn):
    """The stand-in's state, set by tests between requests. Start with ``start()``."""

    expiring_tokens: bool = False
    access_token_ttl: float = USER_TOKEN_TTL  # only for expiring tokens
    remember_approvals: bool = False  # GitHub skips the page for already-granted scopes
    token_requests: list[TokenRequest] = field(default_factory=list)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    refresh_count: int = 0
    users: dict[str, fmt.GitHubUser] = field(default_factory=dict)
    _apps: dict[str, _App] = field(default_factory=dict)
    _signed_in: str | None = None
    _deny_next: bool = False
    _down: bool = False
    _pending: dict[str, _Pending] = field(default_factory=dict)
    _codes: dict[str, _Pending] = field(default_factory=dict)
    _access: dict[str, _Token] = field(default_factory=dict)
    _refresh: dict[str, _Token] = field(default_factory=dict)
    _approved: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: BackgroundServer | None = None

    @property
    def idgate_env(self) -> dict[str, str]:
        """The settings that point idgate's GitHub provider here (web and API alike)."""
        return {"IDGATE_GITHUB_URL": self.base_url, "IDGATE_GITHUB_API_URL": self.base_url}

    # -- test controls -------------------------------------------------------------------

    def register_app(
        self, client_id: str, client_secret: str, callback_url: str, *, name: str = "idgate"
    ) -> None:
        self._apps[client_id] = _App(client_id, client_secret, callback_url, name)

    def add_user(
        self,
        login: str,
        *,
        id: int,  # GitHub's own field name
        name: str | None = None,
        emails: list[dict[str, Any]] | None = None,
    ) -> fmt.GitHubUser:
        """Add an account; the first one added is signed in until ``sign_in_as``."""
        user = fmt.GitHubUser(login, id, name, list(emails or []))
        self.users[login] = user
        if self._signed_in is None:
            self._signed_in = login
        return user

    def sign_in_as(self, login: str) -> None:
        """The account the browser is signed in as: it approves the next authorizations."""
        assert login in self.users, f"add_user({login!r}) first"
        self._signed_in = login

    def deny_next(self) -> None:
        """The next authorize request is answered at once with ``error=access_denied``."""
        self._deny_next = True

    def set_down(self, down: bool) -> None:
        self._down = down

    def revoke_all(self) -> None:
        """The user revoked the app: every token stops working (401 Bad credentials)."""
        with self._lock:
            self._access.clear()
            self._refresh.clear()

    # -- the ASGI app --------------------------------------------------------------------

    def _asgi(self) -> ASGIApp:
        router = Starlette(
            routes=[
                Route("/login/oauth/authorize", self._authorize, methods=["GET"]),
                Route("/login/oauth/authorize", self._decide, methods=["POST"]),
                Route("/login/oauth/access_token", self._access_token, methods=["POST"]),
                Route("/user", self._user, methods=["GET"]),
                Route("/user/emails", self._emails, methods=["GET"]),
            ]
        )

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and self._down:
                outage = HTMLResponse(fmt.OUTAGE_PAGE, status_code=503)
                await outage(scope, receive, send)
                return
            await router(scope, receive, send)

        return app

    # -- github.com: the web flow --------------------------------------------------------

    async def _authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        self.authorize_requests.append(params)
        app = self._apps.get(params.get("client_id", ""))
        if app is None:
            return fmt.page("Page not found · GitHub", "<h1>404</h1><p>Not Found</p>", 404)
        redirect_uri = params.get("redirect_uri") or app.callback_url
        if redirect_uri != app.callback_url:
            return fmt.page(
                "Redirect URI mismatch · GitHub",
                "<h1>Be careful!</h1><p>The <code>redirect_uri</code> is not associated with "
                "this application.</p><p>The application might be misconfigured or could be "
                "trying to redirect you to a website you weren't expecting.</p>",
                400,
            )
        state = params.get("state")
        if self._deny_next:
            self._deny_next = False
            return _redirect(redirect_uri, fmt.ACCESS_DENIED, state)
        challenge = params.get("code_challenge") or None
        if challenge and params.get("code_challenge_method") != "S256":
            # GitHub supports S256 only; the stand-in refuses rather than guess at "plain".
            return fmt.page("Error · GitHub", "<p>code_challenge_method must be S256</p>", 400)
        if self._signed_in is None:
            return fmt.page("Sign in · GitHub", "<p>No account: call add_user()</p>", 409)
        pending = _Pending(
            client_id=app.client_id,
            redirect_uri=redirect_uri,
            state=state,
            scopes=_scopes(params.get("scope", "")),
            login=self._signed_in,
            code_challenge=challenge,
        )
        granted = self._approved.get((pending.login, app.client_id), set())
        if self.remember_approvals and set(pending.scopes) <= granted:
            return self._issue_code(pending)
        authenticity_token = secrets.token_urlsafe(32)
        with self._lock:
            self._pending[authenticity_token] = pending
        return _authorize_page(app, pending, authenticity_token)

    async def _decide(self, request: Request) -> Response:
        form = await request.form()
        with self._lock:
            pending = self._pending.pop(str(form.get("authenticity_token", "")), None)
        if pending is None:
            # GitHub's answer to a stale or forged form post (Rails' CSRF protection).
            return fmt.page("422 · GitHub", "<p>The change you wanted was rejected.</p>", 422)
        if form.get("authorize") != "1":
            return _redirect(pending.redirect_uri, fmt.ACCESS_DENIED, pending.state)
        self._approved.setdefault((pending.login, pending.client_id), set()).update(pending.scopes)
        return self._issue_code(pending)

    def _issue_code(self, pending: _Pending) -> Response:
        code = fmt.code()
        with self._lock:
            self._codes[code] = _with_expiry(pending, time.time() + CODE_LIFETIME)
        return _redirect(pending.redirect_uri, {"code": code}, pending.state)

    # -- github.com: the token endpoint --------------------------------------------------

    async def _access_token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.token_requests.append(TokenRequest(form, dict(request.headers)))
        accept = request.headers.get("accept", "")
        app = self._apps.get(form.get("client_id", ""))
        if app is None or not hmac.compare_digest(
            form.get("client_secret", "").encode(), app.client_secret.encode()
        ):
            return fmt.token_error("incorrect_client_credentials", accept)
        grant_type = form.get("grant_type", "authorization_code")
        if grant_type == "refresh_token":
            return self._refresh_grant(app, form, accept)
        if grant_type != "authorization_code":
            return fmt.token_error("unsupported_grant_type", accept)
        with self._lock:
            pending = self._codes.pop(form.get("code", ""), None)  # single use, even if refused
        if pending is None or pending.client_id != app.client_id:
            return fmt.token_error("bad_verification_code", accept)
        if pending.expires_at < time.time():
            return fmt.token_error("bad_verification_code", accept)
        if form.get("redirect_uri") and form["redirect_uri"] != pending.redirect_uri:
            return fmt.token_error("redirect_uri_mismatch", accept)
        if pending.code_challenge and not _pkce_ok(
            form.get("code_verifier", ""), pending.code_challenge
        ):
            return fmt.token_error("bad_verification_code", accept)
        return fmt.token_answer(self._issue_tokens(pending.login, app, pending.scopes), accept)

    def _refresh_grant(self, app: _App, form: dict[str, str], accept: str) -> Response:
        with self._lock:
            old = self._refresh.pop(form.get("refresh_token", ""), None)
            if old is not None and old.paired:
                self._access.pop(old.paired, None)  # "the old user access token" stops too
        if (
            old is None
            or old.client_id != app.client_id
            or (old.expires_at is not None and old.expires_at < time.time())
        ):
            return fmt.token_error("bad_refresh_token", accept)
        self.refresh_count += 1
        return fmt.token_answer(self._issue_tokens(old.login, app, old.scopes), accept)

    def _issue_tokens(self, login: str, app: _App, scopes: tuple[str, ...]) -> dict[str, Any]:
        now = time.time()
        if not self.expiring_tokens:
            access = fmt.token("gho_")
            with self._lock:
                self._access[access] = _Token(login, app.client_id, scopes, None)
            # OAuth apps: the granted scopes, comma-separated.
            return {"access_token": access, "token_type": "bearer", "scope": ",".join(scopes)}
        access, refresh = fmt.token("ghu_"), fmt.token("ghr_", 76)
        with self._lock:
            self._access[access] = _Token(login, app.client_id, scopes, now + self.access_token_ttl)
            self._refresh[refresh] = _Token(
                login, app.client_id, scopes, now + REFRESH_TOKEN_TTL, paired=access
            )
        # GitHub Apps have permissions, not scopes: "scope" is present and empty.
        return {
            "access_token": access,
            "expires_in": int(self.access_token_ttl),
            "refresh_token": refresh,
            "refresh_token_expires_in": REFRESH_TOKEN_TTL,
            "scope": "",
            "token_type": "bearer",
        }

    # -- api.github.com ------------------------------------------------------------------

    def _authenticate(self, request: Request, doc: str) -> _Token | Response:
        if not request.headers.get("user-agent"):
            return Response(fmt.NO_USER_AGENT, status_code=403, media_type="text/plain")
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if not value or scheme.lower() not in ("bearer", "token"):
            return fmt.api_error(401, "Requires authentication", doc)
        with self._lock:
            found = self._access.get(value.strip())
        if found is None or (found.expires_at is not None and found.expires_at < time.time()):
            return fmt.api_error(401, "Bad credentials")
        return found

    async def _user(self, request: Request) -> Response:
        doc = f"{fmt.DOCS}/rest/users/users#get-the-authenticated-user"
        found = self._authenticate(request, doc)
        if isinstance(found, Response):
            return found
        user = self.users[found.login]
        return _api_json(user.as_json(self.base_url), found)

    async def _emails(self, request: Request) -> Response:
        doc = f"{fmt.DOCS}/rest/users/emails#list-email-addresses-for-the-authenticated-user"
        found = self._authenticate(request, doc)
        if isinstance(found, Response):
            return found
        if not self.expiring_tokens and not EMAIL_SCOPES & set(found.scopes):
            return fmt.api_error(404, "Not Found", doc)
        return _api_json(list(self.users[found.login].emails), found)


def _scopes(raw: str) -> tuple[str, ...]:
    # GitHub takes scopes space- or comma-separated and answers them comma-separated.
    return tuple(dict.fromkeys(s for s in re.split(r"[\s,]+", raw) if s))


def _with_expiry(pending: _Pending, expires_at: float) -> _Pending:
    return _Pending(
        pending.client_id,
        pending.redirect_uri,
        pending.state,
        pending.scopes,
        pending.login,
        pending.code_challenge,
        expires_at,
    )


def _pkce_ok(verifier: str, challenge: str) -> bool:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return bool(verifier) and hmac.compare_digest(expected, challenge)


def _redirect(uri: str, params: dict[str, str], state: str | None) -> RedirectResponse:
    query = dict(params) | ({"state": state} if state is not None else {})
    separator = "&" if "?" in uri else "?"
    return RedirectResponse(f"{uri}{separator}{urlencode(query)}", status_code=302)


def _api_json(body: Any, found: _Token) -> JSONResponse:
    return JSONResponse(
        body,
        headers={
            "X-OAuth-Scopes": ", ".join(found.scopes),
            "X-GitHub-Media-Type": "github.v3; format=json",
        },
    )


def _authorize_page(app: _App, pending: _Pending, authenticity_token: str) -> HTMLResponse:
    scopes = "".join(f"<li>{escape(s)}</li>" for s in pending.scopes) or "<li>(public data)</li>"
    return fmt.page(
        f"Authorize application · {escape(app.name)}",
        f"<h1>Authorize {escape(app.name)}</h1>"
        f"<p>{escape(app.name)} wants to access your <strong>{escape(pending.login)}</strong>"
        f" account</p><ul>{scopes}</ul>"
        "<form method='post' action='/login/oauth/authorize'>"
        f"<input type='hidden' name='authenticity_token' value='{escape(authenticity_token)}'>"
        "<button type='submit' name='authorize' value='0'>Cancel</button>"
        "<button type='submit' name='authorize' value='1'>Authorize</button>"
        f"</form><p>Authorizing will redirect to {escape(pending.redirect_uri)}</p>",
    )
