"""Helpers for protocol tests of upstream sign-in (issue "Bring your own OAuth"): idgate runs
in-process behind a ``TestClient``, the GitHub stand-in over real HTTP, and the test walks
the browser's redirects between them by hand: idgate's ``/start`` sends it to the stand-in's
authorize page, whose Authorize button sends it back to idgate's callback, which the
``TestClient`` then opens with its cookies (the ``idgate_upstream`` flow cookie included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from idgate.control.connections_admin import put_upstream_connection
from idgate.control.rbac import LOCAL_OPERATOR
from idgate.identity.upstream.connections import ConnectionSettings
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import customers, upstream_flows, upstream_identities
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.tenancy.tenants import Tenant, find_tenant
from local.server import build_app
from tests.conftest import WEB_SECRET, TenantFixture, provision_client
from tests.flows import (
    WEB_REDIRECT,
    Authorization,
    Browser,
    basic,
    new_authorization,
    query_of,
    token_request,
)
from tests.standins.github import GitHubStandIn

GITHUB_CLIENT_ID = "Iv1.acmegithubapp"
GITHUB_SECRET = "github-client-secret-3c9d1e7a5b2f4086"
CALLBACK = "http://testserver/t/acme/upstream/github/callback"
TOOLBOX_SECRET = "toolbox-client-secret-0123456789-abcdef"
TOOLBOX_REDIRECT = "https://tools.example.com/callback"
HANDOFF_SCOPE = "openid profile email offline_access upstream_token"


@dataclass
class GitHubWorld:
    """Tenant ``acme`` (see ``tests.conftest.acme``) with a GitHub connection ``github``
    whose app is registered at the stand-in."""

    rt: Runtime
    acme: TenantFixture
    github: GitHubStandIn
    browser: Browser

    def new_browser(self) -> Browser:
        """Another browser: no cookies, no session at idgate."""
        return Browser(TestClient(build_app(), base_url="http://testserver"))


def connect_github(
    rt: Runtime,
    acme: TenantFixture,
    github: GitHubStandIn,
    monkeypatch: pytest.MonkeyPatch,
    **settings: Any,
) -> GitHubWorld:
    """Point idgate's GitHub provider at the stand-in and connect it as ``idgate connection
    create acme --provider github`` does; ``settings`` override ``ConnectionSettings``."""
    for name, value in github.idgate_env.items():
        monkeypatch.setenv(name, value)
    github.register_app(GITHUB_CLIENT_ID, GITHUB_SECRET, CALLBACK, name="Acme")
    wanted = {
        "provider": "github",
        "client_id": GITHUB_CLIENT_ID,
        "client_secret": GITHUB_SECRET,
        **settings,
    }
    with scoped(ALL_TENANTS):
        put_upstream_connection(rt, LOCAL_OPERATOR, "acme", "github", ConnectionSettings(**wanted))
    browser = Browser(TestClient(build_app(), base_url="http://testserver"))
    return GitHubWorld(rt, acme, github, browser)


def acme_tenant(rt: Runtime) -> Tenant:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        tenant = find_tenant(conn, "acme")
    assert tenant is not None
    return tenant


def disable_github(rt: Runtime) -> None:
    """``PUT .../connections/github`` with ``enabled: false`` (the secret kept)."""
    wanted = ConnectionSettings("github", GITHUB_CLIENT_ID, None, enabled=False)
    with scoped(ALL_TENANTS):
        put_upstream_connection(rt, LOCAL_OPERATOR, "acme", "github", wanted)


def add_toolbox_client(rt: Runtime) -> None:
    """Client ``toolbox``, whose scopes include ``upstream_token``."""
    provision_client(
        rt,
        "acme",
        client_id="toolbox",
        name="Acme Toolbox",
        client_type="confidential",
        secret=TOOLBOX_SECRET,
        redirect_uris=[TOOLBOX_REDIRECT],
        post_logout_redirect_uris=[],
        grants=["authorization_code", "refresh_token"],
        scopes=HANDOFF_SCOPE.split(),
    )


def toolbox_authorization() -> Authorization:
    return new_authorization("toolbox", TOOLBOX_REDIRECT, HANDOFF_SCOPE)


# --- the browser's way through idgate and the stand-in ---------------------------------


def pending_interaction(browser: Browser, auth: Authorization) -> str:
    """Start the authorization request; the interaction of the sign-in page it leads to."""
    first = browser.authorize(auth)
    assert first.status_code == 302, first.text
    assert first.headers["location"].startswith("/t/acme/login?"), first.headers["location"]
    return query_of(first.headers["location"])["interaction"]


def start(browser: Browser, interaction: str) -> httpx.Response:
    """The sign-in page's "Continue with GitHub"."""
    return browser.get(f"/t/acme/upstream/github/start?interaction={interaction}")


