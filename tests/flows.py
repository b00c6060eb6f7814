"""Protocol-level helpers: drive the provider's pages the way a browser would (TestClient
keeps cookies) and speak to its back-channel endpoints the way a client would."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture

WEB_REDIRECT = "https://app.example.com/callback"
SPA_REDIRECT = "http://127.0.0.1:5173/callback"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return verifier, challenge.decode()


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


@dataclass
class Authorization:
    verifier: str
    challenge: str
    state: str
    nonce: str
    params: dict[str, str]


def new_authorization(
    client_id: str = "web",
    redirect_uri: str = WEB_REDIRECT,
    scope: str = "openid profile email offline_access",
    **extra: str,
) -> Authorization:
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return Authorization(
        verifier, challenge, state, nonce, {k: v for k, v in params.items() if v != ""}
    )


class Browser:
    """A cookie-keeping user agent that never follows redirects on its own."""

    def __init__(self, client: TestClient, slug: str = "acme") -> None:
        self.client = client
        self.slug = slug

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(
            url, follow_redirects=False, headers={"Accept": "text/html"}, **kwargs
        )

    def post(self, url: str, data: dict[str, str]) -> httpx.Response:
        return self.client.post(
            url, data=data, follow_redirects=False, headers={"Accept": "text/html"}
        )

    def authorize(self, auth: Authorization) -> httpx.Response:
        return self.get(f"/t/{self.slug}/authorize?{urlencode(auth.params)}")

    def submit_login(self, login_location: str, email: str, password: str) -> httpx.Response:
        page = self.get(login_location)
        assert page.status_code == 200, page.text
        return self.post(
            f"/t/{self.slug}/login",
            {
                "interaction": hidden(page.text, "interaction"),
                "csrf_token": hidden(page.text, "csrf_token"),
                "email": email,
                "password": password,
            },
        )

    def answer_consent(self, consent_location: str, decision: str = "allow") -> httpx.Response:
        page = self.get(consent_location)
        assert page.status_code == 200, page.text
        return self.post(
            f"/t/{self.slug}/consent",
            {
                "interaction": hidden(page.text, "interaction"),
                "csrf_token": hidden(page.text, "csrf_token"),
                "decision": decision,
            },
        )

    def follow_to_redirect_uri(self, response: httpx.Response, consent: str = "allow") -> str:
        """Follow the provider's own redirects (resume, consent) until one leaves it."""
        for _ in range(6):
            assert response.status_code in (302, 303), response.text
            location = response.headers["location"]
            if not location.startswith("/t/"):
                return location
            if location.startswith(f"/t/{self.slug}/consent"):
                response = self.answer_consent(location, consent)
            else:
                response = self.get(location)
        raise AssertionError("too many redirects")

    def sign_in(
        self, auth: Authorization, email: str, password: str, consent: str = "allow"
    ) -> str:
        """Run a full authorization with sign-in; return the final redirect URI."""
        first = self.authorize(auth)
        assert first.status_code == 302, first.text
        response = self.submit_login(first.headers["location"], email, password)
        return self.follow_to_redirect_uri(response, consent)


def basic(client_id: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def token_request(
    client: TestClient, slug: str, data: dict[str, str], headers: dict[str, str] | None = None
) -> httpx.Response:
    return client.post(f"/t/{slug}/token", data=data, headers=headers or {})


def authorize_code(browser: Browser, acme: TenantFixture, auth: Authorization) -> str:
    """Run the authorization request (signing in when the provider asks) and return the code."""
    response = browser.authorize(auth)
    if response.headers.get("location", "").startswith(f"/t/{acme.slug}/login"):
        response = browser.submit_login(response.headers["location"], acme.email, acme.password)
    return query_of(browser.follow_to_redirect_uri(response))["code"]
