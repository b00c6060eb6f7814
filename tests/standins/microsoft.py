"""A Microsoft identity platform stand-in (Entra ID, v2.0 endpoints): one local server that
answers login.microsoftonline.com's OpenID Connect endpoints and Graph's OIDC UserInfo, in
their real formats (``microsoft_formats``).

- ``GET /{tenant}/v2.0/.well-known/openid-configuration`` for ``common``,
  ``organizations``, ``consumers`` or a tenant ID (anything else: AADSTS90002, 400), with
  the endpoints below under the same ``{tenant}``; ``token_endpoint_auth_methods_supported``
  is Microsoft's ``client_secret_post, private_key_jwt, client_secret_basic`` unless a test
  sets ``auth_methods``.
- ``GET /{tenant}/discovery/v2.0/keys``: the RS256 key the ID tokens are signed with.
- ``GET /{tenant}/oauth2/v2.0/authorize`` ("OAuth 2.0 authorization code flow"): an unknown
  ``client_id`` (AADSTS700016) or an unregistered ``redirect_uri`` (AADSTS50011) is an error
  page and no redirect. Otherwise the signed-in account (``sign_in_as``) approves at once:
  a redirect with ``code``, ``state`` and ``session_state``; ``deny_next()`` redirects with
  ``error=access_denied`` (AADSTS65004). PKCE ``S256`` (or ``plain``) and ``nonce`` are
  kept with the code. The stand-in does not apply the path's tenant to the account (the
  real one would refuse a personal account at ``organizations``): what a test proves is
  that idgate itself refuses the token.
- ``POST /{tenant}/oauth2/v2.0/token``: ``client_secret_basic`` (RFC 6749 §2.3.1, both
  halves form-urlencoded) or ``client_secret_post``; single-use codes living 10 minutes,
  ``redirect_uri`` required and equal to the authorization request's, the PKCE verifier
  checked. The answer: ``token_type``, ``scope``, ``expires_in``, ``ext_expires_in``,
  ``access_token``, an ``id_token`` for ``openid`` and a ``refresh_token`` for
  ``offline_access``; the ``refresh_token`` grant answers alike. Errors are Microsoft's JSON
  (HTTP 400, 401 for ``invalid_client``).
- ``GET /oidc/userinfo`` (Graph's ``https://graph.microsoft.com/oidc/userinfo``): ``Bearer``
  access token; 401 ``InvalidAuthenticationToken`` otherwise.

``mismatch_next_issuer(tid)`` makes the next ID token's ``iss`` name another tenant than
its ``tid`` claim (a token a multi-tenant client must refuse).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.standins import microsoft_formats as fmt
from tests.standins.microsoft_formats import MicrosoftAccount
from tests.standins.serving import BackgroundServer, ServedStandIn

CODE_LIFETIME = 600.0
REFRESH_TOKEN_LIFETIME = 90 * 86400.0
_TENANT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_OIDC_SCOPES = ("openid", "profile", "email")


@dataclass(frozen=True)
class TokenRequest:
    """One request to the token endpoint, as received (header names lower-case), and how
    the client authenticated (``client_secret_basic`` or ``client_secret_post``)."""

    tenant: str
    form: dict[str, str]
    headers: dict[str, str]
    client_auth: str | None
    client_id: str | None
    client_secret: str | None


@dataclass(frozen=True)
class _App:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]


@dataclass(frozen=True)
class _Code:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    nonce: str | None
    challenge: str | None
    challenge_method: str
    account: MicrosoftAccount
    expires_at: float


@dataclass(frozen=True)
class _Grant:
    """What an access or refresh token stands for."""

    account: MicrosoftAccount
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float


@dataclass
class MicrosoftStandIn(ServedStandIn):
    """The stand-in's state, set by tests between requests. Start with ``start()``."""

    auth_methods: tuple[str, ...] = fmt.AUTH_METHODS
    account: MicrosoftAccount | None = None
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[TokenRequest] = field(default_factory=list)
    _apps: dict[str, _App] = field(default_factory=dict)
    _deny_next: bool = False
    _next_issuer_tid: str | None = None
    _codes: dict[str, _Code] = field(default_factory=dict)
    _redeemed: set[str] = field(default_factory=set)
    _access: dict[str, _Grant] = field(default_factory=dict)
    _refresh: dict[str, _Grant] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: BackgroundServer | None = None

    def authority(self, tenant: str) -> str:
        """What to give idgate as the issuer of a connection for ``tenant`` (as
        ``https://login.microsoftonline.com/{tenant}/v2.0``)."""
        return f"{self.base_url}/{tenant}/v2.0"

    # -- test controls -------------------------------------------------------------------

    def register_app(self, client_id: str, client_secret: str, *redirect_uris: str) -> None:
        self._apps[client_id] = _App(client_id, client_secret, redirect_uris)

    def sign_in_as(self, account: MicrosoftAccount) -> MicrosoftAccount:
        """The account signed in at Microsoft: it approves the next authorizations."""
        self.account = account
        return account

    def deny_next(self) -> None:
        """The next authorization request is answered with ``error=access_denied``."""
        self._deny_next = True

    def mismatch_next_issuer(self, tid: str) -> None:
        """The next ID token's ``iss`` names tenant ``tid``; its ``tid`` claim stays the
        account's."""
        self._next_issuer_tid = tid

    def sub_of(self, account: MicrosoftAccount, client_id: str) -> str:
        """The pairwise ``sub`` the account's ID tokens carry for ``client_id``."""
        return fmt.pairwise_sub(account, client_id)

    # -- the ASGI app --------------------------------------------------------------------

    def _asgi(self) -> Starlette:
        return Starlette(
            routes=[
                Route(
                    "/{tenant}/v2.0/.well-known/openid-configuration",
                    self._configuration,
                    methods=["GET"],
                ),
                Route("/{tenant}/discovery/v2.0/keys", self._keys, methods=["GET"]),
                Route("/{tenant}/oauth2/v2.0/authorize", self._authorize, methods=["GET"]),
                Route("/{tenant}/oauth2/v2.0/token", self._token, methods=["POST"]),
                Route("/oidc/userinfo", self._userinfo, methods=["GET"]),
            ]
        )

    async def _configuration(self, request: Request) -> Response:
        tenant = request.path_params["tenant"]
        if not _known_tenant(tenant):
            return fmt.error_response(self.base_url, 90002, tenant=tenant)
        return JSONResponse(fmt.openid_configuration(self.base_url, tenant, self.auth_methods))

    async def _keys(self, request: Request) -> Response:
        tenant = request.path_params["tenant"]
        if not _known_tenant(tenant):
            return fmt.error_response(self.base_url, 90002, tenant=tenant)
        issuer = fmt.published_issuer(self.base_url, tenant)
        return JSONResponse({"keys": [fmt.signing_key().jwk(issuer)]})

    # -- the authorization endpoint ------------------------------------------------------

    async def _authorize(self, request: Request) -> Response:
        tenant = request.path_params["tenant"]
        params = dict(request.query_params)
        self.authorize_requests.append(params)
        client_id = params.get("client_id", "")
        app = self._apps.get(client_id)
        if not _known_tenant(tenant):
            return fmt.error_page(self.base_url, 90002, tenant=tenant)
        if app is None:
            return fmt.error_page(self.base_url, 700016, client_id=client_id, tenant=tenant)
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in app.redirect_uris:
            return fmt.error_page(
                self.base_url, 50011, redirect_uri=redirect_uri, client_id=client_id
            )
        return self._decide(app, redirect_uri, params)

    def _decide(self, app: _App, redirect_uri: str, params: dict[str, str]) -> Response:
        state = params.get("state")
        response_type = params.get("response_type", "")
        if response_type != "code":
            error = fmt.error_body(self.base_url, 70005, response_type=response_type)
            return _redirect(redirect_uri, error, state)
        method = params.get("code_challenge_method", "plain")
        if params.get("code_challenge") and method not in ("S256", "plain"):
            error = fmt.error_body(self.base_url, 900144, parameter="code_challenge_method")
            return _redirect(redirect_uri, error, state)
        if self._deny_next or self.account is None:
            self._deny_next = False
            return _redirect(redirect_uri, fmt.error_body(self.base_url, 65004), state)
        code = fmt.authorization_code()
        with self._lock:
            self._codes[code] = _Code(
                client_id=app.client_id,
                redirect_uri=redirect_uri,
                scopes=tuple(params.get("scope", "").split()),
                nonce=params.get("nonce"),
                challenge=params.get("code_challenge") or None,
                challenge_method=method,
                account=self.account,
                expires_at=time.time() + CODE_LIFETIME,
            )
        return _redirect(redirect_uri, {"code": code, "session_state": str(uuid.uuid4())}, state)

    # -- the token endpoint --------------------------------------------------------------

    async def _token(self, request: Request) -> Response:
        tenant = request.path_params["tenant"]
        form = {k: str(v) for k, v in (await request.form()).items()}
        received = _token_request(tenant, form, dict(request.headers))
        self.token_requests.append(received)
        app = self._apps.get(received.client_id or "")
        if app is None:
            client_id = received.client_id or ""
            return fmt.error_response(self.base_url, 700016, client_id=client_id, tenant=tenant)
        if received.client_secret is None:
            return fmt.error_response(self.base_url, 7000218)
        if not hmac.compare_digest(received.client_secret.encode(), app.client_secret.encode()):
            return fmt.error_response(self.base_url, 7000215, client_id=app.client_id)
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            return self._code_grant(app, form)
        if grant_type == "refresh_token":
            return self._refresh_grant(app, form)
        return fmt.error_response(self.base_url, 70003, grant=grant_type)

    def _code_grant(self, app: _App, form: dict[str, str]) -> Response:
        for parameter in ("code", "redirect_uri"):
            if not form.get(parameter):
                return fmt.error_response(self.base_url, 900144, parameter=parameter)
        with self._lock:
            code = self._codes.pop(form["code"], None)  # single use, even when refused
            replayed = form["code"] in self._redeemed
            self._redeemed.add(form["code"])
        if code is None:
            if replayed:
                return fmt.error_response(self.base_url, 54005)
            return fmt.error_response(self.base_url, 70000, parameter="code")
        refusal = self._refusal(app, code, form)
        if refusal is not None:
            return refusal
        grant = _Grant(code.account, app.client_id, code.scopes, 0.0)
        return self._issue(grant, code.nonce)

    def _refusal(self, app: _App, code: _Code, form: dict[str, str]) -> Response | None:
        if code.client_id != app.client_id:
            return fmt.error_response(self.base_url, 70000, parameter="code")
        if code.expires_at < time.time():
            return fmt.error_response(self.base_url, 70008)
        if form["redirect_uri"] != code.redirect_uri:
            return fmt.error_response(
                self.base_url, 50011, redirect_uri=form["redirect_uri"], client_id=app.client_id
            )
        if code.challenge and not _pkce_ok(
            form.get("code_verifier", ""), code.challenge, code.challenge_method
        ):
            return fmt.error_response(self.base_url, 501481)
        return None

    def _refresh_grant(self, app: _App, form: dict[str, str]) -> Response:
        if not form.get("refresh_token"):
            return fmt.error_response(self.base_url, 900144, parameter="refresh_token")
        with self._lock:
            grant = self._refresh.get(form["refresh_token"])
        if grant is None or grant.client_id != app.client_id:
            return fmt.error_response(self.base_url, 70000, parameter="refresh_token")
        if grant.expires_at < time.time():
            return fmt.error_response(self.base_url, 70008)
        return self._issue(grant, None)

    def _issue(self, grant: _Grant, nonce: str | None) -> Response:
        now = time.time()
        access = fmt.opaque_token("EwA")
        answer: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": " ".join(
                [*(s for s in _OIDC_SCOPES if s in grant.scopes), fmt.GRAPH_USER_READ]
            ),
            "expires_in": fmt.ACCESS_TOKEN_TTL,
            "ext_expires_in": fmt.ACCESS_TOKEN_TTL,
            "access_token": access,
        }
        with self._lock:
            self._access[access] = _with_expiry(grant, now + fmt.ACCESS_TOKEN_TTL)
            if "offline_access" in grant.scopes:
                refresh = fmt.opaque_token("M.C5", 400)
                self._refresh[refresh] = _with_expiry(grant, now + REFRESH_TOKEN_LIFETIME)
                answer["refresh_token"] = refresh
        if "openid" in grant.scopes:
            issuer_tid, self._next_issuer_tid = self._next_issuer_tid, None
            claims = fmt.id_token_claims(
                self.base_url, grant.account, grant.client_id, nonce, issuer_tid
            )
            answer["id_token"] = fmt.sign_id_token(claims)
        return JSONResponse(answer, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    # -- Graph's UserInfo ----------------------------------------------------------------

    async def _userinfo(self, request: Request) -> Response:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        with self._lock:
            grant = self._access.get(value.strip()) if scheme.lower() == "bearer" else None
        if grant is None or grant.expires_at < time.time():
            return fmt.graph_unauthorized()
        return JSONResponse(fmt.userinfo(grant.account, grant.client_id))


def _known_tenant(tenant: str) -> bool:
    return tenant in fmt.MULTI_TENANT or bool(_TENANT_ID.fullmatch(tenant))


def _token_request(tenant: str, form: dict[str, str], headers: dict[str, str]) -> TokenRequest:
    """The client's credentials: HTTP Basic (each half form-urlencoded) wins over the body."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except ValueError:
            decoded = ""
        client_id, _, secret = decoded.partition(":")
        return TokenRequest(
            tenant,
            form,
            headers,
            "client_secret_basic",
            unquote_plus(client_id),
            unquote_plus(secret),
        )
    method = "client_secret_post" if "client_secret" in form else None
    return TokenRequest(
        tenant, form, headers, method, form.get("client_id"), form.get("client_secret")
    )


def _pkce_ok(verifier: str, challenge: str, method: str) -> bool:
    if not verifier:
        return False
    if method == "plain":
        return hmac.compare_digest(verifier, challenge)
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(expected, challenge)


def _with_expiry(grant: _Grant, expires_at: float) -> _Grant:
    return _Grant(grant.account, grant.client_id, grant.scopes, expires_at)


def _redirect(uri: str, params: dict[str, Any], state: str | None) -> RedirectResponse:
    """Microsoft's redirect back (``response_mode=query``); an error carries ``error``,
    ``error_description`` and ``error_uri`` only."""
    if "error" in params:
        params = {k: params[k] for k in ("error", "error_description", "error_uri")}
    query = {k: str(v) for k, v in params.items()} | ({"state": state} if state else {})
    separator = "&" if "?" in uri else "?"
    return RedirectResponse(f"{uri}{separator}{urlencode(query)}", status_code=302)
