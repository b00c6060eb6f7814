"""The browser and client steps the scenarios need before wrk starts, over HTTP as a real
user agent would drive them: sign in (idgate's login and consent pages, or the peer's
interaction endpoints), keep the session cookie, obtain codes, refresh and access tokens.

Everything here runs on GENERATOR_CPU's side of the fence and is never timed.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from loadtests.common import (
    CC_CLIENT,
    OFFLINE_SCOPE,
    REDIRECT_URI,
    TENANT,
    USER_PASSWORD,
    WEB_CLIENT,
)
from loadtests.servers import Endpoints, IdgateServer, Server

# One PKCE pair for every code the load generator asks for: each code is still single-use
# and bound to the challenge; the verifier only has to be known to the Lua script.
VERIFIER = "bench-verifier-" + "x" * 48
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=")


def authorize_query(scope: str, *, prompt: str | None = None) -> str:
    params = {
        "response_type": "code",
        "client_id": WEB_CLIENT.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "bench-state",
        "nonce": "bench-nonce",
        "code_challenge": CHALLENGE.decode(),
        "code_challenge_method": "S256",
    }
    if prompt:
        params["prompt"] = prompt
    return urlencode(params)


@dataclass(frozen=True)
class LoginForm:
    """A ready-to-replay password login POST against a standing interaction."""

    path: str
    body: str
    cookie: str


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None


def cookie_header(http: httpx.Client, path: str) -> str:
    return "; ".join(
        f"{c.name}={c.value}" for c in http.cookies.jar if path.startswith(c.path or "/")
    )


def _location(response: httpx.Response) -> str:
    if response.status_code not in (302, 303):
        raise RuntimeError(
            f"expected a redirect, got {response.status_code}: {response.text[:300]}"
        )
    return response.headers["location"]


def _code_of(location: str) -> str:
    if not location.startswith(REDIRECT_URI):
        raise RuntimeError(f"expected a redirect to the client, got {location[:200]}")
    query = parse_qs(urlsplit(location).query)
    if "code" not in query:
        raise RuntimeError(f"authorization failed: {location[:300]}")
    return query["code"][0]


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    if not match:
        raise RuntimeError(f"no hidden field {name} in the page")
    return match.group(1)


def exchange_code(http: httpx.Client, ep: Endpoints, code: str) -> Tokens:
    answer = http.post(
        ep.token,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": VERIFIER,
        },
        headers={"Authorization": WEB_CLIENT.basic},
    )
    answer.raise_for_status()
    body = answer.json()
    return Tokens(body["access_token"], body.get("refresh_token"))


def client_credentials_tokens(server: Server, count: int) -> list[str]:
    assert server.endpoints
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        tokens = []
        for _ in range(count):
            answer = http.post(
                server.endpoints.token,
                data={"grant_type": "client_credentials"},
                headers={"Authorization": CC_CLIENT.basic},
            )
            answer.raise_for_status()
            tokens.append(answer.json()["access_token"])
    return tokens


class Browser:
    """A user agent signed in to one server as one user; subclasses know its pages."""

    def __init__(self, server: Server, email: str) -> None:
        assert server.endpoints
        self.server = server
        self.ep = server.endpoints
        self.email = email
        self.http = httpx.Client(base_url=server.base_url, timeout=15, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def sign_in(self) -> None:
        """Sign in and consent to OFFLINE_SCOPE once: the session cookie is established."""
        raise NotImplementedError

    def session_cookie(self) -> str:
        return cookie_header(self.http, self.ep.authorization)

    def login_form(self) -> LoginForm:
        """A fresh interaction (no session) and the login POST that answers it."""
        raise NotImplementedError

    def code(self, scope: str) -> str:
        """An authorization code over the established session."""
        raise NotImplementedError

    def offline_tokens(self) -> Tokens:
        """A new grant (token family) with a refresh token."""
        return exchange_code(self.http, self.ep, self.code(OFFLINE_SCOPE))


class IdgateBrowser(Browser):
    prefix = f"/t/{TENANT}"

    def _page(self, http: httpx.Client, location: str) -> str:
        page = http.get(location, headers={"Accept": "text/html"})
        page.raise_for_status()
        return page.text

    def _follow(self, response: httpx.Response) -> str:
        """Follow idgate's own redirects (resume, consent) until one leaves for the client."""
        for _ in range(6):
            location = _location(response)
            if not location.startswith(self.prefix):
                return location
            if location.startswith(f"{self.prefix}/consent"):
                html = self._page(self.http, location)
                response = self.http.post(
                    f"{self.prefix}/consent",
                    data={
                        "interaction": _hidden(html, "interaction"),
                        "csrf_token": _hidden(html, "csrf_token"),
                        "decision": "allow",
                    },
                )
            else:
                response = self.http.get(location)
        raise RuntimeError("too many redirects")

    def _login_page(self, http: httpx.Client) -> tuple[str, str]:
        first = http.get(f"{self.ep.authorization}?{authorize_query(OFFLINE_SCOPE)}")
        html = self._page(http, _location(first))
        return _hidden(html, "interaction"), _hidden(html, "csrf_token")

    def sign_in(self) -> None:
        interaction, csrf = self._login_page(self.http)
        response = self.http.post(
            f"{self.prefix}/login",
            data={
                "interaction": interaction,
                "csrf_token": csrf,
                "email": self.email,
                "password": USER_PASSWORD,
            },
        )
        _code_of(self._follow(response))

    def login_form(self) -> LoginForm:
        with httpx.Client(base_url=self.server.base_url, timeout=15) as fresh:
            interaction, csrf = self._login_page(fresh)
        body = urlencode(
            {
                "interaction": interaction,
                "csrf_token": csrf,
                "email": self.email,
                "password": USER_PASSWORD,
            }
        )
        return LoginForm(f"{self.prefix}/login", body, f"idgate_csrf={csrf}")

    def code(self, scope: str) -> str:
        return _code_of(
            _location(self.http.get(f"{self.ep.authorization}?{authorize_query(scope)}"))
        )