def at_github(world: GitHubWorld, to_upstream: httpx.Response, *, authorize: bool = True) -> str:
    """Follow idgate's redirect to the stand-in and press Authorize (or Cancel); the
    callback URL the stand-in redirects back to."""
    assert to_upstream.status_code in (302, 303), to_upstream.text
    location = to_upstream.headers["location"]
    assert location.startswith(world.github.base_url), location
    with httpx.Client(base_url=world.github.base_url, follow_redirects=False) as http:
        page = http.get(location)
        if page.status_code == 302:  # answered at once (deny_next)
            return page.headers["location"]
        assert page.status_code == 200, page.text
        token = re.search(r"name='authenticity_token' value='([^']+)'", page.text)
        assert token, page.text
        form = {"authenticity_token": token.group(1), "authorize": "1" if authorize else "0"}
        decided = http.post("/login/oauth/authorize", data=form)
    assert decided.status_code == 302, decided.text
    callback = decided.headers["location"]
    assert callback.startswith(f"{CALLBACK}?"), callback
    return callback


def link_through_github(world: GitHubWorld, browser: Browser) -> httpx.Response:
    """The account page's "Link GitHub", Authorize at GitHub: idgate's callback answer."""
    to_github = browser.get("/t/acme/upstream/github/link")
    return back_at_idgate(browser, at_github(world, to_github))


def back_at_idgate(browser: Browser, callback: str) -> httpx.Response:
    parts = urlsplit(callback)
    return browser.get(f"{parts.path}?{parts.query}")


def through_github(world: GitHubWorld, browser: Browser, interaction: str) -> httpx.Response:
    """ "Continue with GitHub" on the sign-in page, Authorize at GitHub: idgate's callback
    answer."""
    return back_at_idgate(browser, at_github(world, start(browser, interaction)))


def sign_in_with_github(
    world: GitHubWorld, browser: Browser | None = None, auth: Authorization | None = None
) -> str:
    """A whole authorization through GitHub in ``browser`` (default: the world's); the
    final redirect to the client."""
    browser = browser or world.browser
    auth = auth or new_authorization()
    called_back = through_github(world, browser, pending_interaction(browser, auth))
    assert called_back.status_code == 302, called_back.text
    return browser.follow_to_redirect_uri(called_back)


# --- the client's side -----------------------------------------------------------------


def redeem(
    client: TestClient,
    redirect: str,
    auth: Authorization,
    *,
    client_id: str = "web",
    secret: str = WEB_SECRET,
) -> dict[str, Any]:
    """Exchange the code the final redirect carries; the token response."""
    assert not redirect.startswith("/"), redirect
    code = query_of(redirect)["code"]
    response = token_request(
        client,
        "acme",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": auth.params["redirect_uri"],
            "code_verifier": auth.verifier,
        },
        basic(client_id, secret),
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def id_token_claims(tokens: dict[str, Any]) -> dict[str, Any]:
    return dict(jwt.decode(tokens["id_token"], options={"verify_signature": False}))


def github_sub(world: GitHubWorld, browser: Browser | None = None) -> str:
    """The ``sub`` a whole sign-in through GitHub gives the ``web`` client."""
    browser = browser or world.browser
    auth = new_authorization()
    redirect = sign_in_with_github(world, browser, auth)
    assert redirect.startswith(WEB_REDIRECT), redirect
    return str(id_token_claims(redeem(browser.client, redirect, auth))["sub"])


# --- what idgate stored ----------------------------------------------------------------


def identity_rows(rt: Runtime) -> list[dict[str, Any]]:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        rows = conn.execute(select(upstream_identities).order_by(upstream_identities.c.linked_at))
        return [dict(row._mapping) for row in rows]


def customer_emails(rt: Runtime) -> set[str]:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        return set(conn.execute(select(customers.c.email)).scalars())


def flow_count(rt: Runtime, stage: str | None = None) -> int:
    query = select(func.count()).select_from(upstream_flows)
    if stage is not None:
        query = query.where(upstream_flows.c.stage == stage)
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        return int(conn.execute(query).scalar_one())


def verified(email: str) -> list[dict[str, Any]]:
    """GitHub's ``/user/emails`` for an account with one primary, verified address."""
    return [{"email": email, "primary": True, "verified": True, "visibility": "private"}]