class PeerBrowser(Browser):
    def _interact(self, location: str) -> httpx.Response:
        """Answer the peer's interaction at ``location`` (login or consent prompt)."""
        details = self.http.get(location)
        details.raise_for_status()
        if details.json()["prompt"] == "login":
            return self.http.post(
                f"{location}/login", data={"email": self.email, "password": USER_PASSWORD}
            )
        return self.http.post(f"{location}/confirm")

    def _follow(self, response: httpx.Response) -> str:
        for _ in range(8):
            location = _location(response)
            if location.startswith(REDIRECT_URI):
                return location
            path = urlsplit(location).path
            response = (
                self._interact(path) if path.startswith("/interaction/") else self.http.get(path)
            )
        raise RuntimeError("too many redirects")

    def sign_in(self) -> None:
        query = authorize_query(OFFLINE_SCOPE, prompt="consent")
        _code_of(self._follow(self.http.get(f"{self.ep.authorization}?{query}")))

    def login_form(self) -> LoginForm:
        with httpx.Client(base_url=self.server.base_url, timeout=15) as fresh:
            first = fresh.get(f"{self.ep.authorization}?{authorize_query(OFFLINE_SCOPE)}")
            path = urlsplit(_location(first)).path
            cookie = cookie_header(fresh, path)
        return LoginForm(
            f"{path}/login", urlencode({"email": self.email, "password": USER_PASSWORD}), cookie
        )

    def code(self, scope: str) -> str:
        # oidc-provider honours offline_access only with prompt=consent (OIDC Core §11).
        prompt = "consent" if "offline_access" in scope else None
        query = authorize_query(scope, prompt=prompt)
        return _code_of(self._follow(self.http.get(f"{self.ep.authorization}?{query}")))


def browser_for(server: Server, email: str) -> Browser:
    return (
        IdgateBrowser(server, email)
        if isinstance(server, IdgateServer)
        else PeerBrowser(server, email)
    )
